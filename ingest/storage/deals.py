"""Deals and the pipeline's stages: every statement of them (the rules are
``ingest/domain/deals.py``).

The deals list pages by keyset as the persons list does (``storage/people.py``'s cursor
helpers: a sort value and the id), on one index per sort (migration 0016). A deal's
lead-creation source is its person's (``persons.lc_*``), joined, never copied: the person
is the truth, and an erased person leaves a deal without one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ingest.domain.money import amount_text
from ingest.storage import Connection
from ingest.storage.campaigns import CampaignFilter, deal_condition
from ingest.storage.dialect import for_update
from ingest.storage.people import (
    MAX_PAGE,
    BadQuery,
    Page,
    _check_limit,
    _page,
    decode_cursor,
    parse_sort,
)
from ingest.storage.reports import kept

STATUSES = ("open", "won", "lost")
# Sort name -> column; amount is the one number (its cursor value travels as text).
DEAL_SORTS = {
    "created_at": "created_at",
    "amount": "amount",
    "title": "title_key",
    "expected_close": "expected_close",
}
_NUMERIC_SORTS = frozenset({"amount"})
# Filter name -> the person's column: a deal is attributed to its person's lead creation.
SOURCE_FILTERS = {
    "lead_creation_source": "lc_source",
    "lead_creation_medium": "lc_medium",
    "lead_creation_campaign": "lc_campaign",
    "lead_creation_channel": "lc_channel",
}


@dataclass(frozen=True)
class DealQuery:
    status: str | None = None
    stage: str | None = None  # a stage's name, any case
    owner: str | None = None  # a user's email; '' is deals without an owner
    person_id: str | None = None
    company_id: str | None = None
    filters: dict[str, str] = field(default_factory=dict)  # SOURCE_FILTERS name -> value
    created_from: date | None = None  # inclusive, UTC days
    created_to: date | None = None
    closed_from: date | None = None
    closed_to: date | None = None
    campaign: CampaignFilter | None = None  # its person's first touch or lead creation
    sort: str = "-created_at"
    cursor: str | None = None
    limit: int = 50


# -- what a deal points at -----------------------------------------------------------------


def person_of_deal(conn: Connection, tenant_id: str, person_id: str) -> dict[str, Any] | None:
    """The person a new deal names (its id, email and company), or None."""
    row = conn.execute(
        "SELECT person_id, email, company_id FROM persons WHERE tenant_id = ? AND person_id = ?",
        (tenant_id, person_id),
    ).fetchone()
    return None if row is None else dict(zip(row.keys(), row, strict=True))


def company_exists(conn: Connection, tenant_id: str, company_id: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM companies WHERE tenant_id = ? AND company_id = ?", (tenant_id, company_id)
    ).fetchone()
    return row is not None


def member_by_email(conn: Connection, tenant_id: str, email: str) -> str | None:
    """The user id of the tenant's member with that email (any case), or None."""
    row = conn.execute(
        "SELECT u.user_id FROM memberships m JOIN users u ON u.user_id = m.user_id"
        " WHERE m.tenant_id = ? AND u.email = ?",
        (tenant_id, email.strip().lower()),
    ).fetchone()
    return None if row is None else row[0]


# -- writing deals -----------------------------------------------------------------------

_DEAL_FIELDS = (
    "deal_id",
    "title",
    "person_id",
    "company_id",
    "owner_user_id",
    "amount",
    "currency",
    "stage_id",
    "status",
    "created_at",
    "expected_close",
    "closed_at",
    "updated_at",
)


def insert_deal(conn: Connection, tenant_id: str, values: dict[str, Any]) -> bool:
    """A new deal: ``values`` has every column of ``_DEAL_FIELDS``. False when its id was
    taken (a rerun of the demo generator)."""
    columns = ", ".join(("tenant_id", *_DEAL_FIELDS, "title_key"))
    marks = ", ".join("?" for _ in range(len(_DEAL_FIELDS) + 2))
    cursor = conn.execute(
        f"INSERT INTO deals ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING",
        (tenant_id, *(values[name] for name in _DEAL_FIELDS), values["title"].lower()),
    )
    if cursor.rowcount != 1:
        return False
    kept.deal_changed(conn, tenant_id, [], kept.deal_of(conn, tenant_id, values["deal_id"]))
    return True


