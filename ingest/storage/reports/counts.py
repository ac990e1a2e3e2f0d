"""The reports' statements: counts and sums of the persons or deals lists' selections,
grouped.

Each function takes the list's own query (``people.PersonQuery``, ``deals.DealQuery``) and
builds its WHERE with the list's own function (``people.person_selection``,
``deals.deal_where``), so a group's number is exactly the rows of the list filtered to that
group (``ingest/domain/reports/run.py`` makes those links). A group's key is a tuple of the
column values it is grouped by ('' for none); its label is a name where the key is an id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ingest.storage import Connection, people
from ingest.storage.deals import DealQuery, deal_where
from ingest.storage.lead_setup import setup
from ingest.storage.people import PersonQuery

# Grouping -> the person columns of its key (lead creation's or first touch's copies).
_TOUCH_COLUMNS = {
    **{f"{t}_{f}": (f"{c}_{f}",) for t, c in (("lead_creation", "lc"), ("first_touch", "ft"))
       for f in ("source", "medium", "campaign", "channel")},
    "lead_creation_source_medium": ("lc_source", "lc_medium"),
    "first_touch_source_medium": ("ft_source", "ft_medium"),
}  # fmt: skip
_TIME = {"day": 10, "month": 7}  # characters of the ISO time that name the bucket


@dataclass(frozen=True)
class Group:
    key: tuple[str, ...]
    label: str
    n: int  # persons or deals
    currency: str = ""  # sums only
    amount: int = 0  # minor units, sums only


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _grouped(conn: Connection, sql: str, params: list[Any], width: int) -> list[Group]:
    rows = conn.execute(sql, params).fetchall()
    return [
        Group(tuple(_text(row[i]) for i in range(width)), _text(row[width]), int(row[width + 1]))
        for row in rows
    ]


def persons_by(conn: Connection, tenant_id: str, query: PersonQuery, by: str) -> list[Group]:
    """The persons of the list's selection, counted by ``by`` ('' for one total)."""
    where, params = people.person_selection(conn, tenant_id, query)
    base = f" FROM persons p{{joins}} WHERE {where}"
    if not by:
        n = conn.execute(f"SELECT COUNT(*){base.format(joins='')}", params).fetchone()[0]
        return [Group((), "", int(n))]
    if by in _TOUCH_COLUMNS:
        cols = ", ".join(f"p.{c}" for c in _TOUCH_COLUMNS[by])
        sql = f"SELECT {cols}, '' AS label, COUNT(*){base.format(joins='')} GROUP BY {cols}"
        return _grouped(conn, sql, params, len(_TOUCH_COLUMNS[by]))
    if by == "referring_site":
        sql = (
            f"SELECT p.lc_source, '' AS label, COUNT(*){base.format(joins='')}"
            " AND p.lc_medium = 'referral' GROUP BY p.lc_source"
        )
        return _grouped(conn, sql, params, 1)
    if by in _TIME:
        bucket = f"substr(p.created_at, 1, {_TIME[by]})"
        sql = f"SELECT {bucket}, '' AS label, COUNT(*){base.format(joins='')} GROUP BY {bucket}"
        return _grouped(conn, sql, params, 1)
    if by in ("form", "via"):
        column = "s.form_id" if by == "form" else "s.via"
        joins = (
            " JOIN submissions s ON s.tenant_id = p.tenant_id AND s.person_id = p.person_id"
            " LEFT JOIN forms f ON f.tenant_id = s.tenant_id AND f.form_id = s.form_id"
        )
        label = "MAX(f.name)" if by == "form" else "''"
        # Leads from chat, the API or an import have no form ('').
        only = " AND s.form_id <> ''" if by == "form" else ""
        sql = (
            f"SELECT {column}, {label} AS label, COUNT(DISTINCT p.person_id)"
            f"{base.format(joins=joins)}{only} GROUP BY {column}"
        )
        return _grouped(conn, sql, params, 1)
    if by == "owner":
        joins = " LEFT JOIN users u ON u.user_id = p.owner_id"
        sql = f"SELECT u.email, '' AS label, COUNT(*){base.format(joins=joins)} GROUP BY u.email"
        return _grouped(conn, sql, params, 1)
    if by == "lead_status":
        sql = (
            f"SELECT p.lead_status_id, '' AS label, COUNT(*){base.format(joins='')}"
            " GROUP BY p.lead_status_id"
        )
        return _named(conn, tenant_id, _grouped(conn, sql, params, 1), by)
    if by in ("category", "category_group"):
        joins = (
            " LEFT JOIN companies c ON c.tenant_id = p.tenant_id AND c.company_id = p.company_id"
        )
        column = "c.category_id"
        if by == "category_group":
            joins += (
                " LEFT JOIN categories k ON k.tenant_id = c.tenant_id"
                " AND k.category_id = c.category_id"
            )
            column = "k.group_id"
        sql = f"SELECT {column}, '' AS label, COUNT(*){base.format(joins=joins)} GROUP BY {column}"
        return _named(conn, tenant_id, _grouped(conn, sql, params, 1), by)
    raise people.BadQuery(f"No grouping {by!r} of persons.")


