"""The numbered migrations in ``ingest/migrations/``, applied once each, on either engine.

A migration is SQL (``NNNN_name.sql``: the same statements on both engines) or Python
(``NNNN_name.py``) when its work is not SQL, such as filling a column by rules written in
Python: the module's ``migrate(conn, dialect)`` is given the connection inside the same
transaction and lock as a SQL migration, and runs its statements through ``run_sql`` and
plain ``conn.execute`` (``?`` placeholders on both engines). It must batch what it reads, so
that a file with a million persons migrates in bounded memory.

On SQLite, ``BEGIN IMMEDIATE`` takes the write lock before a migration is checked, so a CLI
and a server starting together cannot both apply it. On PostgreSQL, several processes
starting together wait on one advisory lock, and the first applies what is pending.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ingest.clock import utcnow
from ingest.storage.dialect import POSTGRES, SQLITE, migration_for

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_(\w+)\.(sql|py)$")
# Any number of ours, as long as it is the same in every process.
_ADVISORY_LOCK = 0x1EAD5005CE

_SCHEMA_MIGRATIONS = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
)


# A migration's body: SQL text, or a Python migration's ``migrate(conn, dialect)``.
Body = str | Callable[[Any, str], None]


def migrations() -> list[tuple[int, str, Body]]:
    """``(version, name, body)`` in version order."""
    found: list[tuple[int, str, Body]] = []
    for path in sorted(MIGRATIONS_DIR.iterdir()):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            continue
        body: Body = path.read_text() if match.group(3) == "sql" else _python_migration(path)
        found.append((int(match.group(1)), match.group(2), body))
    return found


def _python_migration(path: Path) -> Callable[[Any, str], None]:
    spec = importlib.util.spec_from_file_location(f"ingest.migrations.m{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.migrate


def migrate(conn: Any) -> list[int]:
    """Apply pending migrations, each in its own transaction. Returns the versions applied.
    ``conn`` is a ``sqlite3`` connection in autocommit mode or a ``PgConnection``."""
    if getattr(conn, "dialect", None) == POSTGRES:
        return _migrate_postgres(conn)
    conn.execute(_SCHEMA_MIGRATIONS)
    applied = []
    for version, name, body in migrations():
        conn.execute("BEGIN IMMEDIATE")
        try:
            if _apply(conn, version, name, body, SQLITE):
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
        for version, name, body in migrations():
            with raw.transaction():
                if _apply(conn, version, name, body, POSTGRES):
                    applied.append(version)
    finally:
        raw.execute("SELECT pg_advisory_unlock(%s)", (_ADVISORY_LOCK,))
    return applied


def _apply(conn: Any, version: int, name: str, body: Body, dialect: str) -> bool:
    done = conn.execute("SELECT 1 FROM schema_migrations WHERE version = ?", (version,)).fetchone()
    if done:
        return False
    if isinstance(body, str):
        run_sql(conn, dialect, body)
    else:
        body(conn, dialect)
    conn.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
        (version, name, utcnow()),
    )
    return True


def run_sql(conn: Any, dialect: str, sql: str) -> None:
    """Run a migration's SQL text, statement by statement, in the open transaction."""
    for statement in _statements(sql):
        conn.execute(migration_for(dialect, statement))


def _statements(sql: str) -> list[str]:
    # Our migrations hold no "--" or ";" inside literals or triggers, so stripping comments
    # and splitting is enough; executescript() would commit our open transaction behind our
    # back.
    body = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    return [s.strip() for s in body.split(";") if s.strip()]