def deal_for_update(conn: Connection, tenant_id: str, deal_id: str) -> dict[str, Any] | None:
    """The deal's row, locked on PostgreSQL until the job ends: two changes at once run one
    after the other, and the second sees the first's values (its history's "from")."""
    row = conn.execute(
        f"SELECT {', '.join(_DEAL_FIELDS)} FROM deals WHERE tenant_id = ? AND deal_id = ?"
        + for_update(conn),
        (tenant_id, deal_id),
    ).fetchone()
    return None if row is None else dict(zip(row.keys(), row, strict=True))


def update_deal(conn: Connection, tenant_id: str, deal_id: str, values: dict[str, Any]) -> None:
    if "title" in values:
        values = {**values, "title_key": values["title"].lower()}
    sets = ", ".join(f"{column} = ?" for column in values)
    before = kept.deal_of(conn, tenant_id, deal_id)
    conn.execute(
        f"UPDATE deals SET {sets} WHERE tenant_id = ? AND deal_id = ?",
        (*values.values(), tenant_id, deal_id),
    )
    kept.deal_changed(conn, tenant_id, before, kept.deal_of(conn, tenant_id, deal_id))


def add_history(
    conn: Connection,
    tenant_id: str,
    deal_id: str,
    changes: list[tuple[str, str | None, str | None]],
    user_id: str | None,
    at: str,
) -> None:
    """``changes``: (field, from, to) rows, numbered after the deal's last one."""
    if not changes:
        return
    row = conn.execute(
        "SELECT COALESCE(MAX(seq), 0) FROM deal_history WHERE tenant_id = ? AND deal_id = ?",
        (tenant_id, deal_id),
    ).fetchone()
    seq = int(row[0])
    conn.executemany(
        "INSERT INTO deal_history (tenant_id, deal_id, seq, field, from_value, to_value,"
        " user_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (tenant_id, deal_id, seq + i, name, old, new, user_id, at)
            for i, (name, old, new) in enumerate(changes, start=1)
        ],
    )


def forget_person(conn: Connection, tenant_id: str, person_id: str, company_id: str | None) -> int:
    """For erasure: the person's deals stay (the customer's sales) without their person, and
    without the company when it goes too (the reports' kept counts moved them first:
    ``storage/reports/kept.forget_person``). Returns the deals changed."""
    if company_id is not None:
        conn.execute(
            "UPDATE deals SET company_id = NULL WHERE tenant_id = ? AND company_id = ?",
            (tenant_id, company_id),
        )
    return conn.execute(
        "UPDATE deals SET person_id = NULL WHERE tenant_id = ? AND person_id = ?",
        (tenant_id, person_id),
    ).rowcount


def deals_of_person_rows(conn: Connection, tenant_id: str, person_id: str) -> list[dict[str, Any]]:
    """Every column of the person's deals (for a privacy export)."""
    rows = conn.execute(
        f"SELECT {', '.join(_DEAL_FIELDS)} FROM deals WHERE tenant_id = ? AND person_id = ?"
        " ORDER BY created_at, deal_id",
        (tenant_id, person_id),
    ).fetchall()
    return [dict(zip(row.keys(), row, strict=True)) for row in rows]


# -- reading deals -----------------------------------------------------------------------

_DEAL_COLUMNS = ", ".join(
    (
        *(f"d.{name}" for name in _DEAL_FIELDS),
        "s.name AS stage_name",
        "s.probability",
        "s.active AS stage_active",
        "p.email AS person_email",
        "p.first_name",
        "p.last_name",
        "p.lc_source",
        "p.lc_medium",
        "p.lc_campaign",
        "c.name AS company_name",
        "u.email AS owner_email",
    )
)
_DEAL_JOINS = (
    " LEFT JOIN pipeline_stages s ON s.tenant_id = d.tenant_id AND s.stage_id = d.stage_id"
    " LEFT JOIN persons p ON p.tenant_id = d.tenant_id AND p.person_id = d.person_id"
    " LEFT JOIN companies c ON c.tenant_id = d.tenant_id AND c.company_id = d.company_id"
    " LEFT JOIN users u ON u.user_id = d.owner_user_id"
)


