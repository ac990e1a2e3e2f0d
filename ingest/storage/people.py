"""The persons and companies lists: search, filters, sorts and keyset pages, for the People
pages, their CSV export and the JSON API.

Every sort walks one index, ``(tenant_id, <column>, <id>)`` (migration 0009), in either
direction; the id breaks ties, so a page is ``WHERE (column, id) > (last value, last id)``
and never an OFFSET: page 5,000 costs what page 1 does, and a row added meanwhile neither
repeats nor skips one. The cursor is that pair, with the sort it belongs to, base64url-encoded
JSON: opaque to clients, checked when read back (it only ever becomes parameters).

The persons list sorts and filters by copies kept on the person (``ingest/domain/person_keys``):
a sort on a joined column (a touch's source, a company's name) could not walk an index.

Free text is a case-insensitive substring match (``LIKE`` with ``%``, ``_`` and ``\\``
escaped) over one lower-cased search text per person: email, names, company name. It runs one
of two ways, chosen per query (``_search_plan``):

- a scan of the tenant's persons in the sort's order that stops at the page's last row: at
  once for a common word, but a pass over the tenant for a rare one;
- from a trigram index (migration 0018) to the matching persons, which are then sorted: at
  once for a rare word, but as slow as its matches are many.

On SQLite the index is FTS5's (``person_search``), filled in the background
(``search_index``): a text of 3 characters or more is first looked up there, counting at
most ``SEARCH_INDEX_CAP`` matches in any tenant, plus the tenant's persons not indexed yet
or changed since; up to that, the page is built from those candidates, else from the scan
(then at least one row in ``persons / cap`` matches, and the scan stops early). On
PostgreSQL the index is pg_trgm's on the same column, and the planner makes that choice
itself from its statistics. Either way the LIKE stays in the query, so what matches is
exactly what the scan would match: the index only finds candidates (measured in the README).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ingest.domain.validation import company_key
from ingest.storage import (
    SQLITE,
    Connection,
    campaigns,
    dialect_of_connection,
    lead_lists,
    search_index,
)
from ingest.storage.dialect import indexed_by
from ingest.storage.reads import StoreError, get_person, get_touch

MAX_PAGE = 200

# Sort name (as clients spell it, ``-`` in front for descending) -> the person column.
PERSON_SORTS = {
    "created_at": "created_at",
    "email": "email",
    "name": "name_key",
    "company": "company_key",
    "first_touch_source": "ft_source",
    "first_touch_medium": "ft_medium",
    "first_touch_campaign": "ft_campaign",
    "first_touch_channel": "ft_channel",
    "lead_creation_source": "lc_source",
    "lead_creation_medium": "lc_medium",
    "lead_creation_campaign": "lc_campaign",
    "lead_creation_channel": "lc_channel",
    # Sorted by segments in the configured order (``lead_lists.py``); no column of their own.
    **{name: name for name in lead_lists.PERSON_SEGMENT_SORTS},
}
# Filter name -> the person column it must equal ('' matches persons without that touch).
# Each column has an index (tenant_id, column, created_at, person_id) besides its sort's
# (migrations 0014 and 0021), so a filter in the default order reads its matches alone.
# A channel is GA4's default channel group of the touch (``domain/channels.py``), computed
# when the person is written (migration 0013 for older ones): the rules match medium by
# pattern and look at click ids, so it cannot become a set of sources and mediums at query
# time.
PERSON_FILTERS = {
    "first_touch_source": "ft_source",
    "first_touch_medium": "ft_medium",
    "first_touch_campaign": "ft_campaign",
    "first_touch_channel": "ft_channel",
    "lead_creation_source": "lc_source",
    "lead_creation_medium": "lc_medium",
    "lead_creation_campaign": "lc_campaign",
    "lead_creation_channel": "lc_channel",
}
CHANNEL_FILTERS = ("first_touch_channel", "lead_creation_channel")
COMPANY_SORTS = {
    "name": "name_key",
    "created_at": "created_at",
    **{name: name for name in lead_lists.COMPANY_SEGMENT_SORTS},
}
SEARCH_MAX = 200
# Matches of a search text in the SQLite trigram index up to which its page is built from
# them rather than from the ordered scan (measured with scripts/bench_people.py: both ways
# take a few milliseconds here at a million persons).
SEARCH_INDEX_CAP = 5000
TRIGRAM = 3  # shorter texts have no trigram to look up: they are scanned


class BadQuery(StoreError):
    """A sort, cursor or filter the lists do not take."""


@dataclass(frozen=True)
class PersonQuery:
    q: str | None = None  # free text: email, name or company
    email: str | None = None  # one exact address (any case)
    filters: dict[str, str] = field(default_factory=dict)  # PERSON_FILTERS name -> value
    # lead_lists.PERSON_LEAD_FILTERS name -> a name or id (an owner's email); '' for none
    lead: dict[str, str] = field(default_factory=dict)
    form_id: str | None = None  # persons with a submission on this form
    via: str | None = None  # persons with a submission that came this way (form, chat, ...)
    # persons who ever entered this lead status (its history), by name or id
    reached_status: str | None = None
    created_from: date | None = None  # inclusive, UTC days
    created_to: date | None = None  # inclusive
    campaign: campaigns.CampaignFilter | None = None  # touched by a campaign (or one value)
    sort: str = "-created_at"
    cursor: str | None = None
    limit: int = 50


@dataclass(frozen=True)
class CompanyQuery:
    q: str | None = None
    lead: dict[str, str] = field(default_factory=dict)  # lead_lists.COMPANY_LEAD_FILTERS
    sort: str = "name"
    cursor: str | None = None
    limit: int = 50


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None  # None on the last page


def parse_sort(sort: str, sorts: dict[str, str]) -> tuple[str, bool]:
    """``"-name"`` -> (``name_key``, descending)."""
    descending = sort.startswith("-")
    column = sorts.get(sort.removeprefix("-"))
    if column is None:
        raise BadQuery(f"sort must be one of {', '.join(sorts)}, with '-' for descending.")
    return column, descending


def encode_cursor(sort: str, *values: str) -> str:
    """A list's next-page mark: its sort and the last row's keys, in the order's columns."""
    raw = json.dumps([sort, *values], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str, count: int = 2) -> tuple[str, ...]:
    """The ``count`` keys of ``encode_cursor``; anything else is a ``BadQuery``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        got = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise BadQuery("cursor is not one this list gave.") from None
    if (
        not isinstance(got, list)
        or len(got) != count + 1
        or got[0] != sort
        or not all(isinstance(value, str) for value in got[1:])
    ):
        raise BadQuery("cursor belongs to another sort or is not one this list gave.")
    return tuple(got[1:])


def like_pattern(text: str) -> str:
    """A substring pattern for ``LIKE ... ESCAPE '\\'``: the text's own wildcards are literal."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _keyset(
    alias: str, columns: tuple[str, ...], descending: bool, cursor: str | None, sort: str
) -> tuple[str, list[Any], str]:
    """The keyset's WHERE part (if a cursor), its parameters, and the ORDER BY, over
    ``columns``: the sort's column, then what breaks its ties (the row's id last)."""
    order = _order(alias, columns, descending)
    if cursor is None:
        return "", [], order
    values = decode_cursor(cursor, sort, len(columns))
    names = ", ".join(f"{alias}.{column}" for column in columns)
    marks = ", ".join("?" for _ in columns)
    return f" AND ({names}) {'<' if descending else '>'} ({marks})", list(values), order


