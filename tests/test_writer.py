"""The one writer: group commit, acknowledgement only after commit, failures kept apart."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from ingest import db
from ingest.writer import Writer, WriterClosed


def run(coro):
    return asyncio.run(coro)


async def open_writer(path: str, max_batch: int = 256) -> Writer:
    conn = await db.connect(path, synchronous="FULL")
    await conn.execute("CREATE TABLE IF NOT EXISTS items (tenant_id TEXT, n INTEGER UNIQUE)")
    writer = Writer(conn, max_batch=max_batch)
    writer.start()
    return writer


async def shut(writer: Writer) -> None:
    await writer.close()
    await writer._conn.close()


def insert(n: int, path: str, seen: list[int]):
    """A job that inserts row n; once the writer answers, another connection must see it."""

    async def job(conn):
        await conn.execute("INSERT INTO items (tenant_id, n) VALUES ('t', ?)", (n,))
        return n

    async def go(writer: Writer) -> int:
        result = await writer.run(job)
        with sqlite3.connect(path) as other:
            visible = other.execute("SELECT count(*) FROM items WHERE n = ?", (n,)).fetchone()
        seen.append(visible[0])
        return result

    return go


def test_concurrent_jobs_share_commits(tmp_path):
    path = str(tmp_path / "w.db")
    seen: list[int] = []

    async def main():
        writer = await open_writer(path)
        results = await asyncio.gather(*(insert(n, path, seen)(writer) for n in range(200)))
        await shut(writer)
        return writer.stats, results

    stats, results = run(main())
    assert results == list(range(200))
    # Acknowledged means committed: each caller saw its row from another connection.
    assert seen == [1] * 200
    assert stats.jobs == 200
    assert stats.failed_jobs == 0
    # Group commit: far fewer transactions than jobs.
    assert stats.commits < 50
    assert stats.largest_batch > 1


def test_batches_are_bounded(tmp_path):
    path = str(tmp_path / "w.db")

    async def main():
        writer = await open_writer(path, max_batch=8)
        await asyncio.gather(*(insert(n, path, [])(writer) for n in range(64)))
        await shut(writer)
        return writer.stats

    stats = run(main())
    assert stats.largest_batch <= 8
    assert stats.commits >= 8


def test_a_failing_job_fails_alone(tmp_path):
    path = str(tmp_path / "w.db")

    async def bad(conn):
        await conn.execute("INSERT INTO items (tenant_id, n) VALUES ('t', 1000)")
        raise ValueError("this job changed its mind")

    async def duplicate(conn):
        await conn.execute("INSERT INTO items (tenant_id, n) VALUES ('t', 1)")

    async def main():
        writer = await open_writer(path)
        outcomes = await asyncio.gather(
            insert(1, path, [])(writer),
            writer.run(bad),
            insert(2, path, [])(writer),
            writer.run(duplicate),
            insert(3, path, [])(writer),
            return_exceptions=True,
        )
        await shut(writer)
        return outcomes

    outcomes = run(main())
    assert outcomes[0] == 1 and outcomes[2] == 2 and outcomes[4] == 3
    assert isinstance(outcomes[1], ValueError)
    assert isinstance(outcomes[3], sqlite3.IntegrityError)
    with sqlite3.connect(path) as conn:
        rows = [r[0] for r in conn.execute("SELECT n FROM items ORDER BY n")]
    # The failed job's own insert was rolled back; everyone else's committed.
    assert rows == [1, 2, 3]


def test_close_finishes_queued_jobs_then_refuses(tmp_path):
    path = str(tmp_path / "w.db")

    async def main():
        writer = await open_writer(path)
        pending = [asyncio.create_task(insert(n, path, [])(writer)) for n in range(20)]
        await asyncio.sleep(0)  # let them queue
        await shut(writer)
        done = await asyncio.gather(*pending)
        with pytest.raises(WriterClosed):
            await writer.run(insert(99, path, []))
        return done

    assert run(main()) == list(range(20))
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == 20


def test_a_failed_commit_acknowledges_nobody(tmp_path):
    path = str(tmp_path / "w.db")

    async def main():
        writer = await open_writer(path)
        # Break the writer's connection under it: the commit cannot happen.
        await writer._conn.close()
        outcomes = await asyncio.gather(
            *(insert(n, path, [])(writer) for n in range(5)), return_exceptions=True
        )
        await shut(writer)
        return outcomes

    outcomes = run(main())
    assert all(isinstance(o, Exception) for o in outcomes)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == 0
