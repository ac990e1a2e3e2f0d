"""Benchmarks, never tests: figures are printed as ratios against a baseline measured in the
same run, because these machines are shared and noisy.

    scripts/bench [writer] [tracker] [ingest] [durability] [app] [reports] [job]

``durability`` (not in the default set) kills the service mid-run; see scripts/durability.py.
``app`` (not in the default set either) times the marketer's app through HTTP on a tenant of
``--persons`` generated persons; see scripts/bench_app.py. ``job`` (not in the default set)
prices the submission job in-process, and with ``--sql`` one change to the file against the
plain one; see scripts/bench_job.py.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import http.server
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest import storage  # noqa: E402
from ingest.domain.submissions import Touches, record  # noqa: E402
from ingest.domain.touch import build_touch  # noqa: E402
from ingest.domain.validation import validate  # noqa: E402
from ingest.edge.tracker import SCRIPT_OPTIONS, load_scripts  # noqa: E402
from ingest.storage import admin, search_index  # noqa: E402
from ingest.storage.sqlite import Writer  # noqa: E402


async def _writer_run(path: str, max_batch: int, total: int, concurrency: int) -> float:
    storage.transaction(path, lambda conn: admin.create_tenant(conn, "bench", [], True))
    writer = Writer(path, max_batch=max_batch)
    await writer.start()
    now = datetime.now(UTC)
    touch = build_touch({"utm_source": "linkedin", "utm_medium": "social"}, now=now)
    counter = iter(range(total))

    async def client() -> None:
        for n in counter:
            clean = validate({"email": f"p{n}@example.com", "company": f"Company {n % 50}"}, [])
            job = functools.partial(
                record,
                tenant_id="bench",
                form_id="frm_bench",
                submission_id=f"bench-sub-{n:08d}",
                clean=clean,
                touches=Touches(first=touch, latest=touch),
                utm_transfer=True,
            )
            await writer.run(job)

    # The service's search indexer works on the same writer (SQLite's index is filled in
    # the background, storage/search_index.py), here every 0.25 s rather than 2 s so that it
    # indexes the run's persons within the run: their indexing is counted in its time.
    indexer = search_index.Indexer(_WriterOnly(writer))
    indexer.flush_seconds = INDEXER_SECONDS
    indexer.start()
    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    await indexer.stop()
    await writer.close()
    return total / elapsed


INDEXER_SECONDS = 0.25


class _WriterOnly:
    """The database as the indexer sees it: writer jobs on SQLite."""

    dialect = storage.SQLITE

    def __init__(self, writer: Writer) -> None:
        self.write = writer.run


def bench_writer(total: int, concurrency: int, rounds: int) -> None:
    """Submissions per second through the real writer and the real data-point job, with
    group commit (batch 256) against one commit per submission (batch 1)."""
    results: dict[int, list[float]] = {1: [], 256: []}
    for _ in range(rounds):
        for batch in (1, 256):  # interleaved, so drift hits both alike
            with tempfile.TemporaryDirectory() as tmp:
                rate = asyncio.run(_writer_run(f"{tmp}/b.db", batch, total, concurrency))
            results[batch].append(rate)
    base, group = statistics.median(results[1]), statistics.median(results[256])
    print(
        f"writer: {total} submissions, {concurrency} concurrent clients, "
        f"median of {rounds} rounds, synchronous=FULL,"
        f" the search indexer every {INDEXER_SECONDS} s"
    )
    print(f"  one commit per submission (baseline): {base:8.0f} submissions/s")
    print(f"  group commit (max batch 256):         {group:8.0f} submissions/s")
    print(f"  ratio: {group / base:.1f}x")


# -- utm.js: served size and work on page load ------------------------------------------

GZIP_BUDGET, GZIP_AIM, GZIP_VARIANT_BUDGET = 2000, 1700, 2800  # the default; any variant
LOAD_BUDGET_MS = 1.0  # the part of the tag that blocks the page's parser
CHROMIUM = os.environ.get("LEADSOURCE_CHROMIUM", "/usr/bin/chromium")
# A customer's page as the script sees it on a first visit from a campaign: the tag right
# after <head>, a form of ours, and a host name with a registrable domain (so the cookie
# domain probe runs).
PAGE = """<!doctype html><html><head>
<script src="/t/bench/%s" %s></script>
<meta charset="utf-8"><title>Bench</title></head><body>
<form method="post" action="http://www.site.test:%d/t/bench/forms/frm_1">
<input name="email"><input name="utm_source"><input name="first_utm_source">
<button>Send</button></form>
<p>Some text.</p></body></html>"""


def _serve(files: dict[str, bytes]) -> tuple[http.server.ThreadingHTTPServer, int]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            path = self.path.split("?")[0]
            body = files.get(path)
            if body is None:
                self.send_error(404)
                return
            kind = "text/html" if path.endswith(".html") else "text/javascript"
            self.send_response(200)
            self.send_header("Content-Type", kind + "; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def _script_ms(trace: bytes, url_end: str) -> tuple[float, float]:
    """Two figures for one page load, from a devtools.timeline trace, in ms:

    - blocking: the main thread's time evaluating the script (EvaluateScript: compile and
      run, with everything it does synchronously), during which the page's parser waits;
    - total: that plus every later call into the script (FunctionCall: timers, event
      listeners, observers) before the load event, overlaps counted once.
    """
    events = json.loads(trace)
    events = events["traceEvents"] if isinstance(events, dict) else events
    blocking = 0.0
    spans = []
    for event in events:
        data = event.get("args", {}).get("data", {})
        name = event.get("name")
        if name in ("EvaluateScript", "FunctionCall") and data.get("url", "").endswith(url_end):
            start, dur = event.get("ts", 0), event.get("dur", 0)
            spans.append((start, start + dur))
            if name == "EvaluateScript":
                blocking += dur / 1000
    if not blocking:
        raise RuntimeError(f"no EvaluateScript event for {url_end} in the trace")
    total, reach = 0.0, float("-inf")
    for start, end in sorted(spans):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return blocking, total / 1000


def tracker_sizes() -> dict[tuple[str, ...], dict[str, int]]:
    """Every variant's served size in each encoding, as ingest/tracker.py compresses it."""
    variants = load_scripts(str(ROOT / "tracker" / "dist")).variants
    return {
        options: {
            encoding: len(script.encoded(encoding)[0]) for encoding in ("identity", "gzip", "br")
        }
        for options, script in variants.items()
    }


