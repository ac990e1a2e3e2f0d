"""The one writer: every write goes through it, and it commits jobs in groups.

A job is a plain function ``job(conn) -> result`` that runs SQL on the writer's own
``sqlite3`` connection, in the writer's own thread (Datasette's model). The writer takes
whatever jobs are waiting (up to ``max_batch``), runs each inside its own SAVEPOINT of one
transaction, commits once, and only then resolves the callers' futures: a caller that got a
result knows its rows are committed. One thread hop and one fsync serve the whole group, so
throughput grows with concurrency instead of being capped by per-statement hops and the
disk's sync rate. A job that raises rolls back to its savepoint and fails alone; the rest of
its group still commits.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from . import db

log = logging.getLogger("leadsource.writer")

T = TypeVar("T")
Job = Callable[[sqlite3.Connection], Any]


class WriterClosed(Exception):
    pass


@dataclass
class WriterStats:
    jobs: int = 0
    failed_jobs: int = 0
    commits: int = 0
    largest_batch: int = 0


class Writer:
    def __init__(self, db_path: str, *, max_batch: int = 256) -> None:
        self._db_path = db_path
        self._max_batch = max_batch
        self._queue: asyncio.Queue[tuple[Job, asyncio.Future[Any]] | None] = asyncio.Queue()
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="leadsource-writer")
        self._conn: sqlite3.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.stats = WriterStats()
        # Told each group's size and how long it took to run and commit (the metrics).
        self.on_commit: Callable[[int, float], None] | None = None

    @property
    def queue_depth(self) -> int:
        """Jobs waiting for their turn (not counting the group being committed)."""
        return self._queue.qsize()

    async def start(self) -> None:
        """Open the connection in the writer's thread, apply migrations, start taking jobs."""
        loop = asyncio.get_running_loop()
        self._conn = await loop.run_in_executor(self._thread, self._open)
        self._task = asyncio.create_task(self._run(), name="leadsource-writer")

    def _open(self) -> sqlite3.Connection:
        # The writer syncs every commit to disk (FULL): group commit is what keeps that cheap.
        conn = db.connect(self._db_path, synchronous="FULL")
        db.migrate(conn)
        return conn

    async def close(self) -> None:
        """Finish every job already queued, then stop."""
        if self._closed:
            return
        self._closed = True
        await self._queue.put(None)
        if self._task is not None:
            await self._task
        if self._conn is not None:
            await asyncio.get_running_loop().run_in_executor(self._thread, self._conn.close)
        self._thread.shutdown(wait=True)

    async def run(self, job: Callable[[sqlite3.Connection], T]) -> T:
        """Queue a job and wait until the transaction that ran it has committed."""
        if self._closed:
            raise WriterClosed("the writer is shut down")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        await self._queue.put((job, future))
        return await future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        stopping = False
        while not stopping:
            item = await self._queue.get()
            batch: list[tuple[Job, asyncio.Future[Any]]] = []
            if item is None:
                stopping = True
            else:
                batch.append(item)
            # Everything that queued up while the last commit was syncing joins this group.
            while len(batch) < self._max_batch and not self._queue.empty():
                nxt = self._queue.get_nowait()
                if nxt is None:
                    stopping = True
                else:
                    batch.append(nxt)
            # A caller that gave up (client gone) before its turn is not written at all.
            batch = [(job, future) for job, future in batch if not future.cancelled()]
            if not batch:
                continue
            jobs = [job for job, _ in batch]
            started = time.perf_counter()
            try:
                outcomes = await loop.run_in_executor(self._thread, self._commit, jobs)
            except Exception as exc:
                log.exception("group commit of %d jobs failed", len(batch))
                self.stats.failed_jobs += len(batch)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            self.stats.commits += 1
            self.stats.largest_batch = max(self.stats.largest_batch, len(batch))
            if self.on_commit is not None:
                self.on_commit(len(batch), time.perf_counter() - started)
            for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                self.stats.jobs += 1
                self.stats.failed_jobs += not ok
                if future.done():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)

    def _commit(self, jobs: list[Job]) -> list[tuple[bool, Any]]:
        """Run in the writer's thread: one transaction, a savepoint per job."""
        conn = self._conn
        if conn is None:
            raise WriterClosed("the writer is not started")
        outcomes: list[tuple[bool, Any]] = []
        conn.execute("BEGIN IMMEDIATE")
        try:
            for job in jobs:
                conn.execute("SAVEPOINT job")
                try:
                    result = job(conn)
                except Exception as exc:  # the job's caller gets it
                    conn.execute("ROLLBACK TO job")
                    conn.execute("RELEASE job")
                    outcomes.append((False, exc))
                else:
                    conn.execute("RELEASE job")
                    outcomes.append((True, result))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return outcomes
