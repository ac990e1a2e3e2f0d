"""The numbered migrations in ``ingest/migrations/``, applied once each, on either engine.

On SQLite, ``BEGIN IMMEDIATE`` takes the write lock before a migration is checked, so a CLI
and a server starting together cannot both apply it. On PostgreSQL, several processes
starting together wait on one advisory lock, and the first applies what is pending.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ingest.clock import utcnow
from ingest.storage.dialect import POSTGRES, migration_for

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_(\w+)\.sql$")
# Any number of ours, as long as it is the same in every process.
_ADVISORY_LOCK = 0x1EAD5005CE

_SCHEMA_MIGRATIONS = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
)


def migrations() -> list[tuple[int, str, str]]:
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), match.group(2), path.read_text()))
    return found


def migrate(conn: Any) -> list[int]:
    """Apply pending migrations, each in its own transaction. Returns the versions applied.
    ``conn`` is a ``sqlite3`` connection in autocommit mode or a ``PgConnection``."""
    if getattr(conn, "dialect", None) == POSTGRES:
        return _migrate_postgres(conn)
    conn.execute(_SCHEMA_MIGRATIONS)
    applied = []
    for version, name, sql in migrations():
        conn.execute("BEGIN IMMEDIATE")
        try:
            if _apply(conn, version, name, sql, "sqlite"):
                applied.append(version)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return applied


def _migrate_postgres(conn: Any) -> list[int]:
    raw = conn.raw
    applied = []
    raw.execute("SELECT pg_advisory_lock(%s)", (_ADVISORY_LOCK,))
    try:
        raw.execute(migration_for(POSTGRES, _SCHEMA_MIGRATIONS))
        for version, name, sql in migrations():
            with raw.transaction():
                if _apply(conn, version, name, sql, POSTGRES):
                    applied.append(version)
    finally:
        raw.execute("SELECT pg_advisory_unlock(%s)", (_ADVISORY_LOCK,))
    return applied


def _apply(conn: Any, version: int, name: str, sql: str, dialect: str) -> bool:
    done = conn.execute("SELECT 1 FROM schema_migrations WHERE version = ?", (version,)).fetchone()
    if done:
        return False
    for statement in _statements(sql):
        conn.execute(migration_for(dialect, statement))
    conn.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
        (version, name, utcnow()),
    )
    return True


def _statements(sql: str) -> list[str]:
    # Our migrations hold no "--" or ";" inside literals or triggers, so stripping comments
    # and splitting is enough; executescript() would commit our open transaction behind our
    # back.
    body = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    return [s.strip() for s in body.split(";") if s.strip()]
