"""PostgreSQL: every request commits its own transaction on a pooled connection.

psycopg 3 with psycopg_pool: the same job functions as on SQLite (plain functions of a
connection, ``?`` placeholders) run in worker threads, each on a pooled connection inside
one transaction; the answer goes out after COMMIT returned, so "acknowledged means
committed" holds as on SQLite. PostgreSQL groups the commits of concurrent transactions
itself, so there is no single writer: any number of processes and machines can write.

Races between nodes are settled by unique keys: a job that breaks one (two nodes creating
the same person, company or submission id at once) is rolled back and run again, and the
second run finds the row the other transaction committed. Deadlocks and serialization
failures are retried the same way.

Each statement is a round trip, which on a loaded 2-core machine costs about 0.25 ms of
waiting and much of the process's CPU (psycopg's layers, the socket's system calls). The
submission job is written ``pipelined`` (psycopg's pipeline mode): its writes go out without
waiting for their answers until it next reads, so its 14 statements take about 5 round trips
(measured in one process, 2,000 jobs one after another: 6.5 -> 4.4 ms a job, the process's
CPU 2.7 -> 2.1 ms, PostgreSQL's 3.4 -> 2.5 ms). The kept counts it gathers are written last
(``storage/pending.py``), so the rows concurrent submissions share are locked for the COMMIT
alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import psycopg
from psycopg import errors
from psycopg.rows import tuple_row
from psycopg_pool import ConnectionPool

from ingest.storage import pending
from ingest.storage.dialect import POSTGRES, PgConnection, row_factory
from ingest.storage.migrations import migrate
from ingest.storage.sqlite import WriterClosed, WriterStats

log = logging.getLogger("leadsource.postgres")

T = TypeVar("T")
RETRIES = 5
_RETRY = (errors.UniqueViolation, errors.DeadlockDetected, errors.SerializationFailure)


def connect(url: str, *, tuples: bool = False) -> PgConnection:
    """One connection in autocommit mode, for the CLI and tests."""
    factory = tuple_row if tuples else row_factory
    return PgConnection(psycopg.connect(url, autocommit=True, row_factory=factory))


def run_job(conn: PgConnection, job: Callable[[PgConnection], T]) -> T:
    """``job`` in one transaction, run again when a race with another node broke a unique
    key (the rerun sees what the other committed)."""
    for attempt in range(RETRIES):
        try:
            with conn.raw.transaction():
                result = job(conn)
                # The kept counts it gathered, last: their rows are the ones concurrent
                # submissions share, so their locks are held for the COMMIT alone.
                pending.flush(conn)
                return result
        except _RETRY:
            if attempt == RETRIES - 1:
                raise
            log.debug("job raced another transaction; running it again")
        finally:
            pending.discard(conn)  # what a rolled-back run gathered (after a flush, nothing)
    raise AssertionError("unreachable")


class PostgresDatabase:
    """The store on a PostgreSQL database: ``read(fn, *args)`` and ``write(job)``."""

    dialect = POSTGRES

    def __init__(self, url: str, *, pool_size: int = 8) -> None:
        self.url = url
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True, "row_factory": row_factory},
            open=False,
            name="leadsource",
        )
        self._threads = ThreadPoolExecutor(
            max_workers=pool_size, thread_name_prefix="leadsource-pg"
        )
        self._waiting = 0
        self._closed = False
        self.stats = WriterStats()
        # Told each transaction's one job and its duration (the metrics).
        self.on_commit: Callable[[int, float], None] | None = None

    async def start(self) -> None:
        await self._in_thread(self._open)

    def _open(self) -> None:
        self._pool.open(wait=True, timeout=30)
        with self._pool.connection() as raw:
            migrate(PgConnection(raw))

    async def close(self) -> None:
        """Let the writes already started commit, then close the pool."""
        self._closed = True
        await self._in_thread(self._pool.close)
        self._threads.shutdown(wait=True)

    async def _in_thread(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._threads, fn, *args)

    def _read(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        with self._pool.connection() as raw, raw.transaction():
            return fn(PgConnection(raw), *args)

    def _write(self, job: Callable[[PgConnection], T], pipelined: bool) -> T:
        # Pipelined, the job's writes go out back to back and each read waits for what came
        # before it: a submission's 14 statements take about 5 round trips, not 16 (with the
        # BEGIN and COMMIT). A cursor's rowcount is not known until then.
        with (
            self._pool.connection() as raw,
            raw.pipeline() if pipelined else contextlib.nullcontext(),
        ):
            return run_job(PgConnection(raw), job)

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if kwargs:
            fn = functools.partial(fn, **kwargs)
        return await self._in_thread(self._read, fn, args)

    async def write(self, job: Callable[[Any], T], *, pipelined: bool = False) -> T:
        if self._closed:
            raise WriterClosed("the database is closed")
        self._waiting += 1
        started = time.perf_counter()
        try:
            result = await self._in_thread(self._write, job, pipelined)
        except Exception:
            self.stats.failed_jobs += 1
            raise
        finally:
            self._waiting -= 1
            self.stats.jobs += 1
        self.stats.commits += 1
        self.stats.largest_batch = 1
        if self.on_commit is not None:
            self.on_commit(1, time.perf_counter() - started)
        return result

    @property
    def queue_depth(self) -> int:
        """Writes started and not yet committed."""
        return self._waiting