def deal_json(row: Any) -> dict[str, Any]:
    """A deal as the API and the pages show it."""
    name = " ".join(part for part in (row["first_name"], row["last_name"]) if part)
    source = (row["lc_source"], row["lc_medium"], row["lc_campaign"])
    return {
        "id": row["deal_id"],
        "title": row["title"],
        "amount": amount_text(int(row["amount"])),
        "currency": row["currency"],
        "status": row["status"],
        "stage": row["stage_name"],
        "probability": None if row["probability"] is None else int(row["probability"]),
        "person": (
            {"id": row["person_id"], "email": row["person_email"], "name": name or None}
            if row["person_email"] is not None
            else None
        ),
        "company": (
            {"id": row["company_id"], "name": row["company_name"]}
            if row["company_name"] is not None
            else None
        ),
        "owner": row["owner_email"],
        "lead_creation": (
            {
                "source": source[0] or None,
                "medium": source[1] or None,
                "campaign": source[2] or None,
            }
            if row["person_email"] is not None and any(source)
            else None
        ),
        "created_at": row["created_at"],
        "expected_close": row["expected_close"] or None,
        "closed_at": row["closed_at"],
        "updated_at": row["updated_at"],
    }


def get_deal(conn: Connection, tenant_id: str, deal_id: str) -> dict[str, Any] | None:
    """One deal with its history, oldest change first."""
    row = conn.execute(
        f"SELECT {_DEAL_COLUMNS} FROM deals d{_DEAL_JOINS} WHERE d.tenant_id = ? AND d.deal_id = ?",
        (tenant_id, deal_id),
    ).fetchone()
    if row is None:
        return None
    deal = deal_json(row)
    deal["history"] = history(conn, tenant_id, deal_id)
    return deal


def history(conn: Connection, tenant_id: str, deal_id: str) -> list[dict[str, Any]]:
    names = {
        row[0]: row[1]
        for row in conn.execute(
            "SELECT stage_id, name FROM pipeline_stages WHERE tenant_id = ?", (tenant_id,)
        ).fetchall()
    }
    rows = conn.execute(
        "SELECT h.field, h.from_value, h.to_value, h.at, u.email FROM deal_history h"
        " LEFT JOIN users u ON u.user_id = h.user_id"
        " WHERE h.tenant_id = ? AND h.deal_id = ? ORDER BY h.seq",
        (tenant_id, deal_id),
    ).fetchall()

    def value(name: str, raw: str | None) -> str | None:
        if raw is None:
            return None
        if name == "stage":
            return names.get(raw, raw)
        if name == "amount":
            return amount_text(int(raw))
        return raw

    return [
        {
            "field": row["field"],
            "from": value(row["field"], row["from_value"]),
            "to": value(row["field"], row["to_value"]),
            "user": row["email"],
            "at": row["at"],
        }
        for row in rows
    ]