def _order(alias: str, columns: tuple[str, ...], descending: bool) -> str:
    direction = "DESC" if descending else "ASC"
    return ", ".join(f"{alias}.{column} {direction}" for column in columns)


def _page(
    rows: list[Any], limit: int, sort: str, id_key: str, shape: Any, ties: tuple[str, ...] = ()
) -> Page:
    """``ties``: the row's keys between its sort value and its id in the order."""
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = encode_cursor(
            sort, last["sort_value"], *(last[key] for key in ties), last[id_key]
        )
    return Page([shape(row) for row in rows], next_cursor)


def _check_limit(limit: int, bound: int = MAX_PAGE) -> None:
    if not 1 <= limit <= bound:
        raise BadQuery(f"limit must be between 1 and {bound}.")


# -- persons ---------------------------------------------------------------------------

_SUMMARY_TOUCH = ("source", "medium", "campaign", "at")
_PERSON_COLUMNS = ", ".join(
    (
        "p.person_id",
        "p.email",
        "p.first_name",
        "p.last_name",
        "p.created_at",
        "p.company_id",
        "c.name AS company_name",
        "p.first_touch_id",
        "p.lead_creation_touch_id",
        *(f"ft.{k} AS ft_{k}" for k in _SUMMARY_TOUCH),
        *(f"lc.{k} AS lc_{k}" for k in _SUMMARY_TOUCH),
        "p.ft_channel",
        "p.lc_channel",
        "p.lead_status_id",
        "ls.name AS lead_status",
        "c.category_id",
        "lk.name AS category",
        "lk.group_id AS category_group_id",
        "lg.name AS category_group",
        "ou.email AS owner",
    )
)
_PERSON_JOINS = (
    " LEFT JOIN companies c ON c.tenant_id = p.tenant_id AND c.company_id = p.company_id"
    " LEFT JOIN touches ft ON ft.tenant_id = p.tenant_id AND ft.touch_id = p.first_touch_id"
    " LEFT JOIN touches lc ON lc.tenant_id = p.tenant_id"
    " AND lc.touch_id = p.lead_creation_touch_id"
    " LEFT JOIN lead_statuses ls ON ls.tenant_id = p.tenant_id"
    " AND ls.status_id = p.lead_status_id"
    " LEFT JOIN categories lk ON lk.tenant_id = c.tenant_id AND lk.category_id = c.category_id"
    " LEFT JOIN category_groups lg ON lg.tenant_id = lk.tenant_id AND lg.group_id = lk.group_id"
    " LEFT JOIN users ou ON ou.user_id = p.owner_id"
)


