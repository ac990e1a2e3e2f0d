"""``leadsource backup``: a consistent copy of the database while the service keeps writing.

SQLite's online backup API copies every page in one step inside one read transaction: in
WAL mode that is a snapshot of the last commit before it began, and the writer goes on
committing meanwhile (readers never block it). The copy is written to a temporary file next
to the target, checked (``PRAGMA integrity_check``), and renamed into place, so a failed or
interrupted backup never leaves a half-written file under the target's name.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import Any

from ingest.storage import POSTGRES, dialect_of
from ingest.storage.reads import StoreError

# Tables whose row counts the backup reports: enough to compare with the live database.
COUNTED = ("tenants", "forms", "persons", "companies", "submissions", "sessions", "pageviews")


def backup(db_path: str, target: str, *, overwrite: bool = False) -> dict[str, Any]:
    """Copy ``db_path`` to ``target``; returns what was written."""
    if dialect_of(db_path) == POSTGRES:
        raise StoreError(
            "leadsource backup copies a SQLite file; back up PostgreSQL with its own tools:"
            " pg_dump --format=custom (a consistent snapshot while the service writes),"
            " or pg_basebackup with WAL archiving for point-in-time recovery"
        )
    if not Path(db_path).is_file():
        raise StoreError(f"no database at {db_path}")
    destination = Path(target)
    if destination.exists() and not overwrite:
        raise StoreError(f"{target} exists; pass --force to replace it")
    if destination.resolve() == Path(db_path).resolve():
        raise StoreError("the backup cannot replace the database itself")
    partial = destination.with_name(f".{destination.name}.partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    source = sqlite3.connect(db_path)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # all pages in one step: one snapshot
            # One self-contained file: no -wal beside it to copy along.
            copy.execute("PRAGMA journal_mode = DELETE")
            (check,) = copy.execute("PRAGMA integrity_check").fetchone()
            counts = table_counts(copy)
        finally:
            copy.close()
    finally:
        source.close()
    if check != "ok":
        partial.unlink()
        raise StoreError(f"the copy failed its integrity check: {check}")
    os.replace(partial, destination)
    return {
        "backup": str(destination),
        "bytes": destination.stat().st_size,
        "integrity": check,
        "counts": counts,
    }


def table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per table over all tenants: an operator's check, not a tenant's query."""
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {
        table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in COUNTED
        if table in present
    }
