"""The one writer: group commit, acknowledgement only after commit, failures kept apart."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from ingest.storage.sqlite import Writer, WriterClosed


def run(coro):
    return asyncio.run(coro)


def make_table(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS items (tenant_id TEXT, n INTEGER UNIQUE)")


async def open_writer(path: str, max_batch: int = 256) -> Writer:
    writer = Writer(path, max_batch=max_batch)
    await writer.start()
    await writer.run(make_table)
    return writer


def insert(n: int):
    def job(conn: sqlite3.Connection) -> int:
        conn.execute("INSERT INTO items (tenant_id, n) VALUES ('t', ?)", (n,))
        return n

    return job


async def insert_and_look(writer: Writer, path: str, n: int, seen: list[int]) -> int:
    """Once the writer answers, another connection must see the row."""
    result = await writer.run(insert(n))
    with sqlite3.connect(path) as other:
        seen.append(other.execute("SELECT count(*) FROM items WHERE n = ?", (n,)).fetchone()[0])
    return result


def rows(path: str) -> list[int]:
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute("SELECT n FROM items ORDER BY n")]


def test_concurrent_jobs_share_commits(tmp_path):
    path = str(tmp_path / "w.db")
    seen: list[int] = []

    async def main():
        writer = await open_writer(path)
        results = await asyncio.gather(
            *(insert_and_look(writer, path, n, seen) for n in range(200))
        )
        await writer.close()
        return writer.stats, results

    stats, results = run(main())
    assert results == list(range(200))
    # Acknowledged means committed: each caller saw its row from another connection.
    assert seen == [1] * 200
    assert stats.jobs == 201  # with the table's creation
    assert stats.failed_jobs == 0
    # Group commit: far fewer transactions than jobs.
    assert stats.commits < 50
    assert stats.largest_batch > 1


def test_batches_are_bounded(tmp_path):
    path = str(tmp_path / "w.db")

    async def main():
        writer = await open_writer(path, max_batch=8)
        await asyncio.gather(*(writer.run(insert(n)) for n in range(64)))
        await writer.close()
        return writer.stats

    stats = run(main())
    assert stats.largest_batch <= 8
    assert stats.commits >= 8
    assert rows(path) == list(range(64))


def test_a_failing_job_fails_alone(tmp_path):
    path = str(tmp_path / "w.db")

    def bad(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO items (tenant_id, n) VALUES ('t', 1000)")
        raise ValueError("this job changed its mind")

    async def main():
        writer = await open_writer(path)
        outcomes = await asyncio.gather(
            writer.run(insert(1)),
            writer.run(bad),
            writer.run(insert(2)),
            writer.run(insert(1)),  # violates UNIQUE
            writer.run(insert(3)),
            return_exceptions=True,
        )
        await writer.close()
        return outcomes, writer.stats

    outcomes, stats = run(main())
    assert outcomes[0] == 1 and outcomes[2] == 2 and outcomes[4] == 3
    assert isinstance(outcomes[1], ValueError)
    assert isinstance(outcomes[3], sqlite3.IntegrityError)
    assert stats.failed_jobs == 2
    # The failed job's own insert was rolled back; everyone else's committed.
    assert rows(path) == [1, 2, 3]


def test_close_finishes_queued_jobs_then_refuses(tmp_path):
    path = str(tmp_path / "w.db")

    async def main():
        writer = await open_writer(path)
        pending = [asyncio.create_task(writer.run(insert(n))) for n in range(20)]
        await asyncio.sleep(0)  # let them queue
        await writer.close()
        done = await asyncio.gather(*pending)
        with pytest.raises(WriterClosed):
            await writer.run(insert(99))
        return done

    assert run(main()) == list(range(20))
    assert rows(path) == list(range(20))


def test_a_failed_commit_acknowledges_nobody(tmp_path):
    path = str(tmp_path / "w.db")

    async def main():
        writer = await open_writer(path)
        # Another connection holds the write lock longer than the writer's busy timeout
        # allows: the group's transaction cannot start, so no job may be acknowledged.
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("PRAGMA busy_timeout = 0")
        blocker.execute("BEGIN IMMEDIATE")
        writer._conn.execute("PRAGMA busy_timeout = 50")
        outcomes = await asyncio.gather(
            *(writer.run(insert(n)) for n in range(5)), return_exceptions=True
        )
        blocker.execute("ROLLBACK")
        blocker.close()
        # The writer keeps working once the lock is free.
        after = await writer.run(insert(42))
        await writer.close()
        return outcomes, after

    outcomes, after = run(main())
    assert all(isinstance(o, sqlite3.OperationalError) for o in outcomes)
    assert after == 42
    assert rows(path) == [42]
