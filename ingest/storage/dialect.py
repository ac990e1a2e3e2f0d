"""Where SQLite and PostgreSQL differ, in one place. Everything else is one portable SQL
text, written with ``?`` placeholders.

- placeholders: ``?`` in our SQL, ``%s`` for psycopg (a literal ``%`` doubled);
- migrations: ``INTEGER`` columns are ``BIGINT`` on PostgreSQL (Unix seconds, counts);
- rows: both engines give rows that read by column name and by position;
- a unique key violated is ``IntegrityError`` on either engine.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import Any

import psycopg

SQLITE = "sqlite"
POSTGRES = "postgresql"

# Called with every statement connections opened from now on run (``storage.tracing``):
# the tests' check that every statement names its tenant, on both engines.
TRACERS: list[Callable[[str], None]] = []

# A statement that broke a unique key or another constraint, on either engine.
IntegrityError = (sqlite3.IntegrityError, psycopg.IntegrityError)


def dialect_of(url: str) -> str:
    """``postgresql://...`` (or ``postgres://``) is PostgreSQL; anything else is a file."""
    return POSTGRES if re.match(r"^postgres(ql)?://", url) else SQLITE


@lru_cache(maxsize=1024)
def to_postgres(sql: str) -> str:
    """Our SQL with psycopg's placeholders. None of our statements holds a ``?`` inside a
    literal, so the plain replacement is exact."""
    return sql.replace("%", "%%").replace("?", "%s")


def migration_for(dialect: str, statement: str) -> str:
    if dialect == POSTGRES:
        return re.sub(r"\bINTEGER\b", "BIGINT", statement)
    return statement


class Row:
    """A PostgreSQL row read like ``sqlite3.Row``: ``row["email"]`` or ``row[0]``."""

    __slots__ = ("_values", "_index")

    def __init__(self, values: Sequence[Any], index: dict[str, int]) -> None:
        self._values = values
        self._index = index

    def __getitem__(self, key: str | int) -> Any:
        return self._values[self._index[key] if isinstance(key, str) else key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> list[str]:
        return list(self._index)

    def __repr__(self) -> str:
        return f"Row({dict(zip(self._index, self._values, strict=True))!r})"


def row_factory(cursor: Any) -> Callable[[Sequence[Any]], Row]:
    index = {column.name: i for i, column in enumerate(cursor.description or ())}
    return lambda values: Row(values, index)


class PgConnection:
    """A psycopg connection that takes our SQL (``?`` placeholders), so a job is the same
    function of a connection on both engines."""

    dialect = POSTGRES

    def __init__(self, conn: psycopg.Connection) -> None:
        self.raw = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor:
        for trace in TRACERS:
            trace(sql)
        return self.raw.execute(to_postgres(sql), params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> psycopg.Cursor:
        for trace in TRACERS:
            trace(sql)
        cursor = self.raw.cursor()
        cursor.executemany(to_postgres(sql), rows)
        return cursor


def for_update(conn: Any) -> str:
    """`` FOR UPDATE`` on PostgreSQL, where a job's reads may need to lock the rows its
    decision rests on; nothing on SQLite, where a write job holds the database's one write
    lock from its first statement."""
    return " FOR UPDATE" if getattr(conn, "dialect", SQLITE) == POSTGRES else ""


def indexed_by(conn: Any, index: str) -> str:
    """`` INDEXED BY index`` on SQLite, for a read whose best index its planner cannot tell
    from the statement (it keeps no statistics of the data's spread); nothing on
    PostgreSQL, whose planner has them."""
    return "" if getattr(conn, "dialect", SQLITE) == POSTGRES else f" INDEXED BY {index}"


def tables(conn: Any) -> list[str]:
    """The database's own tables, sorted (for checks that must cover every table)."""
    if getattr(conn, "dialect", SQLITE) == POSTGRES:
        sql = (
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
        return sorted(row[0] for row in conn.execute(sql).fetchall())
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    # A virtual table (SQLite's full-text index) is listed; the tables it keeps its data in
    # (FTS5's shadow tables: ``<name>_data`` and the like) are its own business.
    virtual = [row[0] for row in rows if (row[1] or "").upper().startswith("CREATE VIRTUAL")]
    shadow = {f"{name}_{part}" for name in virtual for part in FTS5_SHADOW_TABLES}
    return sorted(row[0] for row in rows if row[0] not in shadow)


FTS5_SHADOW_TABLES = ("data", "idx", "content", "docsize", "config")
# Tables only SQLite has: its full-text index of the persons' search text is a virtual
# table with its bookkeeping, PostgreSQL's is an index on persons (migration 0018).
SQLITE_ONLY_TABLES = frozenset({"person_search", "person_search_indexed", "person_search_changed"})