def person_where(
    tenant_id: str, query: PersonQuery, *, probe_campaign: bool = False, hint: str = ""
) -> tuple[str, list[Any]]:
    """The WHERE clause of a selection (without the keyset), and its parameters; ``hint``
    the probe's index (``campaigns.person_condition``)."""
    where = ["p.tenant_id = ?"]
    params: list[Any] = [tenant_id]
    text = search_text(query)
    if text is not None:
        where.append("p.search_key LIKE ? ESCAPE '\\'")
        params.append(like_pattern(text))
    if query.email is not None:
        where.append("p.email = ?")
        params.append(query.email.strip().lower())
    for name, value in sorted(query.filters.items()):
        column = PERSON_FILTERS.get(name)
        if column is None:
            raise BadQuery(f"No filter {name!r}; filters are {', '.join(PERSON_FILTERS)}.")
        where.append(f"p.{column} = ?")
        params.append(value)
    if query.form_id is not None:
        where.append(
            "EXISTS (SELECT 1 FROM submissions s WHERE s.tenant_id = p.tenant_id"
            " AND s.person_id = p.person_id AND s.form_id = ?)"
        )
        params.append(query.form_id)
    if query.campaign is not None:
        condition, condition_params = campaigns.person_condition(
            tenant_id,
            query.campaign,
            probe=probe_campaign,
            hint=hint,
        )
        where.append(condition)
        params.extend(condition_params)
    if query.via is not None:
        where.append(
            "EXISTS (SELECT 1 FROM submissions s WHERE s.tenant_id = p.tenant_id"
            " AND s.person_id = p.person_id AND s.via = ?)"
        )
        params.append(query.via)
    if query.created_from is not None:
        where.append("p.created_at >= ?")
        params.append(f"{query.created_from.isoformat()}T00:00:00.000Z")
    if query.created_to is not None:
        where.append("p.created_at < ?")
        params.append(f"{(query.created_to + timedelta(days=1)).isoformat()}T00:00:00.000Z")
    return " AND ".join(where), params


def search_text(query: PersonQuery) -> str | None:
    """The text ``q`` looks for, as the search text is kept (lower-cased), or None."""
    if not query.q:
        return None
    if len(query.q) > SEARCH_MAX:
        raise BadQuery(f"q can be at most {SEARCH_MAX} characters.")
    return query.q.strip().lower()


def _search_plan(conn: Connection, tenant_id: str, text: str | None) -> tuple[str, str, list[Any]]:
    """Where a page's candidate persons come from: ``(FROM, extra WHERE, its parameters)``,
    either the tenant's persons in the sort's order, or SQLite's trigram index of the search
    text when the text has few enough matches (module docstring)."""
    scan = ("persons p", "", [])
    if text is None or len(text) < TRIGRAM or "\0" in text:
        return scan
    if dialect_of_connection(conn) != SQLITE:
        return scan  # PostgreSQL's planner picks the pg_trgm index itself
    found = search_index.candidates(conn, tenant_id, text, like_pattern(text), SEARCH_INDEX_CAP)
    if found is None:
        return scan
    # The matches as the outer loop (CROSS JOIN keeps SQLite to that order), each person
    # looked up by rowid; the tenant, the LIKE and the filters are checked on the row.
    return (
        "json_each(?) m CROSS JOIN persons p",
        "p.rowid = m.value AND ",
        [json.dumps(found)],
    )