def _named(conn: Connection, tenant_id: str, groups: list[Group], by: str) -> list[Group]:
    """Labels of statuses, categories and groups (their ids are the keys)."""
    found = setup(conn, tenant_id)
    names: dict[str, str]
    if by == "lead_status":
        names = {s.status_id: s.name for s in found.statuses}
    elif by == "category":
        names = {c.category_id: c.name for c in found.categories}
    else:
        names = {g.group_id: g.name for g in found.groups}
    return [Group(g.key, names.get(g.key[0], g.key[0]), g.n) for g in groups]


def funnel(conn: Connection, tenant_id: str, query: PersonQuery) -> list[tuple[str, str, int, int]]:
    """The qualification funnel of the list's selection: for each lead status in the
    configured order (inactive ones too when someone had them), ``(status id, name, persons
    who ever entered it, persons in it now)``, from the status history."""
    where, params = people.person_selection(conn, tenant_id, query)
    reached = dict(
        conn.execute(
            "SELECT h.to_status_id, COUNT(DISTINCT p.person_id) FROM persons p"
            " JOIN lead_status_history h ON h.tenant_id = p.tenant_id"
            f" AND h.person_id = p.person_id WHERE {where} GROUP BY h.to_status_id",
            params,
        ).fetchall()
    )
    now = dict(
        conn.execute(
            f"SELECT p.lead_status_id, COUNT(*) FROM persons p WHERE {where}"
            " AND p.lead_status_id IS NOT NULL GROUP BY p.lead_status_id",
            params,
        ).fetchall()
    )
    return [
        (s.status_id, s.name, int(reached.get(s.status_id, 0)), int(now.get(s.status_id, 0)))
        for s in setup(conn, tenant_id).statuses
        if s.active or s.status_id in reached
    ]


def deals_by(
    conn: Connection, tenant_id: str, query: DealQuery, by: str, *, time_column: str = "created_at"
) -> list[Group]:
    """The deals of the list's selection by ``by`` and currency: how many, and the sum of
    their amounts. ``time_column``: the deal's time a bucket of ``day``/``month`` is of."""
    where, params = deal_where(tenant_id, query)
    joins = " LEFT JOIN persons p ON p.tenant_id = d.tenant_id AND p.person_id = d.person_id"
    if not by:
        columns: tuple[str, ...] = ()
    elif by in _TOUCH_COLUMNS and by.startswith("lead_creation"):
        columns = tuple(f"p.{c}" for c in _TOUCH_COLUMNS[by])
    elif by == "owner":
        joins += " LEFT JOIN users u ON u.user_id = d.owner_user_id"
        columns = ("u.email",)
    elif by in _TIME and time_column in ("created_at", "closed_at"):
        columns = (f"substr(d.{time_column}, 1, {_TIME[by]})",)
    else:
        raise people.BadQuery(f"No grouping {by!r} of deals.")
    keys = ", ".join((*columns, "d.currency"))
    rows = conn.execute(
        f"SELECT {keys}, COUNT(*), SUM(d.amount) FROM deals d{joins} WHERE {where} GROUP BY {keys}",
        params,
    ).fetchall()
    return _sums(rows, len(columns))


def _sums(rows: list[Any], width: int) -> list[Group]:
    """Groups of rows ``(key columns..., currency, count, sum)``."""
    return [
        Group(
            tuple(_text(row[i]) for i in range(width)),
            "",
            int(row[width + 1]),
            _text(row[width]),
            int(row[width + 2] or 0),
        )
        for row in rows
    ]


# -- from the kept daily counts (storage/reports/kept.py) -----------------------------------

# Grouping -> (the kept dimension, its key columns) of a person report.
_KEPT_TOUCH = {
    f"{t}_{f}": (dim, columns)
    for t, dim in (("lead_creation", "lc"), ("first_touch", "ft"))
    for f, columns in (
        ("source", ("k1",)),
        ("medium", ("k2",)),
        ("campaign", ("k3",)),
        ("channel", ("k4",)),
        ("source_medium", ("k1", "k2")),
    )
}  # fmt: skip
KEPT_PERSON_GROUPINGS = frozenset(
    {"", *_KEPT_TOUCH, "referring_site", "day", "month", "form", "via", "owner", "lead_status",
     "category", "category_group"}
)  # fmt: skip
KEPT_DEAL_GROUPINGS = frozenset(
    {"", "day", "month", *(k for k in _KEPT_TOUCH if k.startswith("lead_creation"))}
)


def _kept_grouped(
    conn: Connection,
    tenant_id: str,
    dim: str,
    first: str,
    last: str,
    columns: tuple[str, ...],
    *,
    joins: str = "",
    label: str = "''",
    where: str = "",
    params: tuple[Any, ...] = (),
) -> list[Group]:
    keys = ", ".join(columns)
    sql = (
        f"SELECT {keys}, {label} AS label, SUM(d.n) FROM person_days d{joins}"
        f" WHERE d.tenant_id = ? AND d.dim = ? AND d.day >= ? AND d.day <= ?{where}"
        f" GROUP BY {keys} HAVING SUM(d.n) <> 0"
    )
    return _grouped(conn, sql, [tenant_id, dim, first, last, *params], len(columns))


