"""A person's footprint, row by row: the reads and deletes of privacy export and erasure
(``ingest/domain/erasure.py`` holds what the footprint is, in which order it goes, and why).

Rows are returned as the engine gives them (read by name and by position); lists of ids go
in chunks of ``CHUNK`` placeholders.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from ingest.storage import (
    POSTGRES,
    Connection,
    campaign_counts,
    campaign_reach,
    dialect_of_connection,
    lead_counts,
)

CHUNK = 500  # ids per IN (...) list, well under SQLite's bound on parameters

# -- finding the person ------------------------------------------------------------------


def person_id_by_email(conn: Connection, tenant_id: str, email: str) -> str | None:
    return _first(
        conn, "SELECT person_id FROM persons WHERE tenant_id = ? AND email = ?", tenant_id, email
    )


def person_id_by_id(conn: Connection, tenant_id: str, person_id: str) -> str | None:
    return _first(
        conn,
        "SELECT person_id FROM persons WHERE tenant_id = ? AND person_id = ?",
        tenant_id,
        person_id,
    )


def _first(conn: Connection, sql: str, tenant_id: str, value: str) -> str | None:
    row = conn.execute(sql, (tenant_id, value)).fetchone()
    return None if row is None else row[0]


# -- reads -------------------------------------------------------------------------------


def person(conn: Connection, tenant_id: str, person_id: str) -> Any:
    return conn.execute(
        "SELECT * FROM persons WHERE tenant_id = ? AND person_id = ?", (tenant_id, person_id)
    ).fetchone()


def submissions(conn: Connection, tenant_id: str, person_id: str) -> list[Any]:
    return conn.execute(
        "SELECT * FROM submissions WHERE tenant_id = ? AND person_id = ?"
        " ORDER BY submitted_at, submission_id",
        (tenant_id, person_id),
    ).fetchall()


def submission_touches(conn: Connection, tenant_id: str, submission_ids: list[str]) -> list[Any]:
    return _select_in(
        conn,
        "SELECT * FROM submission_touches WHERE tenant_id = ? AND submission_id IN ({})"
        " ORDER BY submission_id, position",
        tenant_id,
        submission_ids,
    )


def lead_status_history(conn: Connection, tenant_id: str, person_id: str) -> list[Any]:
    return conn.execute(
        "SELECT * FROM lead_status_history WHERE tenant_id = ? AND person_id = ?"
        " ORDER BY at, history_id",
        (tenant_id, person_id),
    ).fetchall()


def company(conn: Connection, tenant_id: str, company_id: str) -> Any:
    return conn.execute(
        "SELECT * FROM companies WHERE tenant_id = ? AND company_id = ?",
        (tenant_id, company_id),
    ).fetchone()


def company_has_others(conn: Connection, tenant_id: str, company_id: str, person_id: str) -> bool:
    """Does any person but ``person_id`` belong to the company?"""
    other = conn.execute(
        "SELECT 1 FROM persons WHERE tenant_id = ? AND company_id = ? AND person_id != ? LIMIT 1",
        (tenant_id, company_id, person_id),
    ).fetchone()
    return other is not None


def category_history(conn: Connection, tenant_id: str, company_id: str) -> list[Any]:
    return conn.execute(
        "SELECT * FROM category_history WHERE tenant_id = ? AND company_id = ?"
        " ORDER BY at, history_id",
        (tenant_id, company_id),
    ).fetchall()


def touches(conn: Connection, tenant_id: str, touch_ids: list[str]) -> list[Any]:
    return _select_in(
        conn,
        "SELECT * FROM touches WHERE tenant_id = ? AND touch_id IN ({}) ORDER BY at, touch_id",
        tenant_id,
        touch_ids,
    )


def sessions(conn: Connection, tenant_id: str, visitor_ids: list[str]) -> list[Any]:
    return _select_in(
        conn,
        "SELECT * FROM sessions WHERE tenant_id = ? AND visitor_id IN ({})"
        " ORDER BY started_at, session_id",
        tenant_id,
        visitor_ids,
    )


def pageviews(conn: Connection, tenant_id: str, visitor_ids: list[str]) -> list[Any]:
    return _select_in(
        conn,
        "SELECT * FROM pageviews WHERE tenant_id = ? AND visitor_id IN ({})"
        " ORDER BY at, pageview_id",
        tenant_id,
        visitor_ids,
    )


# -- deletes: each returns the rows it deleted (or changed) --------------------------------


@contextlib.contextmanager
def secure_delete(conn: Connection) -> Iterator[None]:
    """SQLite's ``secure_delete`` on for the block (freed space overwritten with zeros), then
    back as it was; nothing on PostgreSQL."""
    if dialect_of_connection(conn) == POSTGRES:
        yield
        return
    (secure,) = conn.execute("PRAGMA secure_delete").fetchone()
    conn.execute("PRAGMA secure_delete = ON")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA secure_delete = {int(secure)}")


def delete_pageviews(conn: Connection, tenant_id: str, visitor_ids: list[str]) -> int:
    return _of_visitors(conn, "pageviews", tenant_id, visitor_ids)


def delete_sessions(conn: Connection, tenant_id: str, visitor_ids: list[str]) -> int:
    # Their campaigns' kept counts (campaign_counts) lose them first.
    for start in range(0, len(visitor_ids), CHUNK):
        chunk = visitor_ids[start : start + CHUNK]
        marks = ", ".join("?" for _ in chunk)
        campaign_counts.forget_sessions(conn, tenant_id, f"visitor_id IN ({marks})", chunk)
    return _of_visitors(conn, "sessions", tenant_id, visitor_ids)


def _of_visitors(conn: Connection, table: str, tenant_id: str, visitor_ids: list[str]) -> int:
    return _delete_in(
        conn,
        f"DELETE FROM {table} WHERE tenant_id = ? AND visitor_id IN ({{}})",
        tenant_id,
        visitor_ids,
    )


def delete_submission_touches(conn: Connection, tenant_id: str, submission_ids: list[str]) -> int:
    return _delete_in(
        conn,
        "DELETE FROM submission_touches WHERE tenant_id = ? AND submission_id IN ({})",
        tenant_id,
        submission_ids,
    )


def delete_submissions(conn: Connection, tenant_id: str, person_id: str) -> int:
    return conn.execute(
        "DELETE FROM submissions WHERE tenant_id = ? AND person_id = ?",
        (tenant_id, person_id),
    ).rowcount


def delete_campaign_days(conn: Connection, tenant_id: str, person_id: str) -> int:
    campaign_reach.forget_person(conn, tenant_id, person_id)  # their reaches' counts first
    return conn.execute(
        "DELETE FROM person_campaign_days WHERE tenant_id = ? AND person_id = ?",
        (tenant_id, person_id),
    ).rowcount


def delete_lead_status_history(conn: Connection, tenant_id: str, person_id: str) -> int:
    return conn.execute(
        "DELETE FROM lead_status_history WHERE tenant_id = ? AND person_id = ?",
        (tenant_id, person_id),
    ).rowcount


def delete_person(conn: Connection, tenant_id: str, person_id: str) -> int:
    before = lead_counts.lead_of(conn, tenant_id, person_id)
    campaign_counts.forget_person(conn, tenant_id, person_id)
    deleted = conn.execute(
        "DELETE FROM persons WHERE tenant_id = ? AND person_id = ?",
        (tenant_id, person_id),
    ).rowcount
    if deleted:
        lead_counts.add(conn, tenant_id, before[0], before[1], -1)
    return deleted


def delete_category_history(conn: Connection, tenant_id: str, company_id: str) -> int:
    return conn.execute(
        "DELETE FROM category_history WHERE tenant_id = ? AND company_id = ?",
        (tenant_id, company_id),
    ).rowcount


def delete_company(conn: Connection, tenant_id: str, company_id: str) -> int:
    return conn.execute(
        "DELETE FROM companies WHERE tenant_id = ? AND company_id = ?",
        (tenant_id, company_id),
    ).rowcount


def clear_company_sources(conn: Connection, tenant_id: str, touch_ids: list[str]) -> int:
    """Companies whose source is one of ``touch_ids`` lose it; how many did."""
    return _delete_in(
        conn,
        "UPDATE companies SET source_touch_id = NULL WHERE tenant_id = ?"
        " AND source_touch_id IN ({})",
        tenant_id,
        touch_ids,
    )


def delete_touches(conn: Connection, tenant_id: str, touch_ids: list[str]) -> int:
    return _delete_in(
        conn,
        "DELETE FROM touches WHERE tenant_id = ? AND touch_id IN ({})",
        tenant_id,
        touch_ids,
    )


# -- ids in chunks -----------------------------------------------------------------------


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _select_in(conn: Connection, sql: str, tenant_id: str, values: list[str]) -> list[Any]:
    """``sql`` with ``{}`` where the placeholders of one chunk of ``values`` go."""
    rows: list[Any] = []
    for chunk in _chunks(values):
        marks = ", ".join("?" * len(chunk))
        rows += conn.execute(sql.format(marks), (tenant_id, *chunk)).fetchall()
    return rows


def _delete_in(conn: Connection, sql: str, tenant_id: str, values: list[str]) -> int:
    """``sql`` (a DELETE or UPDATE) per chunk of ``values``; the rows it touched in all."""
    total = 0
    for chunk in _chunks(values):
        marks = ", ".join("?" * len(chunk))
        total += conn.execute(sql.format(marks), (tenant_id, *chunk)).rowcount
    return total