def print_tracker_sizes() -> None:
    sizes = tracker_sizes()
    every = tuple(SCRIPT_OPTIONS)
    default, full = sizes[()], sizes[every]
    print("utm.js served size, bytes (tracker/dist, compressed as ingest/tracker.py does)")
    print(f"  {'variant':28s} {'raw':>6s} {'gzip':>6s} {'brotli':>6s}")
    for label, row in (("default (no options)", default), ("all options", full)):
        print(f"  {label:28s} {row['identity']:6,d} {row['gzip']:6,d} {row['br']:6,d}")
    print(
        f"  default gzip against the budget {GZIP_BUDGET:,d} (aim {GZIP_AIM:,d}): "
        + ("within budget" if default["gzip"] <= GZIP_BUDGET else "OVER BUDGET")
        + ("" if default["gzip"] > GZIP_AIM else ", within the aim")
    )
    largest = max(sizes, key=lambda options: sizes[options]["gzip"])
    print(
        f"  largest of {len(sizes)} variants: {'+'.join(largest) or 'default'}, "
        f"{sizes[largest]['gzip']:,d} gzip, against {GZIP_VARIANT_BUDGET:,d}: "
        + ("within budget" if sizes[largest]["gzip"] <= GZIP_VARIANT_BUDGET else "OVER BUDGET")
    )
    print("  what each option costs, gzip bytes: alone (over the default) and within all")
    print("  options (all options against all but this one)")
    for option in SCRIPT_OPTIONS:
        alone = sizes[(option,)]["gzip"] - default["gzip"]
        rest = tuple(o for o in every if o != option)
        within = full["gzip"] - sizes[rest]["gzip"]
        print(f"    {option:12s} {alone:+5d} alone   {within:+5d} within all")