def search_persons(
    conn: Connection, tenant_id: str, query: PersonQuery, *, bound: int = MAX_PAGE
) -> Page:
    """One page of the tenant's persons, as summaries (``person_summary``). ``bound``: the
    largest page (the CSV export reads bigger pages than clients may ask for)."""
    _check_limit(query.limit, bound)
    column, descending = parse_sort(query.sort, PERSON_SORTS)
    if column in lead_lists.PERSON_SEGMENT_SORTS:
        where, params = person_selection(conn, tenant_id, query)
        return _segmented(
            conn, tenant_id, query, ("persons", column, descending), (where, params),
            f"SELECT {_PERSON_COLUMNS} FROM persons p{_PERSON_JOINS}"
            " WHERE p.tenant_id = ? AND p.person_id IN ({})",
            person_summary,
        )  # fmt: skip
    # A page in the sort's order: a common campaign's influenced persons are looked up one
    # by one as the order comes (storage/campaigns.probe_each_person).
    probe = campaigns.probe_each_person(conn, tenant_id, query.campaign)
    where, params = person_selection(conn, tenant_id, query, probe_campaign=probe)
    source, matched, matched_params = _search_plan(conn, tenant_id, search_text(query))
    # A touch column's ties are broken by creation (one index serves the sort and the
    # filter in the default order); the others' by the id.
    ties = ("created_at",) if column in PERSON_FILTERS.values() else ()
    tie_keys = tuple(f"tie_{tie}" for tie in ties)
    keyset, keyset_params, order = _keyset(
        "p", (column, *ties, "person_id"), descending, query.cursor, query.sort
    )
    outer_order = _order("k", ("sort_value", *tie_keys, "k_id"), descending)
    tie_columns = "".join(f", p.{tie} AS {key}" for tie, key in zip(ties, tie_keys, strict=True))
    # The page's ids first, from persons alone, then its rows joined: joined before the
    # sort, SQLite would look up the company and both touches of every candidate row.
    rows = conn.execute(
        f"SELECT {_PERSON_COLUMNS}, k.* FROM ("
        f"SELECT p.person_id AS k_id, p.{column} AS sort_value{tie_columns} FROM {source}"
        f" WHERE {matched}{where}{keyset} ORDER BY {order} LIMIT ?"
        ") k JOIN persons p ON p.tenant_id = ? AND p.person_id = k.k_id"
        f"{_PERSON_JOINS} ORDER BY {outer_order}",
        (*matched_params, *params, *keyset_params, query.limit + 1, tenant_id),
    ).fetchall()
    return _page(rows, query.limit, query.sort, "person_id", person_summary, tie_keys)


def person_summary(row: Any) -> dict[str, Any]:
    return {
        "id": row["person_id"],
        "email": row["email"],
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "created_at": row["created_at"],
        "company": (
            {"id": row["company_id"], "name": row["company_name"]}
            if row["company_name"] is not None
            else None
        ),
        "first_touch": _summary_touch(row, "ft", row["first_touch_id"]),
        "lead_creation": _summary_touch(row, "lc", row["lead_creation_touch_id"]),
        "lead_status": row["lead_status"],
        "lead_status_id": row["lead_status_id"],
        "category": row["category"],
        "category_id": row["category_id"],
        "category_group": row["category_group"],
        "category_group_id": row["category_group_id"],
        "owner": row["owner"],
    }


def person_selection(
    conn: Connection, tenant_id: str, query: PersonQuery, *, probe_campaign: bool = False
) -> tuple[str, list[Any]]:
    """``person_where`` with the lead filters, which read the tenant's lead setup."""
    hint = indexed_by(conn, "person_campaign_days_by_person")
    where, params = person_where(tenant_id, query, probe_campaign=probe_campaign, hint=hint)
    if query.reached_status is not None:
        reached, reached_params = lead_lists.reached_condition(
            conn, tenant_id, query.reached_status
        )
        where, params = f"{where} AND {reached}", [*params, *reached_params]
    if not query.lead:
        return where, params
    extra, extra_params = lead_lists.person_conditions(conn, tenant_id, query.lead)
    return " AND ".join([where, *extra]), [*params, *extra_params]


