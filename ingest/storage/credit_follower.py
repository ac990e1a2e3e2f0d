"""The credits follower's bookkeeping (``ingest/domain/credits/follower.py``): SQLite's
mark over the submissions' rowids (``attribution_followed``), PostgreSQL's pending persons
(``attribution_pending``), and what erasure does to both."""

from __future__ import annotations

from collections.abc import Sequence

from ingest.storage import POSTGRES, SQLITE, Connection, dialect_of_connection

# The follower's reads of every tenant's new submissions and pending persons: the only
# statements here that name no tenant (``tests/test_db.py`` lets statements starting so
# through: the follower works for every tenant at once, as SQLite's search indexer does).
UNSCOPED_FOLLOW = "SELECT rowid, tenant_id, person_id FROM submissions WHERE rowid > ?"
UNSCOPED_PENDING = "SELECT tenant_id, person_id FROM attribution_pending"
UNSCOPED_TOP = "SELECT max(rowid) FROM submissions"


def followed_up_to(conn: Connection) -> int:
    return conn.execute("SELECT up_to FROM attribution_followed").fetchone()[0]


def set_followed(conn: Connection, up_to: int) -> None:
    conn.execute("UPDATE attribution_followed SET up_to = ?", (up_to,))


def new_submissions(conn: Connection, limit: int) -> list[tuple[int, str, str]]:
    """SQLite: the next ``limit`` submissions above the mark, every tenant's, in rowid
    order: (rowid, tenant, person)."""
    return [
        (row[0], row[1], row[2])
        for row in conn.execute(
            UNSCOPED_FOLLOW + " ORDER BY rowid LIMIT ?", (followed_up_to(conn), limit)
        )
    ]


def top_submission(conn: Connection) -> int:
    return conn.execute(UNSCOPED_TOP).fetchone()[0] or 0


def others_between(conn: Connection, tenant_id: str, low: int, high: int) -> bool:
    """SQLite: does a submission of another tenant lie in the rowids (low, high]?"""
    return (
        conn.execute(
            "SELECT 1 FROM submissions WHERE rowid > ? AND rowid <= ? AND tenant_id <> ? LIMIT 1",
            (low, high, tenant_id),
        ).fetchone()
        is not None
    )


def forget_submissions(conn: Connection, tenant_id: str, rowids: Sequence[int]) -> None:
    """Erasure, SQLite, before the submissions go: SQLite gives a new row the largest rowid
    + 1, so with the largest gone a new submission could get a rowid under the mark and never
    be followed; the mark comes down below the erased ones that are the newest."""
    if dialect_of_connection(conn) != SQLITE or not rowids:
        return
    top = top_submission(conn)
    if top in rowids:
        mark = followed_up_to(conn)
        lowest = min(rowids)
        if lowest <= mark:
            set_followed(conn, lowest - 1)


def submission_rowids(conn: Connection, tenant_id: str, person_id: str) -> list[int]:
    if dialect_of_connection(conn) != SQLITE:
        return []
    return [
        row[0]
        for row in conn.execute(
            "SELECT rowid FROM submissions WHERE tenant_id = ? AND person_id = ?",
            (tenant_id, person_id),
        )
    ]


def note_pending(conn: Connection, tenant_id: str, person_id: str) -> None:
    """PostgreSQL: the submission job notes its person for the follower (one idempotent
    insert). Nothing on SQLite, where the follower walks rowids."""
    if dialect_of_connection(conn) != POSTGRES:
        return
    conn.execute(
        "INSERT INTO attribution_pending (tenant_id, person_id) VALUES (?, ?)"
        " ON CONFLICT DO NOTHING",
        (tenant_id, person_id),
    )


def take_pending(conn: Connection, limit: int) -> list[tuple[str, str]]:
    """PostgreSQL: up to ``limit`` pending persons, locked (rows another process holds are
    skipped) and deleted in this transaction: (tenant, person)."""
    rows = [
        (row[0], row[1])
        for row in conn.execute(
            UNSCOPED_PENDING + " ORDER BY tenant_id, person_id LIMIT ? FOR UPDATE SKIP LOCKED",
            (limit,),
        )
    ]
    conn.executemany("DELETE FROM attribution_pending WHERE tenant_id = ? AND person_id = ?", rows)
    return rows


def drop_pending(conn: Connection, tenant_id: str) -> None:
    """PostgreSQL: the tenant's pending persons, before a recompute covers them."""
    conn.execute("DELETE FROM attribution_pending WHERE tenant_id = ?", (tenant_id,))


def forget_pending(conn: Connection, tenant_id: str, person_id: str) -> None:
    """Erasure: the person's note for the follower goes with them."""
    conn.execute(
        "DELETE FROM attribution_pending WHERE tenant_id = ? AND person_id = ?",
        (tenant_id, person_id),
    )
