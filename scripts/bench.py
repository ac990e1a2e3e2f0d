"""Benchmarks, never tests: figures are printed as ratios against a baseline measured in the
same run, because these machines are shared and noisy.

    scripts/bench [writer]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest import admin, db  # noqa: E402
from ingest.submissions import Touches, record  # noqa: E402
from ingest.touch import build_touch  # noqa: E402
from ingest.validation import validate  # noqa: E402
from ingest.writer import Writer  # noqa: E402


async def _writer_run(path: str, max_batch: int, total: int, concurrency: int) -> float:
    conn = db.connect(path)
    db.migrate(conn)
    conn.execute("BEGIN")
    admin.create_tenant(conn, "bench", [], True)
    conn.execute("COMMIT")
    conn.close()
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

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    await writer.close()
    return total / elapsed


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
        f"median of {rounds} rounds, synchronous=FULL"
    )
    print(f"  one commit per submission (baseline): {base:8.0f} submissions/s")
    print(f"  group commit (max batch 256):         {group:8.0f} submissions/s")
    print(f"  ratio: {group / base:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", nargs="*", help="writer (default: all)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    what = args.what or ["writer"]
    if "writer" in what:
        bench_writer(total=2000, concurrency=64, rounds=args.rounds)


if __name__ == "__main__":
    main()