def _segmented(
    conn: Connection,
    tenant_id: str,
    query: PersonQuery | CompanyQuery,
    segment: tuple[str, str, bool],  # kind ("persons" or "companies"), sort column, descending
    where: tuple[str, list[Any]],
    rows_sql: str,  # the list's SELECT ... up to its WHERE, of rows whose id is in (...)
    summary: Any,
) -> Page:
    """A page sorted by lead status, category, group or owner (``lead_lists.walk``): the
    walk gives the page's ids and sort keys in order, then their rows are read at once."""
    kind, sort, descending = segment
    id_column = "person_id" if kind == "persons" else "company_id"
    after = decode_cursor(query.cursor, query.sort) if query.cursor else None
    found = lead_lists.walk(
        conn, tenant_id, kind=kind, sort=sort, descending=descending, where=where[0],
        params=where[1], after=after, count=query.limit + 1,
    )  # fmt: skip
    if not found:
        return Page([], None)
    rows = conn.execute(
        rows_sql.format(", ".join("?" for _ in found)),
        (tenant_id, *(row_id for row_id, _ in found)),
    ).fetchall()
    by_id = {row[id_column]: dict(zip(row.keys(), row, strict=True)) for row in rows}
    ordered = [by_id[i] | {"sort_value": key} for i, key in found if i in by_id]
    return _page(ordered, query.limit, query.sort, id_column, summary)


def person_groups(
    conn: Connection, tenant_id: str, query: PersonQuery, by: str
) -> list[lead_lists.GroupCount]:
    """The selection's persons counted by lead status, category or category group."""
    where, params = person_selection(conn, tenant_id, query)
    return lead_lists.person_groups(conn, tenant_id, by, where, params)


def _summary_touch(row: Any, prefix: str, touch_id: str | None) -> dict[str, Any] | None:
    if touch_id is None or row[f"{prefix}_at"] is None:
        return None
    return {
        **{key: row[f"{prefix}_{key}"] for key in _SUMMARY_TOUCH},
        "channel": row[f"{prefix}_channel"],
    }


def person_exists(conn: Connection, tenant_id: str, person_id: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM persons WHERE tenant_id = ? AND person_id = ?", (tenant_id, person_id)
    ).fetchone()
    return row is not None


# -- companies -------------------------------------------------------------------------


def _company_select(extra: str = "") -> str:
    return (
        "SELECT c.company_id, c.name, c.created_at, c.source_touch_id,"
        " t.source, t.medium, t.campaign, t.at,"
        " c.category_id, lk.name AS category, lk.group_id AS category_group_id,"
        " lg.name AS category_group, ou.email AS owner,"
        " (SELECT COUNT(*) FROM persons p WHERE p.tenant_id = c.tenant_id"
        f" AND p.company_id = c.company_id) AS persons{extra}"
        " FROM companies c LEFT JOIN touches t ON t.tenant_id = c.tenant_id"
        " AND t.touch_id = c.source_touch_id"
        " LEFT JOIN categories lk ON lk.tenant_id = c.tenant_id AND lk.category_id = c.category_id"
        " LEFT JOIN category_groups lg ON lg.tenant_id = lk.tenant_id AND lg.group_id = lk.group_id"
        " LEFT JOIN users ou ON ou.user_id = c.owner_id"
    )


def company_selection(
    conn: Connection, tenant_id: str, query: CompanyQuery
) -> tuple[str, list[Any]]:
    """The WHERE clause of a selection of companies (without the keyset), and its params."""
    where, params = "c.tenant_id = ?", [tenant_id]
    if query.q:
        if len(query.q) > SEARCH_MAX:
            raise BadQuery(f"q can be at most {SEARCH_MAX} characters.")
        where += " AND c.name_key LIKE ? ESCAPE '\\'"
        params.append(like_pattern(company_key(query.q)))
    if query.lead:
        extra, extra_params = lead_lists.company_conditions(conn, tenant_id, query.lead)
        where = " AND ".join([where, *extra])
        params += extra_params
    return where, params