def kept_persons_by(
    conn: Connection, tenant_id: str, by: str, first: str, last: str, *, via: str | None = None
) -> list[Group]:
    """``persons_by`` of the persons created from ``first`` to ``last`` (days, inclusive),
    with no filter but, for one total, the way in (``via``), read from ``person_days``."""
    if not by:
        dim, where, params = (
            ("via", " AND d.k1 = ?", (via,)) if via is not None else ("lead", "", ())
        )
        row = conn.execute(
            "SELECT SUM(d.n) FROM person_days d WHERE d.tenant_id = ? AND d.dim = ?"
            f" AND d.day >= ? AND d.day <= ?{where}",
            (tenant_id, dim, first, last, *params),
        ).fetchone()
        return [Group((), "", int(row[0] or 0))]
    if by in _KEPT_TOUCH:
        dim, columns = _KEPT_TOUCH[by]
        return _kept_grouped(conn, tenant_id, dim, first, last, tuple(f"d.{c}" for c in columns))
    if by == "referring_site":
        return _kept_grouped(
            conn, tenant_id, "lc", first, last, ("d.k1",), where=" AND d.k2 = 'referral'"
        )
    if by in _TIME:
        bucket = f"substr(d.day, 1, {_TIME[by]})"
        return _kept_grouped(conn, tenant_id, "lead", first, last, (bucket,))
    if by == "form":
        joins = " LEFT JOIN forms f ON f.tenant_id = d.tenant_id AND f.form_id = d.k1"
        return _kept_grouped(
            conn, tenant_id, "form", first, last, ("d.k1",), joins=joins, label="MAX(f.name)"
        )
    if by == "via":
        return _kept_grouped(conn, tenant_id, "via", first, last, ("d.k1",))
    if by == "owner":
        joins = " LEFT JOIN users u ON u.user_id = d.k2"
        found = _kept_grouped(conn, tenant_id, "lead", first, last, ("u.email",), joins=joins)
        return _merged(found)
    if by == "lead_status":
        found = _kept_grouped(conn, tenant_id, "lead", first, last, ("d.k1",))
        return _named(conn, tenant_id, found, by)
    if by in ("category", "category_group"):
        found = _kept_grouped(conn, tenant_id, "lead", first, last, ("d.k3",))
        if by == "category_group":
            groups = {c.category_id: c.group_id for c in setup(conn, tenant_id).categories}
            found = _merged([Group((groups.get(g.key[0], ""),), "", g.n) for g in found])
        return _named(conn, tenant_id, found, by)
    raise people.BadQuery(f"No kept grouping {by!r} of persons.")


def _merged(groups: list[Group]) -> list[Group]:
    """Groups with the same key added up (owners without a user and without one at all)."""
    found: dict[tuple[str, ...], Group] = {}
    for g in groups:
        before = found.get(g.key)
        found[g.key] = g if before is None else Group(g.key, g.label, before.n + g.n)
    return list(found.values())


def kept_funnel(
    conn: Connection, tenant_id: str, first: str, last: str
) -> list[tuple[str, str, int, int]]:
    """``funnel`` of the persons created from ``first`` to ``last``, without filters."""
    reached = {
        g.key[0]: g.n for g in _kept_grouped(conn, tenant_id, "reached", first, last, ("d.k1",))
    }
    now = {g.key[0]: g.n for g in _kept_grouped(conn, tenant_id, "lead", first, last, ("d.k1",))}
    return [
        (s.status_id, s.name, reached.get(s.status_id, 0), now.get(s.status_id, 0))
        for s in setup(conn, tenant_id).statuses
        if s.active or s.status_id in reached
    ]


def kept_deals_by(
    conn: Connection, tenant_id: str, kind: str, by: str, first: str, last: str
) -> list[Group]:
    """``deals_by`` without filters, read from ``deal_days``: ``kind`` 'created' (every
    deal by its creation day), 'open' (by creation day) or 'won' (by close day)."""
    if not by:
        columns: tuple[str, ...] = ()
    elif by in _KEPT_TOUCH and by.startswith("lead_creation"):
        columns = tuple(f"d.{c}" for c in _KEPT_TOUCH[by][1])
    elif by in _TIME:
        columns = (f"substr(d.day, 1, {_TIME[by]})",)
    else:
        raise people.BadQuery(f"No kept grouping {by!r} of deals.")
    keys = ", ".join((*columns, "d.currency"))
    rows = conn.execute(
        f"SELECT {keys}, SUM(d.n), SUM(d.amount) FROM deal_days d"
        " WHERE d.tenant_id = ? AND d.kind = ? AND d.day >= ? AND d.day <= ?"
        f" GROUP BY {keys} HAVING SUM(d.n) <> 0",
        (tenant_id, kind, first, last),
    ).fetchall()
    return _sums(rows, len(columns))