def deal_where(tenant_id: str, query: DealQuery) -> tuple[str, list[Any]]:
    """The WHERE clause of a selection of deals (without the keyset), and its parameters."""
    where = ["d.tenant_id = ?"]
    params: list[Any] = [tenant_id]
    if query.status is not None:
        if query.status not in STATUSES:
            raise BadQuery(f"status must be one of {', '.join(STATUSES)}.")
        where.append("d.status = ?")
        params.append(query.status)
    if query.stage is not None:
        where.append(
            "d.stage_id IN (SELECT st.stage_id FROM pipeline_stages st"
            " WHERE st.tenant_id = d.tenant_id AND st.name_key = ?)"
        )
        params.append(query.stage.strip().lower())
    if query.owner is not None:
        if query.owner.strip() == "":
            where.append("d.owner_user_id IS NULL")
        else:
            where.append("d.owner_user_id IN (SELECT ou.user_id FROM users ou WHERE ou.email = ?)")
            params.append(query.owner.strip().lower())
    for name, value in (("person_id", query.person_id), ("company_id", query.company_id)):
        if value is not None:
            where.append(f"d.{name} = ?")
            params.append(value)
    for name, value in sorted(query.filters.items()):
        column = SOURCE_FILTERS.get(name)
        if column is None:
            raise BadQuery(f"No filter {name!r}; filters are {', '.join(SOURCE_FILTERS)}.")
        if value == "":  # none: a deal without a person has no source either
            where.append(f"COALESCE(p.{column}, '') = ''")
        else:
            where.append(f"p.{column} = ?")
            params.append(value)
    if query.campaign is not None:
        condition, condition_params = deal_condition(tenant_id, query.campaign)
        where.append(condition)
        params.extend(condition_params)
    for column, start, end in (
        ("created_at", query.created_from, query.created_to),
        ("closed_at", query.closed_from, query.closed_to),
    ):
        if start is not None:
            where.append(f"d.{column} >= ?")
            params.append(f"{start.isoformat()}T00:00:00.000Z")
        if end is not None:
            where.append(f"d.{column} < ?")
            params.append(f"{(end + timedelta(days=1)).isoformat()}T00:00:00.000Z")
    return " AND ".join(where), params


def search_deals(conn: Connection, tenant_id: str, query: DealQuery) -> Page:
    """One page of the tenant's deals, by keyset."""
    _check_limit(query.limit, MAX_PAGE)
    column, descending = parse_sort(query.sort, DEAL_SORTS)
    where, params = deal_where(tenant_id, query)
    direction = "DESC" if descending else "ASC"
    keyset, keyset_params = "", []
    if query.cursor is not None:
        value, deal_id = decode_cursor(query.cursor, query.sort)
        mark = "CAST(? AS BIGINT)" if column in _NUMERIC_SORTS else "?"
        if column in _NUMERIC_SORTS and not value.isdigit():
            raise BadQuery("cursor is not one this list gave.")
        keyset = f" AND (d.{column}, d.deal_id) {'<' if descending else '>'} ({mark}, ?)"
        keyset_params = [value, deal_id]
    rows = conn.execute(
        f"SELECT {_DEAL_COLUMNS}, CAST(d.{column} AS TEXT) AS sort_value FROM deals d"
        f"{_DEAL_JOINS} WHERE {where}{keyset}"
        f" ORDER BY d.{column} {direction}, d.deal_id {direction} LIMIT ?",
        (*params, *keyset_params, query.limit + 1),
    ).fetchall()
    return _page(rows, query.limit, query.sort, "deal_id", deal_json)


def totals(conn: Connection, tenant_id: str, query: DealQuery) -> list[dict[str, Any]]:
    """Per currency, over the whole selection: the deals, the sum of their amounts and the
    weighted pipeline (each open deal's amount times its stage's probability), exact.

    The deals are summed per status, currency and stage first (from migration 0025's
    ``deals_sums`` index alone, without reading a deal), then the few groups meet their
    stage's probability; persons are joined only when a source filter needs them."""
    where, params = deal_where(tenant_id, query)
    rows = conn.execute(
        "SELECT g.currency, SUM(g.deals) AS deals, SUM(g.amount) AS amount,"
        " SUM(CASE WHEN g.status = 'open' THEN g.amount * s.probability ELSE 0 END)"
        " AS weighted FROM (SELECT d.currency, d.status, d.stage_id, COUNT(*) AS deals,"
        f" SUM(d.amount) AS amount FROM deals d{_persons_join(query)} WHERE {where}"
        " GROUP BY d.currency, d.status, d.stage_id) g"
        " LEFT JOIN pipeline_stages s ON s.tenant_id = ? AND s.stage_id = g.stage_id"
        " GROUP BY g.currency ORDER BY g.currency",
        (*params, tenant_id),
    ).fetchall()
    return [
        {
            "currency": row["currency"],
            "deals": int(row["deals"]),
            "amount": amount_text(int(row["amount"] or 0)),
            # minor units x percent: / 100 for percent, / 100 for major units
            "weighted": Decimal(int(row["weighted"] or 0)) / 10000,
        }
        for row in rows
    ]


