"""SQLite: one file, WAL mode, one writer that commits jobs in groups, readers in threads.

A job is a plain function ``job(conn) -> result`` that runs SQL on the writer's own
``sqlite3`` connection, in the writer's own thread (Datasette's model). The writer takes
whatever jobs are waiting (up to ``max_batch``), runs each inside its own SAVEPOINT of one
transaction, commits once, and only then resolves the callers' futures: a caller that got a
result knows its rows are committed. One thread hop and one fsync serve the whole group, so
throughput grows with concurrency instead of being capped by the disk's sync rate. A job
that raises rolls back to its savepoint and fails alone; the rest of its group still commits.

A read is a plain function too, run whole in a reader thread on that thread's own
connection, inside one read transaction: one thread hop per read, however many statements.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from ingest.storage import pending
from ingest.storage.dialect import SQLITE, TRACERS
from ingest.storage.migrations import migrate

log = logging.getLogger("leadsource.writer")

T = TypeVar("T")
Job = Callable[[sqlite3.Connection], Any]

BUSY_TIMEOUT_MS = 5000
_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA foreign_keys = ON",
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
)


def connect(
    path: str, *, synchronous: str = "FULL", query_only: bool = False
) -> sqlite3.Connection:
    """A connection in autocommit mode (isolation_level=None: we issue BEGIN/COMMIT
    ourselves, so a transaction is exactly what we say it is). check_same_thread=False
    because a thread pool opens it in one thread and Python may close it in another."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    for pragma in _PRAGMAS:
        conn.execute(pragma)
    conn.execute(f"PRAGMA synchronous = {synchronous}")
    if query_only:
        conn.execute("PRAGMA query_only = ON")
    if TRACERS:
        tracers = list(TRACERS)
        conn.set_trace_callback(lambda sql: [trace(sql) for trace in tracers])
    return conn


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
        conn = connect(self._db_path, synchronous="FULL")
        migrate(conn)
        # Its BEGIN runs on the event loop and must never wait there (see _commit).
        conn.execute("PRAGMA busy_timeout = 0")
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
        self._queue.put_nowait((job, future))
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
                outcomes = await self._commit(loop, jobs)
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

    async def _commit(
        self, loop: asyncio.AbstractEventLoop, jobs: list[Job]
    ) -> list[tuple[bool, Any]]:
        """One transaction, a savepoint per job. The jobs run right here, on the event
        loop's thread: they are short and all CPU (SQLite's pages are in memory), and in
        another thread each of their statements would wait for the GIL behind the event
        loop. What waits on the disk or on another process's lock (BEGIN when the file is
        locked, COMMIT with its fsync) runs in the writer's thread, off the loop."""
        conn = self._conn
        if conn is None:
            raise WriterClosed("the writer is not started")
        try:
            conn.execute("BEGIN IMMEDIATE")  # busy_timeout 0: fails at once if locked
        except sqlite3.OperationalError:
            await loop.run_in_executor(self._thread, self._begin_waiting)
        try:
            outcomes = self._run_jobs(conn, jobs)
            pending.flush(conn)  # the kept counts the jobs gathered (storage/pending.py)
            await loop.run_in_executor(self._thread, conn.execute, "COMMIT")
        except BaseException:
            pending.discard(conn)
            if conn.in_transaction:
                await loop.run_in_executor(self._thread, conn.execute, "ROLLBACK")
            raise
        return outcomes

    def _begin_waiting(self) -> None:
        """Another process holds the write lock: wait for it, up to the busy timeout."""
        conn = self._conn
        assert conn is not None
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        try:
            conn.execute("BEGIN IMMEDIATE")
        finally:
            conn.execute("PRAGMA busy_timeout = 0")

    def _run_jobs(self, conn: sqlite3.Connection, jobs: list[Job]) -> list[tuple[bool, Any]]:
        """Every job, each failing alone. Jobs almost never fail, so the group first runs
        under one savepoint; only when a job raises is the group rolled back and run again
        with a savepoint per job (two statements per job saved on the common path)."""
        if len(jobs) > 1:
            conn.execute("SAVEPOINT jobs")
            marked = pending.mark(conn)
            try:
                outcomes = [(True, job(conn)) for job in jobs]
            except Exception:
                conn.execute("ROLLBACK TO jobs")
                pending.restore(conn, marked)
            else:
                conn.execute("RELEASE jobs")
                return outcomes
            conn.execute("RELEASE jobs")
        return [self._run_job(conn, job) for job in jobs]

    @staticmethod
    def _run_job(conn: sqlite3.Connection, job: Job) -> tuple[bool, Any]:
        conn.execute("SAVEPOINT job")
        marked = pending.mark(conn)
        try:
            result = job(conn)
        except Exception as exc:  # the job's caller gets it
            conn.execute("ROLLBACK TO job")
            pending.restore(conn, marked)
            conn.execute("RELEASE job")
            return False, exc
        conn.execute("RELEASE job")
        return True, result


class Readers:
    """Threads that each hold a ``query_only`` connection and run whole read functions."""

    def __init__(self, db_path: str, *, threads: int = 2) -> None:
        self._db_path = db_path
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="leadsource-read")

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(self._db_path, query_only=True)
            with self._lock:
                self._connections.append(conn)
        return conn

    def _read(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        conn = self._connection()
        # One snapshot for every statement of the read.
        conn.execute("BEGIN")
        try:
            return fn(conn, *args)
        finally:
            conn.execute("COMMIT")

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if kwargs:
            fn = functools.partial(fn, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._read, fn, args)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()


class SQLiteDatabase:
    """The store on one SQLite file: ``read(fn, *args)`` and ``write(job)``."""

    dialect = SQLITE

    def __init__(self, path: str, *, max_batch: int = 256, readers: int = 2) -> None:
        self.path = path
        self.writer = Writer(path, max_batch=max_batch)
        self._readers = Readers(path, threads=readers)

    async def start(self) -> None:
        await self.writer.start()  # applies pending migrations before anything reads

    async def close(self) -> None:
        await self.writer.close()
        self._readers.close()

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await self._readers.run(fn, *args, **kwargs)

    async def write(self, job: Callable[[Any], T], *, pipelined: bool = False) -> T:
        return await self.writer.run(job)

    @property
    def queue_depth(self) -> int:
        return self.writer.queue_depth

    @property
    def stats(self) -> WriterStats:
        return self.writer.stats

    @property
    def on_commit(self) -> Callable[[int, float], None] | None:
        return self.writer.on_commit

    @on_commit.setter
    def on_commit(self, hook: Callable[[int, float], None] | None) -> None:
        self.writer.on_commit = hook