def bench_tracker(loads: int, compare: list[str] = ()) -> None:
    """utm.js's served sizes against the budgets, and the work on page load in Chromium of the
    default script and of the one with every option, against a no-op script of the same size
    and a floor script (the two synchronous reads any script that remembers visitors makes)
    loaded the same way in the same run. Each file in ``compare`` (a candidate build, say) is
    timed beside them."""
    from playwright.sync_api import sync_playwright

    print_tracker_sizes()
    if not loads:
        return

    dist = ROOT / "tracker" / "dist"
    manifest = json.loads((dist / "build.json").read_text())
    full_name = next(
        name for name, entry in manifest["variants"].items() if len(entry["options"]) == 5
    )
    utm = (dist / "utm.js").read_bytes()

    def padded(code: bytes, size: int) -> bytes:
        return code + b"/*" + b"x" * (size - len(code) - 5) + b"*/\n"

    full = (dist / full_name).read_bytes()
    scripts = {
        # Baselines, as many bytes as the default utm.js: all comment (loading and parsing
        # only), and the two synchronous reads any script that remembers visitors must make
        # on every page.
        "noop.js": padded(b"", len(utm)),
        "floor.js": padded(b"localStorage.getItem('leadsource');document.cookie;", len(utm)),
        "utm.js": utm,
        # Every option, consent mode switched off on the page so it stores at once: the most
        # code and the most work.
        "utm.all.js": full,
        **{Path(path).name: Path(path).read_bytes() for path in compare},
    }
    attrs = {"utm.all.js": 'data-consent="off"'}
    files = {f"/t/bench/{name}": body for name, body in scripts.items()}
    server, port = _serve(files)
    for name in scripts:
        files[f"/{name}.html"] = (PAGE % (name, attrs.get(name, ""), port)).encode()
    query = "?utm_source=linkedin&utm_medium=paid_social&utm_campaign=webinar_sept&gclid=abc"
    times: dict[tuple[str, str, int], list[float]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            # A visitor's browser: utm.js stores nothing when navigator.webdriver is set.
            args=[
                "--host-resolver-rules=MAP *.test 127.0.0.1",
                "--disable-blink-features=AutomationControlled",
            ],
        )

        def load(page: Any, name: str, url: str) -> tuple[float, float]:
            browser.start_tracing(page=page, categories=["devtools.timeline"])
            page.goto(url)
            return _script_ms(browser.stop_tracing(), f"/t/bench/{name}")

        try:
            for n in range(loads + 5):
                k = n % len(scripts)
                order = list(scripts)[k:] + list(scripts)[:k]  # rotate: drift hits all
                for name in order:
                    # A new visitor arriving from a campaign (empty storage: the cookie domain
                    # probe runs), then their next page view on the site.
                    context = browser.new_context()
                    page = context.new_page()
                    landing = load(page, name, f"http://www.site.test:{port}/{name}.html{query}")
                    if name.startswith("utm"):
                        stored = page.evaluate("localStorage.getItem('leadsource')") or ""
                        assert '"abc"' in stored, (name, stored)
                    next_page = load(page, name, f"http://www.site.test:{port}/{name}.html")
                    context.close()
                    if n >= 5:  # the first loads warm up Chromium and the server
                        for view, figures in (("landing", landing), ("next page", next_page)):
                            for kind, ms in enumerate(figures):
                                times.setdefault((view, name, kind), []).append(ms)
        finally:
            browser.close()
            server.shutdown()

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[-1]

    print(f"utm.js work on page load in Chromium ({CHROMIUM}), {loads} visitors per script, ms.")
    print("  blocking: evaluating the script in <head> (EvaluateScript in a devtools.timeline")
    print("  trace: compile and run, with all it does synchronously), while the parser waits;")
    print("  total: that and every later call into the script before the load event.")
    for view in ("landing", "next page"):
        print(f"  {view}:")
        for kind, label in enumerate(("blocking", "total")):
            medians = {}
            for name in scripts:
                values = times[(view, name, kind)]
                medians[name] = statistics.median(values)
                print(
                    f"    {label:8s} {name:12s} median {medians[name]:6.3f}"
                    f"   p95 {p95(values):6.3f}"
                )
            for name in ("utm.js", "utm.all.js"):
                utm_ms = medians[name]
                print(
                    f"    {label:8s} {name} / noop.js {utm_ms / medians['noop.js']:.1f}x,"
                    f" / floor.js {utm_ms / medians['floor.js']:.1f}x;"
                    f" minus floor.js {utm_ms - medians['floor.js']:.3f} ms"
                )
                if kind == 0:
                    print(
                        f"    {label:8s} {name} median against the {LOAD_BUDGET_MS:g} ms"
                        " target: " + ("within" if utm_ms < LOAD_BUDGET_MS else "OVER")
                    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "what",
        nargs="*",
        help="writer, tracker, ingest, durability, app, reports, job (default: writer, tracker"
        " and ingest)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="writer, job: rounds")
    parser.add_argument("--loads", type=int, default=200, help="tracker: page loads per script")
    parser.add_argument(
        "--compare", nargs="*", default=[], help="tracker: other scripts to time beside utm.js"
    )
    parser.add_argument("--seconds", type=int, default=10, help="ingest: seconds a round")
    parser.add_argument("--connections", type=int, default=32, help="ingest: wrk connections")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="ingest: a PostgreSQL server to measure too (empty: SQLite only); reports: a"
        " PostgreSQL database to generate the tenant into and measure too (only when given)",
    )
    parser.add_argument(
        "--postgres-kept",
        default="",
        help="reports: a PostgreSQL database to copy the SQLite file's kept counts into and"
        " time the reports' API on (instead of the SQLite cases)",
    )
    parser.add_argument(
        "--workers", default="1,2,4", help="ingest: PostgreSQL service processes to measure"
    )
    parser.add_argument("--runs", type=int, default=3, help="durability: kill-and-retry runs")
    parser.add_argument("--clients", type=int, default=16, help="durability: client threads")
    parser.add_argument("--total", type=int, default=3000, help="durability: ids per run")
    parser.add_argument(
        "--persons", type=int, default=1_000_000, help="app, reports: generated persons"
    )
    parser.add_argument(
        "--db", help="app, reports: the SQLite file to build, or reuse when it holds the tenant"
    )
    parser.add_argument("--keep", action="store_true", help="app, reports: keep the file built")
    parser.add_argument(
        "--only",
        default="",
        help="app: only the cases whose name contains one of these comma-separated texts",
    )
    parser.add_argument("--jobs", type=int, default=3000, help="job: jobs a round")
    parser.add_argument(
        "--sql", action="append", default=[], help="job: a statement run on the file first"
    )
    args = parser.parse_args()
    what = args.what or ["writer", "tracker", "ingest"]
    if "writer" in what:
        bench_writer(total=2000, concurrency=64, rounds=args.rounds)
    if "tracker" in what:
        bench_tracker(args.loads, args.compare)
    if "ingest" in what:
        from bench_ingest import bench_ingest

        bench_ingest(
            rounds=args.rounds,
            seconds=args.seconds,
            connections=args.connections,
            postgres=args.postgres or None,
            workers=[int(n) for n in args.workers.split(",")],
        )
    if "durability" in what:
        from durability import bench_durability

        if not bench_durability(args.runs, args.clients, args.total):
            sys.exit(1)
    if "app" in what:
        from bench_app import bench_app

        bench_app(args.persons, args.db, args.keep, only=args.only)
    if "reports" in what and args.postgres_kept:
        from bench_reports import bench_kept_postgres

        bench_kept_postgres(args.db, args.postgres_kept)
    elif "reports" in what:
        from bench_reports import bench_reports

        given = any(a == "--postgres" or a.startswith("--postgres=") for a in sys.argv)
        bench_reports(args.persons, args.db, args.keep, args.postgres if given else "")
    if "job" in what:
        from bench_job import GROUP, bench_job

        bench_job(args.jobs, GROUP, args.rounds, args.sql)


if __name__ == "__main__":
    main()
