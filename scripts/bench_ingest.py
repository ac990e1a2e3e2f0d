"""``scripts/bench ingest``: form submissions per second and p99 latency, against a bare
Starlette endpoint that only parses the same urlencoded body, measured in the same run.

wrk (Debian's package) drives each server with the same connections for the same time;
every request is a new submission id and a new email, so each one is a new person, a new
company and its touches, committed before the answer. The server's own CPU time per request
(from /proc) says where the limit is: when the Python process is near 100% of a core, it is
the limit; when it is not, the database or the load generator is. Each round starts once the
servers and PostgreSQL are idle (``settle``): what one target leaves behind (a follower
catching up, a checkpoint) is not charged to the next.
"""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TICKS = os.sysconf("SC_CLK_TCK")

# The bare endpoint: what any Starlette service must do for a form post at the least.
BARE_APP = textwrap.dedent(
    """
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    async def submit(request):
        form = await request.form()
        if "email" not in form:
            return Response(status_code=422)
        return Response(status_code=303, headers={"location": "/thanks"})

    app = Starlette(routes=[Route("/t/{tenant}/forms/{form}", submit, methods=["POST"])])
    """
)

# Every request a new submission id and a new email (thread number and counter).
WRK_SCRIPT = textwrap.dedent(
    """
    local counter = 0
    local threads = 0
    function setup(thread)
      threads = threads + 1
      thread:set("tid", threads)
    end
    function request()
      counter = counter + 1
      local id = string.format("bench-%d-%d-%d", run, tid, counter)
      local body = "email=" .. id .. "%40bench.example&first_name=Ada&last_name=Lovelace"
        .. "&company=Company+" .. (counter % 500)
        .. "&utm_source=linkedin&utm_medium=paid_social&utm_campaign=webinar"
        .. "&ls_submission_id=" .. id
      return wrk.format("POST", path, headers, body)
    end
    """
)


