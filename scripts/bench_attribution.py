"""The attribution report and the credits follower, timed.

    .venv/bin/python scripts/bench_attribution.py [--persons 20000] [--db FILE] [--keep]

A tenant is generated (``leadsource generate``: persons over the last 365 days, 3
submissions a person on average, deals) into a SQLite file, or the file reused when it holds
the tenant. Then:

- the follower: the tenant's kept credits cleared and its mark set back, and
  ``follower.follow_batch`` run as the service runs it (jobs of ``BATCH`` submissions, each
  its own transaction) over the first ``--follow`` submissions: milliseconds per person and
  per job; then everything rebuilt (``credits.rebuild``, timed too);
- the report through HTTP on a real ``leadsource serve``: ``GET /api/v1/reports/attribution``
  over the last 365 days for each conversion with a few models and groupings, 2 warm-ups and
  20 timed requests each on one keep-alive connection, median and p95; and a replay (another
  lookback) over the last 30 days.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest import storage  # noqa: E402
from ingest.domain import credits  # noqa: E402
from ingest.domain.credits import follower  # noqa: E402
from ingest.ops.generate import generate  # noqa: E402
from ingest.storage import admin, api_keys  # noqa: E402
from ingest.storage import credit_follower as marks  # noqa: E402
from ingest.storage import credit_rollups as rollups  # noqa: E402
from tests.servers import serving  # noqa: E402

TENANT = "bench"
WARMUPS, TIMED = 2, 20
CASES = [
    ("contact_create", "linear", "source"),
    ("contact_create", "first_touch", "campaign"),
    ("contact_create", "time_decay", "channel"),
    ("deal_create", "w_shaped", "source_medium"),
    ("revenue", "full_path", "campaign"),
    ("revenue", "u_shaped", "channel"),
]


def prepare(db: str, persons: int) -> str:
    """The tenant's API key (a new one named bench-N when the file is reused)."""
    with storage.migrated(db) as conn:
        known = conn.execute("SELECT 1 FROM tenants WHERE tenant_id = ?", (TENANT,)).fetchone()
    if known is None:
        key = storage.transaction(db, lambda c: admin.create_tenant(c, TENANT, [], True))
        started = time.perf_counter()
        made = generate(db, TENANT, persons, days=365, seed=1, submissions_per_person=3.0)
        print(f"generated in {time.perf_counter() - started:.0f} s: {json.dumps(made)}")
        return key
    name = f"bench-{int(time.time())}"
    return storage.transaction(db, lambda c: api_keys.create_key(c, TENANT, name, None))[1]


def bench_follower(db: str, submissions: int, batch: int) -> None:
    with storage.connect(db) as conn:
        storage.in_transaction(conn, lambda c: rollups.clear(c, TENANT))
        storage.in_transaction(conn, lambda c: marks.set_followed(c, 0))
        jobs, persons, taken = [], 0, 0
        while taken < submissions:
            rows = storage.in_transaction(conn, lambda c: marks.new_submissions(c, batch))
            if not rows:
                break
            persons += len({r[2] for r in rows})
            started = time.perf_counter()
            got = storage.in_transaction(conn, lambda c: follower.follow_batch(c, batch))
            jobs.append(time.perf_counter() - started)
            taken += got
        total = sum(jobs)
        print(
            f"follower: {taken} submissions of {persons} persons in {len(jobs)} jobs of"
            f" {batch}: {total:.1f} s, {1000 * total / max(persons, 1):.2f} ms a person,"
            f" job median {1000 * statistics.median(jobs):.1f} ms,"
            f" max {1000 * max(jobs):.1f} ms"
        )
        started = time.perf_counter()
        count = storage.in_transaction(conn, lambda c: credits.rebuild(c, TENANT))
        seconds = time.perf_counter() - started
        storage.in_transaction(conn, lambda c: marks.set_followed(c, marks.top_submission(c)))
        print(f"rebuild: {count} conversions in {seconds:.1f} s")


def bench_report(db: str, key: str) -> None:
    today = datetime.now(UTC).date()
    year = {"from": (today - timedelta(days=364)).isoformat(), "to": today.isoformat()}
    month = {"from": (today - timedelta(days=29)).isoformat(), "to": today.isoformat()}
    cases = [({"conversion": c, "model": m, "by": b, **year}, f"{c} {m} by {b}, a year")
             for c, m, b in CASES]  # fmt: skip
    cases.append(
        ({"conversion": "contact_create", "model": "linear", "by": "source", "lookback_days":
          "30", **month}, "contact_create linear by source, 30-day lookback (replay), a month")
    )  # fmt: skip
    with serving(db) as url:
        parts = urllib.parse.urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        headers = {"Authorization": f"Bearer {key}"}
        for params, name in cases:
            path = "/api/v1/reports/attribution?" + urllib.parse.urlencode(params)
            times = []
            for i in range(WARMUPS + TIMED):
                started = time.perf_counter()
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                if i >= WARMUPS:
                    times.append(1000 * (time.perf_counter() - started))
                assert response.status == 200, body[:300]
            answer = json.loads(body)
            times.sort()
            print(
                f"{name}: median {statistics.median(times):.1f} ms, p95"
                f" {times[int(0.95 * (len(times) - 1))]:.1f} ms"
                f" ({answer['conversions']} conversions, {len(answer['rows'])} rows)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--db")
    parser.add_argument("--follow", type=int, default=5_000, help="submissions followed")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    db = args.db or str(Path(tempfile.mkdtemp()) / "attribution.db")
    key = prepare(db, args.persons)
    with storage.connect(db) as conn:
        print(
            "tenant:",
            conn.execute(
                "SELECT (SELECT COUNT(*) FROM persons WHERE tenant_id = ?),"
                " (SELECT COUNT(*) FROM submissions WHERE tenant_id = ?),"
                " (SELECT COUNT(*) FROM deals WHERE tenant_id = ?),"
                " (SELECT COUNT(*) FROM attribution_rollups WHERE tenant_id = ?)",
                (TENANT,) * 4,
            ).fetchone()[:],
            "(persons, submissions, deals, rollup rows)",
        )
    bench_follower(db, args.follow, follower.BATCH)
    bench_report(db, key)
    if not args.keep and not args.db:
        Path(db).unlink()


if __name__ == "__main__":
    main()
