"""Opening SQLite connections and applying the numbered migrations in ``migrations/``.

Writes use plain ``sqlite3`` connections in one thread (the writer's, or a CLI command's);
the web layer reads through ``aiosqlite`` so it never blocks the event loop.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import aiosqlite

T = TypeVar("T")

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_(\w+)\.sql$")
_PRAGMAS = ("PRAGMA journal_mode = WAL", "PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 5000")


def utcnow() -> str:
    return iso_time(datetime.now(UTC))


def iso_time(moment: datetime) -> str:
    """The one timestamp format of the database: ISO 8601 UTC, milliseconds, 'Z'. Strings
    of this format sort as the times they name."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def connect(path: str, *, synchronous: str = "FULL") -> sqlite3.Connection:
    """A connection for writing. isolation_level=None: we issue BEGIN/COMMIT ourselves, so a
    transaction is exactly what the writer says it is. check_same_thread=False because the
    writer opens it in its thread and closes it there, but Python creates it in another."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    for pragma in _PRAGMAS:
        conn.execute(pragma)
    conn.execute(f"PRAGMA synchronous = {synchronous}")
    return conn


def read_transaction(path: str, work: Callable[[sqlite3.Connection], T]) -> T:
    """Run ``work`` in one read transaction (a consistent snapshot) on a connection of its
    own, for reads that are rare and many statements long (a person's export)."""
    conn = connect(path)
    try:
        conn.execute("PRAGMA query_only = ON")
        conn.execute("BEGIN")
        try:
            return work(conn)
        finally:
            conn.execute("ROLLBACK")
    finally:
        conn.close()


async def connect_reader(path: str) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = aiosqlite.Row
    for pragma in _PRAGMAS:
        await conn.execute(pragma)
    await conn.execute("PRAGMA query_only = ON")
    return conn


def migrations() -> list[tuple[int, str, str]]:
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), match.group(2), path.read_text()))
    return found


def migrate(conn: sqlite3.Connection) -> list[int]:
    """Apply pending migrations, each in its own transaction. Returns the versions applied."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    applied = []
    for version, name, sql in migrations():
        # IMMEDIATE takes the write lock first, so a CLI and a server starting together
        # cannot both apply the same migration.
        conn.execute("BEGIN IMMEDIATE")
        try:
            done = conn.execute(
                "SELECT 1 FROM schema_migrations WHERE version = ?", (version,)
            ).fetchone()
            if not done:
                for statement in _statements(sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, utcnow()),
                )
                applied.append(version)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return applied


def _statements(sql: str) -> list[str]:
    # Our migrations hold no "--" or ";" inside literals or triggers, so stripping comments
    # and splitting is enough; executescript() would commit our open transaction behind our back.
    body = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    return [s.strip() for s in body.split(";") if s.strip()]
