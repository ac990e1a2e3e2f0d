"""Sessions and page views (migration 0003): the statements of the page-view job
(``ingest/domain/sessions.py`` holds its rules) and of retention's pruning
(``ingest/domain/retention.py``)."""

from __future__ import annotations

from typing import Any

from ingest.storage import Connection, campaign_counts
from ingest.storage.reads import StoreError

_CHUNK = 500  # ids in one IN (...)
# (table, key column, time column): what ages out, and by which time.
AGING = (
    ("sessions", "session_id", "last_seen_at"),
    ("pageviews", "pageview_id", "at"),
)


def latest_session(conn: Connection, tenant_id: str, visitor_id: str) -> Any:
    """The visitor's most recently started session (``session_id``, ``campaign_key``,
    ``last_seen_at``, ``views``, and what it is counted under: ``campaign``, ``started_at``,
    ``source``, ``medium``), or None."""
    return conn.execute(
        "SELECT session_id, campaign_key, last_seen_at, views, campaign, started_at, source,"
        " medium FROM sessions"
        " WHERE tenant_id = ? AND visitor_id = ? ORDER BY started_at DESC, session_id DESC"
        " LIMIT 1",
        (tenant_id, visitor_id),
    ).fetchone()


def extend_session(conn: Connection, tenant_id: str, session: Any, at: str, views: int) -> None:
    """Add ``views`` (0 or 1) to the session (``latest_session``'s row) and move its last
    sighting to ``at`` if later; a view counted for its campaign (``campaign_counts``)."""
    conn.execute(
        "UPDATE sessions SET views = views + ?,"
        " last_seen_at = CASE WHEN last_seen_at > ? THEN last_seen_at ELSE ? END"
        " WHERE tenant_id = ? AND session_id = ?",
        (views, at, at, tenant_id, session["session_id"]),
    )
    if views and session["campaign"]:
        key = campaign_counts.session_key(
            session["campaign"], session["started_at"], session["source"], session["medium"]
        )
        campaign_counts.add_session(conn, tenant_id, key, sessions=0, views=views, new_visitors=0)


def insert_session(
    conn: Connection,
    *,
    tenant_id: str,
    session_id: str,
    visitor_id: str,
    is_new_visitor: bool,
    campaign_key: str | None,
    source: tuple[Any, ...],  # touch.source_columns(): source ... referrer
    at: str,
) -> None:
    conn.execute(
        "INSERT INTO sessions (tenant_id, session_id, visitor_id, is_new_visitor,"
        " campaign_key, source, medium, campaign, term, content, utm_id, click_ids,"
        " landing_page, referrer, started_at, last_seen_at, views)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
        (tenant_id, session_id, visitor_id, int(is_new_visitor), campaign_key, *source, at, at),
    )
    # source_columns(): source, medium, campaign, ...
    if source[2]:
        key = campaign_counts.session_key(source[2], at, source[0], source[1])
        campaign_counts.add_session(
            conn, tenant_id, key, sessions=1, views=1, new_visitors=int(is_new_visitor)
        )


def insert_pageview(
    conn: Connection,
    tenant_id: str,
    pageview_id: str,
    session_id: str,
    visitor_id: str,
    url: str,
    at: str,
) -> None:
    conn.execute(
        "INSERT INTO pageviews (tenant_id, pageview_id, session_id, visitor_id, url, at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (tenant_id, pageview_id, session_id, visitor_id, url, at),
    )


def sessions_started_since(
    conn: Connection, tenant_id: str, visitor_id: str, since: str, bound: int
) -> int:
    """How many sessions the visitor started after ``since``, counted up to ``bound``."""
    (started,) = conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM sessions WHERE tenant_id = ? AND visitor_id = ?"
        " AND started_at > ? LIMIT ?) AS recent",
        (tenant_id, visitor_id, since, bound),
    ).fetchone()
    return started


def retention_of(conn: Connection, tenant_id: str | None) -> list[tuple[str, int | None]]:
    """(tenant, retention days) for one tenant, or every tenant that has a retention."""
    if tenant_id is not None:
        row = conn.execute(
            "SELECT tenant_id, retention_days FROM tenants WHERE tenant_id = ?", (tenant_id,)
        ).fetchone()
        if row is None:
            raise StoreError(f"no tenant {tenant_id!r}")
        return [(row[0], row[1])]
    # The one statement that is not one tenant's: choosing which tenants to visit.
    return [
        (row[0], row[1])
        for row in conn.execute(
            "SELECT tenant_id, retention_days FROM tenants WHERE retention_days IS NOT NULL"
            " ORDER BY tenant_id"
        )
    ]


def count_older(conn: Connection, tenant_id: str, cutoff: str) -> dict[str, int]:
    """Per aging table, the tenant's rows older than the cutoff."""
    counts = {}
    for table, _, column in AGING:
        (counts[table],) = conn.execute(
            f"SELECT count(*) FROM {table} WHERE tenant_id = ? AND {column} < ?",
            (tenant_id, cutoff),
        ).fetchone()
    return counts


def delete_older(conn: Connection, tenant_id: str, cutoff: str, table: str, limit: int) -> int:
    """Delete up to ``limit`` of the tenant's rows of ``table`` older than the cutoff."""
    key, column = next((k, c) for t, k, c in AGING if t == table)
    if table == "sessions":
        # The batch chosen first, so its counts go with exactly the sessions deleted.
        ids = [
            row[0]
            for row in conn.execute(
                "SELECT session_id FROM sessions WHERE tenant_id = ? AND last_seen_at < ? LIMIT ?",
                (tenant_id, cutoff, limit),
            ).fetchall()
        ]
        deleted = 0
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ", ".join("?" for _ in chunk)
            campaign_counts.forget_sessions(conn, tenant_id, f"session_id IN ({marks})", chunk)
            deleted += conn.execute(
                f"DELETE FROM sessions WHERE tenant_id = ? AND session_id IN ({marks})",
                (tenant_id, *chunk),
            ).rowcount
        return deleted
    cursor = conn.execute(
        f"DELETE FROM {table} WHERE tenant_id = ? AND {key} IN"
        f" (SELECT {key} FROM {table} WHERE tenant_id = ? AND {column} < ? LIMIT ?)",
        (tenant_id, tenant_id, cutoff, limit),
    )
    return cursor.rowcount
