"""``scripts/bench durability``: acknowledged means committed, even through a SIGKILL.

Each run starts the real service (uvicorn in a subprocess, a fresh SQLite file, rate limits
off), lets client threads send JSON submissions with unique ``ls_submission_id``s at full
speed, kills the server with SIGKILL mid-run, starts it again on the same file, and has the
clients send again every submission that was not acknowledged (the ones in flight at the
kill among them, whose answer never came). Then it counts in the database: every
acknowledged submission must be there, and each id exactly once (one submission row, one
person). Only addresses on this machine are used.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NO_LIMITS = {
    f"LEADSOURCE_LIMIT_{scope}_PER_{who}": "0"
    for scope in ("SUBMIT", "FORM", "COLLECT", "SCRIPT")
    for who in ("CLIENT", "TENANT")
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, db_path: str, port: int, log_path: Path) -> None:
        self.db_path, self.port, self.log_path = db_path, port, log_path
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ingest", "serve", "--db", self.db_path]
            + ["--port", str(self.port), "--base-url", self.url],
            cwd=ROOT,
            env={**os.environ, **NO_LIMITS},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"the service did not start:\n{self.log_path.read_text()}")
            time.sleep(0.05)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Ledger:
    """What the clients know: which ids were sent, and which were acknowledged (201)."""

    sent: set[str] = field(default_factory=set)
    acked: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _body(submission_id: str) -> bytes:
    return json.dumps(
        {
            "email": f"{submission_id}@durability.example",
            "first_name": "Dura",
            "company": f"Company {submission_id[-2:]}",
            "utm_source": "bench",
            "utm_medium": "kill",
            "ls_submission_id": submission_id,
        }
    ).encode()


def _client(
    port: int, path: str, ids: list[str], ledger: Ledger, stop: threading.Event, retry: bool
) -> None:
    """Send each id until the server goes away (first pass) or until acknowledged (retry)."""
    conn: http.client.HTTPConnection | None = None
    for submission_id in ids:
        while True:
            if stop.is_set() and not retry:
                return
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            with ledger.lock:
                ledger.sent.add(submission_id)
            try:
                conn.request(
                    "POST", path, _body(submission_id), {"Content-Type": "application/json"}
                )
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = None
                if not retry:
                    return  # the server is gone: what this client sent last is unanswered
                time.sleep(0.05)
                continue
            if status == 201:
                with ledger.lock:
                    ledger.acked.add(submission_id)
                break
            if not retry:
                raise RuntimeError(f"unexpected answer {status} for {submission_id}")
    if conn is not None:
        conn.close()


def _run(run: int, clients: int, total: int, kill_after: int) -> dict[str, int]:
    sys.path.insert(0, str(ROOT))
    from ingest.ops.cli import in_transaction
    from ingest.storage import admin

    with tempfile.TemporaryDirectory(prefix="leadsource-durability-") as tmp:
        db_path = f"{tmp}/leadsource.db"
        form = in_transaction(
            db_path,
            lambda conn: (
                admin.create_tenant(conn, "dura", [], True),
                admin.create_form(
                    conn,
                    "dura",
                    name="Durability",
                    thank_you_url=None,
                    published=True,
                    custom_fields=[],
                ),
            )[1],
        )
        path = f"/t/dura/forms/{form.form_id}"
        server = Server(db_path, _free_port(), Path(tmp) / "service.log")
        server.start()
        ids = [f"dura-{run}-{n:06d}" for n in range(total)]
        ledger = Ledger()
        stop = threading.Event()
        threads = [
            threading.Thread(
                target=_client, args=(server.port, path, ids[i::clients], ledger, stop, False)
            )
            for i in range(clients)
        ]
        for thread in threads:
            thread.start()
        try:
            while len(ledger.acked) < kill_after and any(t.is_alive() for t in threads):
                time.sleep(0.001)
            server.kill()  # SIGKILL, mid-run: no shutdown, no flush, no goodbye
            stop.set()
            for thread in threads:
                thread.join()
            acked_before_kill = set(ledger.acked)
            sent_before_kill = set(ledger.sent)
            unacknowledged = sorted(sent_before_kill - acked_before_kill)
            # Committed but never answered: the retry must find them, not add them again.
            with sqlite3.connect(db_path) as conn:
                committed = {
                    row[0]
                    for row in conn.execute(
                        "SELECT submission_id FROM submissions WHERE tenant_id = 'dura'"
                    )
                }
            unanswered = len(committed & set(unacknowledged))

            server.start()  # the same database file, after a crash
            retry_threads = [
                threading.Thread(
                    target=_client,
                    args=(server.port, path, unacknowledged[i::clients], ledger, stop, True),
                )
                for i in range(clients)
            ]
            for thread in retry_threads:
                thread.start()
            for thread in retry_threads:
                thread.join()
        finally:
            server.stop()

        with sqlite3.connect(db_path) as conn:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
            rows = dict(
                conn.execute(
                    "SELECT submission_id, COUNT(*) FROM submissions WHERE tenant_id = 'dura'"
                    " GROUP BY submission_id"
                ).fetchall()
            )
            persons = dict(
                conn.execute(
                    "SELECT email, COUNT(*) FROM persons WHERE tenant_id = 'dura' GROUP BY email"
                ).fetchall()
            )
        assert integrity == "ok", integrity
        return {
            "sent": len(sent_before_kill),
            "acked before kill": len(acked_before_kill),
            "retried": len(unacknowledged),
            "of them committed": unanswered,
            "acked after": len(ledger.acked),
            "rows": sum(rows.values()),
            "missing": sum(1 for i in ledger.acked if i not in rows),
            "duplicates": sum(n - 1 for n in rows.values()) + sum(n - 1 for n in persons.values()),
        }


def bench_durability(runs: int, clients: int, total: int) -> bool:
    """Print a table of counts, one line per run; True when nothing was lost or doubled."""
    kill_after = total // 3
    print(
        f"durability: {runs} runs, {clients} client threads sending up to {total} JSON "
        "submissions, "
        f"SIGKILL after {kill_after} acknowledged, restart, retry the unacknowledged"
    )
    columns = (
        "sent",
        "acked before kill",
        "retried",
        "of them committed",
        "acked after",
        "rows",
        "missing",
        "duplicates",
    )
    print("  run  " + "  ".join(columns))
    ok = True
    for run in range(1, runs + 1):
        counts = _run(run, clients, total, kill_after)
        print(f"  {run:3d}  " + "  ".join(f"{counts[c]:>{len(c)}d}" for c in columns))
        ok = ok and counts["missing"] == 0 and counts["duplicates"] == 0
        ok = ok and counts["acked after"] == counts["sent"] == counts["rows"]
    print("  " + ("OK: 0 acknowledged missing, 0 duplicates" if ok else "FAILED"))
    return ok