def search_companies(conn: Connection, tenant_id: str, query: CompanyQuery) -> Page:
    """One page of the tenant's companies: name search (case and spaces folded as companies
    are matched), by name or creation."""
    _check_limit(query.limit)
    column, descending = parse_sort(query.sort, COMPANY_SORTS)
    where, params = company_selection(conn, tenant_id, query)
    if column in lead_lists.COMPANY_SEGMENT_SORTS:
        return _segmented(
            conn, tenant_id, query, ("companies", column, descending), (where, params),
            f"{_company_select()} WHERE c.tenant_id = ? AND c.company_id IN ({{}})",
            _company_summary,
        )  # fmt: skip
    keyset, keyset_params, order = _keyset(
        "c", (column, "company_id"), descending, query.cursor, query.sort
    )
    rows = conn.execute(
        f"{_company_select(f', c.{column} AS sort_value')}"
        f" WHERE {where}{keyset} ORDER BY {order} LIMIT ?",
        (*params, *keyset_params, query.limit + 1),
    ).fetchall()
    return _page(rows, query.limit, query.sort, "company_id", _company_summary)


def _company_summary(row: Any) -> dict[str, Any]:
    return {
        "id": row["company_id"],
        "name": row["name"],
        "created_at": row["created_at"],
        "source": (
            {key: row[key] for key in _SUMMARY_TOUCH}
            if row["source_touch_id"] is not None and row["at"] is not None
            else None
        ),
        "persons_count": row["persons"],
        "category": row["category"],
        "category_id": row["category_id"],
        "category_group": row["category_group"],
        "category_group_id": row["category_group_id"],
        "owner": row["owner"],
    }


COMPANY_PERSONS_SHOWN = 100


def get_company(conn: Connection, tenant_id: str, company_id: str) -> dict[str, Any] | None:
    """A company card: its source touch, its first persons by creation and the counts."""
    row = conn.execute(
        f"{_company_select()} WHERE c.tenant_id = ? AND c.company_id = ?", (tenant_id, company_id)
    ).fetchone()
    if row is None:
        return None
    persons = conn.execute(
        f"SELECT {_PERSON_COLUMNS} FROM persons p{_PERSON_JOINS}"
        " WHERE p.tenant_id = ? AND p.company_id = ?"
        " ORDER BY p.created_at, p.person_id LIMIT ?",
        (tenant_id, company_id, COMPANY_PERSONS_SHOWN),
    ).fetchall()
    # The company's persons, then their submissions: as a join, SQLite read every submission
    # of the tenant and looked up its person.
    submissions = conn.execute(
        "SELECT COUNT(*) FROM submissions s WHERE s.tenant_id = ? AND s.person_id IN"
        " (SELECT p.person_id FROM persons p WHERE p.tenant_id = ? AND p.company_id = ?)",
        (tenant_id, tenant_id, company_id),
    ).fetchone()[0]
    return {
        "id": row["company_id"],
        "name": row["name"],
        "created_at": row["created_at"],
        "source": get_touch(conn, tenant_id, row["source_touch_id"]),
        "persons_count": row["persons"],
        "submissions_count": submissions,
        "persons": [person_summary(p) for p in persons],
    }


def person_cards(conn: Connection, tenant_id: str, query: PersonQuery) -> Page:
    """A page of the selection with each person whole (``reads.get_person``), for the API."""
    page = search_persons(conn, tenant_id, query)
    cards = [get_person(conn, tenant_id, item["id"]) for item in page.items]
    return Page([card for card in cards if card is not None], page.next_cursor)


def person_card(conn: Connection, tenant_id: str, person_id: str) -> dict[str, Any] | None:
    """The person card of the People pages: ``reads.get_person`` with each submission's
    fields (as sent, after validation) and its form's name."""
    person = get_person(conn, tenant_id, person_id)
    if person is None:
        return None
    rows = conn.execute(
        "SELECT s.submission_id, s.fields, f.name FROM submissions s"
        " LEFT JOIN forms f ON f.tenant_id = s.tenant_id AND f.form_id = s.form_id"
        " WHERE s.tenant_id = ? AND s.person_id = ?",
        (tenant_id, person_id),
    ).fetchall()
    extra = {row["submission_id"]: (json.loads(row["fields"]), row["name"]) for row in rows}
    for submission in person["submissions"]:
        fields, form_name = extra.get(submission["id"], ({}, None))
        submission["fields"] = fields if isinstance(fields, dict) else {}
        submission["form_name"] = form_name
    return person
