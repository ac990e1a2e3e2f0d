"""``scripts/bench job``: the CPU the submission job costs, in-process, without HTTP.

The same posts as ``scripts/bench ingest`` (each a new person; companies from a pool of
500; one UTM touch) run through ``domain.submissions.record`` the way the service's SQLite
writer runs them: groups of ``--group`` jobs under one savepoint, the group's gathered kept
counts flushed, one COMMIT each. A fresh database file for every round; the figure is
process CPU time per job (median of the rounds), so it says what the job itself costs the
event loop, apart from parsing, HTTP and the disk's fsync.

``--sql`` runs statements on the migrated file before the round (say a ``DROP INDEX``), to
price one part of the job against the whole in the same run: rounds of the plain file and
the changed one alternate.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest import storage  # noqa: E402
from ingest.domain.submissions import record, touches_from_fields  # noqa: E402
from ingest.domain.validation import validate  # noqa: E402
from ingest.ops.generate import tenant_and_form  # noqa: E402
from ingest.storage import admin, pending  # noqa: E402

TENANT = "bench"
GROUP = 32  # jobs per transaction, about what the writer groups at 32 connections


def fields(n: int) -> dict[str, str]:
    """The post of ``scripts/bench ingest``'s load generator, number ``n``."""
    return {
        "email": f"bench-{n}@bench.example",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "company": f"Company {n % 500}",
        "utm_source": "linkedin",
        "utm_medium": "paid_social",
        "utm_campaign": "webinar",
        "ls_submission_id": f"bench-{n:08d}",
    }


def one_round(jobs: int, group: int, sql: list[str]) -> float:
    """CPU seconds per job over ``jobs`` jobs on a fresh file."""
    with tempfile.TemporaryDirectory() as tmp:
        url = str(Path(tmp) / "job.db")
        with storage.migrated(url) as conn:
            storage.in_transaction(
                conn, lambda c: admin.create_tenant(c, TENANT, ["https://bench.example"], True)
            )
            _, form = tenant_and_form(conn, TENANT)  # the generator's "Contact us"
            for statement in sql:
                conn.execute(statement)
            now = datetime.now(UTC)
            prepared = []
            for n in range(jobs):
                raw = fields(n)
                prepared.append(
                    functools.partial(
                        record,
                        tenant_id=TENANT,
                        form_id=form.form_id,
                        submission_id=raw["ls_submission_id"],
                        clean=validate(raw, []),
                        touches=touches_from_fields(raw, now, []),
                        utm_transfer=True,
                    )
                )
            started = time.process_time()
            for start in range(0, jobs, group):
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("SAVEPOINT jobs")
                for job in prepared[start : start + group]:
                    job(conn)
                conn.execute("RELEASE jobs")
                pending.flush(conn)
                conn.execute("COMMIT")
            return (time.process_time() - started) / jobs


def bench_job(jobs: int, group: int, rounds: int, sql: list[str]) -> None:
    plain: list[float] = []
    changed: list[float] = []
    for _ in range(rounds):
        plain.append(one_round(jobs, group, []))
        if sql:
            changed.append(one_round(jobs, group, sql))
    print(f"submission job: {jobs} new persons, {group} a transaction, CPU per job, median")
    print(f"  as migrated  {_us(plain)}")
    if changed:
        ratio = statistics.median(changed) / statistics.median(plain)
        print(f"  with --sql   {_us(changed)}, {ratio:.2f}x")


def _us(seconds: list[float]) -> str:
    rounds = ", ".join(f"{x * 1e6:.0f}" for x in seconds)
    return f"{statistics.median(seconds) * 1e6:.0f} us ({rounds})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=3000)
    parser.add_argument("--group", type=int, default=GROUP, help="jobs per transaction")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sql", action="append", default=[], help="run before each round")
    args = parser.parse_args()
    bench_job(args.jobs, args.group, args.rounds, args.sql)


if __name__ == "__main__":
    main()