@dataclass
class Round:
    rate: float
    p50_ms: float
    p99_ms: float
    cpu_ms_per_request: float
    cpu_share: float  # the server's processes, in cores, over the run
    errors: int
    db_share: float = 0.0  # PostgreSQL's processes, in cores
    wrk_share: float = 0.0  # the load generator, in cores


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        for task in _tasks(pid):
            fields = Path(f"/proc/{pid}/task/{task}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def _tasks(pid: int) -> list[str]:
    try:
        return os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return []


def children(pid: int) -> list[int]:
    """The server process and its worker processes (``serve --workers``)."""
    found = [pid]
    for task in _tasks(pid):
        path = Path(f"/proc/{pid}/task/{task}/children")
        if path.exists():
            for child in path.read_text().split():
                found += children(int(child))
    return found


def run_wrk(
    url: str, *, connections: int, seconds: int, run: int
) -> tuple[float, float, float, int, int, float]:
    """(requests/s, p50 ms, p99 ms, requests, non-2xx/3xx, wrk's CPU seconds) from one run."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        parts = urllib.parse.urlsplit(url)
        script.write(f"run = {run}\npath = {json.dumps(parts.path)}\n")
        script.write(
            'headers = {["Content-Type"] = "application/x-www-form-urlencoded",'
            ' ["Origin"] = "http://site.example"}\n'
        )
        script.write(WRK_SCRIPT)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{min(2, connections)}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--latency",
                "-s",
                script.name,
                f"{parts.scheme}://{parts.netloc}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1))
    p99 = _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    socket_errors = re.search(r"Socket errors: (.*)", out)
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    return rate, p50, p99, requests, errors, wrk_cpu


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def named(name: str) -> list[int]:
    """Processes whose command is ``name`` (PostgreSQL's server and backends, wrk)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(f"/proc/{entry}/comm").read_text().strip() == name:
                    found.append(int(entry))
            except OSError:
                pass
    return found


def settle(procs: list[subprocess.Popen], *, idle_share: float = 0.05, most: float = 30) -> float:
    """Wait until the servers and PostgreSQL are idle (under ``idle_share`` of a core over
    half a second), at most ``most`` seconds; returns the seconds waited. After a round the
    SQLite service's credits follower catches up what it left under load, and PostgreSQL
    checkpoints and vacuums: measured meanwhile, the next target would share the machine
    with them (the bare endpoint's p99 doubled)."""
    started = time.monotonic()
    while time.monotonic() - started < most:
        pids = [pid for proc in procs for pid in children(proc.pid)] + named("postgres")
        before = cpu_seconds(pids)
        time.sleep(0.5)
        if cpu_seconds(pids) - before < idle_share * 0.5:
            break
    return time.monotonic() - started


def measure(url: str, proc: subprocess.Popen, *, connections: int, seconds: int, run: int) -> Round:
    pids = children(proc.pid)
    postgres = named("postgres")
    before, db_before = cpu_seconds(pids), cpu_seconds(postgres)
    started = time.monotonic()
    rate, p50, p99, requests, errors, wrk_cpu = run_wrk(
        url, connections=connections, seconds=seconds, run=run
    )
    elapsed = time.monotonic() - started
    used = cpu_seconds(pids) - before
    db_used = cpu_seconds(postgres + [p for p in named("postgres") if p not in postgres])
    return Round(
        rate,
        p50,
        p99,
        used * 1000 / max(requests, 1),
        used / elapsed,
        errors,
        (db_used - db_before) / elapsed,
        wrk_cpu / elapsed,
    )


def start_bare(port: int, workers: int = 1) -> subprocess.Popen:
    folder = Path(tempfile.mkdtemp(prefix="bench-bare-"))
    (folder / "bare_app.py").write_text(BARE_APP)
    return subprocess.Popen(
        [
            PYTHON,
            "-m",
            "uvicorn",
            "bare_app:app",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
            "--workers",
            str(workers),
        ],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def leadsource(*args: str, env: dict[str, str]) -> str:
    return subprocess.run(
        [PYTHON, "-m", "ingest", *args], env=env, capture_output=True, text=True, check=True
    ).stdout


def service_env(db: str, port: int) -> dict[str, str]:
    unlimited = "1000000000"
    return {
        **os.environ,
        "LEADSOURCE_DB": db,
        "LEADSOURCE_BASE_URL": f"http://127.0.0.1:{port}",
        **{
            f"LEADSOURCE_LIMIT_{what}_PER_{who}": unlimited
            for what in ("SUBMIT", "FORM", "COLLECT", "SCRIPT")
            for who in ("CLIENT", "TENANT")
        },
    }


def start_service(db: str, port: int, workers: int = 1) -> tuple[subprocess.Popen, str]:
    env = service_env(db, port)
    leadsource("tenant", "create", "bench", "--origin", "http://site.example", env=env)
    form = json.loads(
        leadsource("form", "create", "bench", "--name", "Contact", "--publish", env=env)
    )
    args = ["serve", "--port", str(port)]
    if workers > 1:
        args += ["--workers", str(workers)]
    proc = subprocess.Popen(
        [PYTHON, "-m", "ingest", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return proc, f"http://127.0.0.1:{port}/t/bench/forms/{form['form_id']}"


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def pg_database(server: str) -> str:
    """A new database on ``server`` for one target (dropped with the cluster's next bench)."""
    import psycopg

    name = f"leadsource_bench_{os.getpid()}_{len(_created)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    _created.append((server, name))
    return server.rsplit("/", 1)[0] + "/" + name


_created: list[tuple[str, str]] = []


def drop_databases() -> None:
    import psycopg

    for server, name in _created:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _created.clear()


def bench_ingest(
    *, rounds: int, seconds: int, connections: int, postgres: str | None, workers: list[int]
) -> None:
    print(
        f"ingest: urlencoded form submissions, wrk {connections} connections, {seconds} s a"
        f" round, {rounds} rounds, median; each request a new person, committed before its"
        " answer; bare = Starlette parsing the same body (one process)"
    )
    folder = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    servers: dict[str, tuple[subprocess.Popen, str]] = {}
    try:
        port = free_port()
        servers["bare"] = (start_bare(port), f"http://127.0.0.1:{port}/t/bench/forms/f")
        port = free_port()
        servers["sqlite"] = start_service(str(folder / "bench.db"), port)
        for n in workers if postgres else ():
            port = free_port()
            servers[f"postgresql x{n}"] = start_service(pg_database(postgres), port, workers=n)
        for proc, url in servers.values():
            wait_ready(url.split("/t/")[0] + "/healthz", proc)
        results: dict[str, list[Round]] = {name: [] for name in servers}
        for run in range(rounds):
            # Interleaved, so drift on a shared machine hits every target alike.
            for name, (proc, url) in servers.items():
                settle([p for p, _ in servers.values()])
                results[name].append(
                    measure(url, proc, connections=connections, seconds=seconds, run=run)
                )
        report(results)
        # Latency when the service is not saturated: fewer connections.
        proc, url = servers["sqlite"]
        few = []
        for i in (0, 1):
            settle([p for p, _ in servers.values()])
            few.append(measure(url, proc, connections=4, seconds=seconds, run=rounds + i))
        print(
            f"  sqlite at 4 connections: {statistics.median(r.rate for r in few):.0f}/s,"
            f" p50 {statistics.median(r.p50_ms for r in few):.1f} ms,"
            f" p99 {statistics.median(r.p99_ms for r in few):.1f} ms"
        )
    finally:
        for proc, _ in servers.values():
            stop(proc)
        if postgres:
            drop_databases()


def report(results: dict[str, list[Round]]) -> None:
    base = statistics.median(r.rate for r in results["bare"])
    print(
        "  target              rate       vs bare    p50      p99    server CPU/request"
        "  server  postgres  wrk (cores)  errors"
    )
    for name, runs in results.items():
        rate = statistics.median(r.rate for r in runs)

        def med(attribute: str, runs: list[Round] = runs) -> float:
            return statistics.median(getattr(r, attribute) for r in runs)

        print(
            f"  {name:16s} {rate:8.0f}/s  {rate / base:5.2f}x  {med('p50_ms'):6.1f} ms"
            f" {med('p99_ms'):6.1f} ms  {med('cpu_ms_per_request'):8.2f} ms"
            f"  {med('cpu_share'):12.2f}  {med('db_share'):8.2f}  {med('wrk_share'):4.2f}"
            f"  {sum(r.errors for r in runs):9d}"
        )
    print("  (cores: CPU time over wall time; this machine has 2)")