def _persons_join(query: DealQuery) -> str:
    """The join a source or campaign filter (``p.lc_*``, ``p.ft_*``) needs; none without.
    A left join: "(none)" finds the deals without a person too (the reports count them so)."""
    if not query.filters and query.campaign is None:
        return ""
    return " LEFT JOIN persons p ON p.tenant_id = d.tenant_id AND p.person_id = d.person_id"


def pipeline_column(
    conn: Connection, tenant_id: str, stage_id: str, query: DealQuery, limit: int
) -> list[dict[str, Any]]:
    """The first ``limit`` open deals of a stage (within the query's filters), biggest first."""
    where, params = deal_where(tenant_id, query)
    rows = conn.execute(
        f"SELECT {_DEAL_COLUMNS} FROM deals d{_DEAL_JOINS} WHERE {where}"
        " AND d.status = 'open' AND d.stage_id = ?"
        " ORDER BY d.amount DESC, d.deal_id DESC LIMIT ?",
        (*params, stage_id, limit),
    ).fetchall()
    return [deal_json(row) for row in rows]


def pipeline_sums(conn: Connection, tenant_id: str, query: DealQuery) -> dict[str, list[Any]]:
    """Stage id -> [(currency, open deals, sum of amounts)] within the query's filters."""
    where, params = deal_where(tenant_id, query)
    found: dict[str, list[Any]] = {}
    for row in conn.execute(
        "SELECT d.stage_id, d.currency, COUNT(*) AS deals, SUM(d.amount) AS amount FROM deals d"
        f"{_persons_join(query)} WHERE {where} AND d.status = 'open'"
        " GROUP BY d.stage_id, d.currency"
        " ORDER BY d.stage_id, d.currency",
        params,
    ).fetchall():
        found.setdefault(row["stage_id"], []).append(
            (row["currency"], int(row["deals"]), int(row["amount"] or 0))
        )
    return found


CARD_DEALS = 50


def deals_of(
    conn: Connection, tenant_id: str, *, person_id: str | None = None, company_id: str | None = None
) -> list[dict[str, Any]]:
    """A person's or a company's latest deals, for their cards."""
    column, value = (
        ("person_id", person_id) if person_id is not None else ("company_id", company_id)
    )
    rows = conn.execute(
        f"SELECT {_DEAL_COLUMNS} FROM deals d{_DEAL_JOINS} WHERE d.tenant_id = ?"
        f" AND d.{column} = ? ORDER BY d.created_at DESC, d.deal_id DESC LIMIT ?",
        (tenant_id, value, CARD_DEALS),
    ).fetchall()
    return [deal_json(row) for row in rows]


def company_persons(conn: Connection, tenant_id: str, company_id: str) -> list[dict[str, Any]]:
    """The persons a new deal of a company may name (its first 100 by email)."""
    rows = conn.execute(
        "SELECT person_id, email FROM persons WHERE tenant_id = ? AND company_id = ?"
        " ORDER BY email LIMIT 100",
        (tenant_id, company_id),
    ).fetchall()
    return [{"id": row[0], "email": row[1]} for row in rows]


def deal_candidates(conn: Connection, tenant_id: str) -> list[tuple[str, str]]:
    """(person id, created at) of the tenant's persons, oldest first: whom the demo
    generator gives deals (``ops/generate.py``)."""
    rows = conn.execute(
        "SELECT person_id, created_at FROM persons WHERE tenant_id = ?"
        " ORDER BY created_at, person_id",
        (tenant_id,),
    ).fetchall()
    return [(row[0], row[1]) for row in rows]
