"""The one writer: every write goes through it, and it commits jobs in groups.

A job is an ``async def job(conn) -> result`` that runs SQL on the writer's connection. The
writer takes whatever jobs are waiting (up to ``max_batch``), runs each inside its own
SAVEPOINT of one transaction, commits once, and only then resolves the callers' futures: a
caller that got a result knows its rows are committed. One fsync serves the whole group, so
throughput grows with concurrency instead of being capped by the disk's sync rate. A job that
raises rolls back to its savepoint and fails alone; the rest of its group still commits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import aiosqlite

log = logging.getLogger("leadsource.writer")

T = TypeVar("T")
Job = Callable[[aiosqlite.Connection], Awaitable[Any]]


class WriterClosed(Exception):
    pass


@dataclass
class WriterStats:
    jobs: int = 0
    failed_jobs: int = 0
    commits: int = 0
    largest_batch: int = 0


class Writer:
    def __init__(self, conn: aiosqlite.Connection, *, max_batch: int = 256) -> None:
        self._conn = conn
        self._max_batch = max_batch
        self._queue: asyncio.Queue[tuple[Job, asyncio.Future[Any]] | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.stats = WriterStats()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="leadsource-writer")

    async def close(self) -> None:
        """Finish every job already queued, then stop."""
        if self._closed:
            return
        self._closed = True
        await self._queue.put(None)
        if self._task is not None:
            await self._task

    async def run(self, job: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        """Queue a job and wait until the transaction that ran it has committed."""
        if self._closed:
            raise WriterClosed("the writer is shut down")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        await self._queue.put((job, future))
        return await future

    async def _run(self) -> None:
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
            if batch:
                await self._commit_batch(batch)

    async def _commit_batch(self, batch: list[tuple[Job, asyncio.Future[Any]]]) -> None:
        conn = self._conn
        outcomes: list[tuple[asyncio.Future[Any], bool, Any]] = []
        try:
            await conn.execute("BEGIN IMMEDIATE")
            for job, future in batch:
                if future.cancelled():
                    continue
                await conn.execute("SAVEPOINT job")
                try:
                    result = await job(conn)
                except Exception as exc:  # noqa: BLE001 - the job's caller gets it
                    await conn.execute("ROLLBACK TO job")
                    await conn.execute("RELEASE job")
                    outcomes.append((future, False, exc))
                else:
                    await conn.execute("RELEASE job")
                    outcomes.append((future, True, result))
            await conn.execute("COMMIT")
        except Exception as exc:
            log.exception("group commit of %d jobs failed", len(batch))
            with contextlib.suppress(Exception):
                await conn.execute("ROLLBACK")
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            self.stats.failed_jobs += len(batch)
            return
        self.stats.commits += 1
        self.stats.largest_batch = max(self.stats.largest_batch, len(batch))
        for future, ok, value in outcomes:
            self.stats.jobs += 1
            if not ok:
                self.stats.failed_jobs += 1
            if future.done():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
