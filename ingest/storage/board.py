"""The lead board's reads (``ingest/webapp/board.py``): per lead status, how many persons
stand in it and one page of their cards, within the board's filters.

A column is ordered newest in its status first, ``(lead_status_at, person_id)`` descending,
and paged by keyset on that pair (migration 0020's index walks it): the next page of a column
of 100,000 costs what the first does, and a card moved meanwhile is neither repeated nor
skipped. The cursor is ``storage/people.py``'s, for the sort ``board``. A page selects its ids
from persons alone, then joins company, category and owner for those rows only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ingest.storage import Connection
from ingest.storage.people import Page, decode_cursor, encode_cursor

SORT = "board"  # the cursor's sort: a cursor of another list is refused


@dataclass(frozen=True)
class BoardQuery:
    owner_id: str | None = None  # persons this user owns
    unowned: bool = False  # persons nobody owns
    category_id: str | None = None  # persons whose company has this category
    source: str | None = None  # lead-creation source ('' for persons without one)
    campaign: str | None = None  # lead-creation campaign


def _where(tenant_id: str, query: BoardQuery) -> tuple[str, list[Any]]:
    where = ["p.tenant_id = ?", "p.lead_status_id IS NOT NULL"]
    params: list[Any] = [tenant_id]
    if query.unowned:
        where.append("p.owner_id IS NULL")
    elif query.owner_id is not None:
        where.append("p.owner_id = ?")
        params.append(query.owner_id)
    if query.category_id is not None:
        where.append(
            "p.company_id IN (SELECT c.company_id FROM companies c"
            " WHERE c.tenant_id = ? AND c.category_id = ?)"
        )
        params.extend((tenant_id, query.category_id))
    for column, value in (("lc_source", query.source), ("lc_campaign", query.campaign)):
        if value is not None:
            where.append(f"p.{column} = ?")
            params.append(value)
    return " AND ".join(where), params


def counts(conn: Connection, tenant_id: str, query: BoardQuery) -> dict[str, int]:
    """Status id -> how many persons (within the filters) stand in it.

    Without a filter, or with only the owner's, the kept counts answer (``lead_counts``,
    migration 0025, kept by triggers on persons): a few rows whatever the tenant's size.
    The company's category, the source and the campaign count the matching persons."""
    if query.category_id is None and query.source is None and query.campaign is None:
        return kept_counts(conn, tenant_id, query)
    where, params = _where(tenant_id, query)
    rows = conn.execute(
        f"SELECT p.lead_status_id, COUNT(*) FROM persons p WHERE {where} GROUP BY p.lead_status_id",
        params,
    ).fetchall()
    return {row[0]: int(row[1]) for row in rows}


def kept_counts(conn: Connection, tenant_id: str, query: BoardQuery) -> dict[str, int]:
    """``counts`` from ``lead_counts``: the sum of each status's slots, for one owner, nobody
    (``''``) or everybody."""
    owner, params = "", [tenant_id]
    if query.unowned or query.owner_id is not None:
        owner = " AND owner_id = ?"
        params.append("" if query.unowned else query.owner_id)
    rows = conn.execute(
        "SELECT lead_status_id, SUM(persons) FROM lead_counts"
        f" WHERE tenant_id = ?{owner} GROUP BY lead_status_id",
        params,
    ).fetchall()
    return {row[0]: int(row[1]) for row in rows if int(row[1])}


def column(
    conn: Connection,
    tenant_id: str,
    status_id: str,
    query: BoardQuery,
    limit: int,
    cursor: str | None = None,
) -> Page:
    """One page of a status's persons as cards, newest in the status first. A cursor that
    is not one this board gave raises ``people.BadQuery``."""
    where, params = _where(tenant_id, query)
    keyset, keyset_params = "", []
    if cursor is not None:
        keyset = " AND (p.lead_status_at, p.person_id) < (?, ?)"
        keyset_params = list(decode_cursor(cursor, SORT))
    rows = conn.execute(
        "SELECT p.person_id, p.email, p.first_name, p.last_name, p.lead_status_at,"
        " p.lc_source, p.lc_medium, c.name AS company, k.name AS category,"
        " g.lead_status_enabled, u.email AS owner FROM ("
        f"SELECT p.person_id FROM persons p WHERE {where} AND p.lead_status_id = ?{keyset}"
        " ORDER BY p.lead_status_at DESC, p.person_id DESC LIMIT ?"
        ") ids JOIN persons p ON p.tenant_id = ? AND p.person_id = ids.person_id"
        " LEFT JOIN companies c ON c.tenant_id = p.tenant_id AND c.company_id = p.company_id"
        " LEFT JOIN categories k ON k.tenant_id = c.tenant_id AND k.category_id = c.category_id"
        " LEFT JOIN category_groups g ON g.tenant_id = k.tenant_id AND g.group_id = k.group_id"
        " LEFT JOIN users u ON u.user_id = p.owner_id"
        " ORDER BY p.lead_status_at DESC, p.person_id DESC",
        (*params, status_id, *keyset_params, limit + 1, tenant_id),
    ).fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = (
        encode_cursor(SORT, rows[-1]["lead_status_at"], rows[-1]["person_id"])
        if more and rows
        else None
    )
    return Page([_card(row) for row in rows], next_cursor)


def _card(row: Any) -> dict[str, Any]:
    name = " ".join(n for n in (row["first_name"], row["last_name"]) if n)
    return {
        "id": row["person_id"],
        "name": name or row["email"],
        "email": row["email"],
        "company": row["company"],
        "category": row["category"],
        "owner": row["owner"],
        "lead_creation": (
            {"source": row["lc_source"], "medium": row["lc_medium"]}
            if row["lc_source"] or row["lc_medium"]
            else None
        ),
        "since": row["lead_status_at"],
        # A status kept after the company left lead status is read-only: shown, not moved.
        "movable": bool(row["lead_status_enabled"]),
    }


def person_label(conn: Connection, tenant_id: str, person_id: str) -> str | None:
    """How a card names the person: their name, else their email."""
    row = conn.execute(
        "SELECT email, first_name, last_name FROM persons WHERE tenant_id = ? AND person_id = ?",
        (tenant_id, person_id),
    ).fetchone()
    if row is None:
        return None
    return " ".join(n for n in (row["first_name"], row["last_name"]) if n) or row["email"]
