"""The store: one interface over SQLite (the default: one file, nothing to install) and
PostgreSQL (many processes and machines on one database).

- ``open_database(url)`` gives a ``Database`` with ``await read(fn, *args)`` and
  ``await write(job)``: both take plain functions of a connection, written once with ``?``
  placeholders; a write's result means its transaction committed.
- ``transaction(url, work)`` runs one administrative change (the CLI) in its own
  transaction, after applying pending migrations.
- ``connect(url)`` is a connection in autocommit mode, for checks and tests.

Where the engines differ lives in ``dialect.py``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, Protocol, TypeVar

from ingest.storage import pending
from ingest.storage.dialect import POSTGRES, SQLITE, TRACERS, IntegrityError, dialect_of, tables
from ingest.storage.migrations import migrate
from ingest.storage.sqlite import WriterClosed, WriterStats

T = TypeVar("T")

__all__ = [
    "POSTGRES",
    "SQLITE",
    "Connection",
    "Database",
    "IntegrityError",
    "connect",
    "dialect_of",
    "dialect_of_connection",
    "for_bulk_writes",
    "in_transaction",
    "migrated",
    "migrate",
    "open_database",
    "tables",
    "tracing",
    "transaction",
    "WriterClosed",
    "WriterStats",
]


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    """What jobs and reads are given: a ``sqlite3`` connection or a ``PgConnection``. Rows
    read by column name and by position on both."""

    def execute(self, sql: str, params: Any = ...) -> Any: ...
    def executemany(self, sql: str, rows: Any) -> Any: ...


class Database(Protocol):
    dialect: str

    async def start(self) -> None: ...
    async def close(self) -> None: ...
    # Plain functions of a connection: ``read`` runs one in a snapshot; ``write`` runs a job
    # in a transaction and returns once it committed.
    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T: ...
    # ``pipelined``: on PostgreSQL the job's statements are sent without waiting for each
    # one's answer until it reads one (psycopg's pipeline mode); only for a job that reads no
    # ``rowcount`` (the submission job). SQLite runs every job in process and ignores it.
    async def write(self, job: Callable[[Any], T], *, pipelined: bool = False) -> T: ...

    # For the metrics: jobs run and failed, writes waiting, and a hook told each commit's
    # number of jobs and its duration in seconds.
    stats: WriterStats
    on_commit: Callable[[int, float], None] | None

    @property
    def queue_depth(self) -> int: ...


def open_database(url: str, *, max_batch: int = 256, pool_size: int = 8) -> Database:
    if dialect_of(url) == POSTGRES:
        from ingest.storage.postgres import PostgresDatabase

        return PostgresDatabase(url, pool_size=pool_size)
    from ingest.storage.sqlite import SQLiteDatabase

    return SQLiteDatabase(url, max_batch=max_batch)


@contextlib.contextmanager
def connect(url: str, *, tuples: bool = False) -> Iterator[Any]:
    """A connection in autocommit mode; closed at the end of the block. With ``tuples``,
    rows are plain tuples (for checks that compare them)."""
    if dialect_of(url) == POSTGRES:
        from ingest.storage.postgres import connect as pg_connect

        conn = pg_connect(url, tuples=tuples)
        try:
            yield conn
        finally:
            conn.raw.close()
    else:
        from ingest.storage.sqlite import connect as sqlite_connect

        conn = sqlite_connect(url)
        if tuples:
            conn.row_factory = None
        try:
            yield conn
        finally:
            conn.close()


@contextlib.contextmanager
def tracing(callback: Callable[[str], None]) -> Iterator[None]:
    """``callback`` gets every SQL statement that connections opened inside the block run
    (on SQLite) or that any connection runs meanwhile (on PostgreSQL)."""
    TRACERS.append(callback)
    try:
        yield
    finally:
        TRACERS.remove(callback)


def dialect_of_connection(conn: Any) -> str:
    return getattr(conn, "dialect", SQLITE)


def in_transaction(conn: Any, work: Callable[[Any], T]) -> T:
    """``work(conn)`` in one committed transaction on a connection in autocommit mode."""
    if dialect_of_connection(conn) == POSTGRES:
        from ingest.storage.postgres import run_job

        return run_job(conn, work)
    # IMMEDIATE: the write lock first, so the change is ordered with the writer's.
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = work(conn)
        pending.flush(conn)  # the kept counts it gathered (storage/pending.py)
    except BaseException:
        pending.discard(conn)
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result


def transaction(url: str, work: Callable[[Any], T]) -> T:
    """Run one administrative change in its own committed transaction, after applying
    pending migrations."""
    with connect(url) as conn:
        migrate(conn)
        return in_transaction(conn, work)


def for_bulk_writes(conn: Any) -> None:
    """Tune a connection for a long run of writes (``leadsource generate``): on SQLite a
    page cache of 256 MB, so the indexes of a large tenant stay in memory."""
    if dialect_of_connection(conn) == SQLITE:
        conn.execute("PRAGMA cache_size = -262144")


@contextlib.contextmanager
def migrated(url: str) -> Iterator[Any]:
    """A connection in autocommit mode to a database with every migration applied."""
    with connect(url) as conn:
        migrate(conn)
        yield conn
