"""The persons and companies lists by lead fields: lead status, the company's category and
category group, and owner, as filters, sorts and group counts (``people.py`` holds the lists
themselves; this module adds what needs the tenant's lead setup to read).

Filters name a status, category or group by name (any case) or id, an owner by email; blank
or ``(none)`` is "without one". An unknown name is a ``BadQuery``: a misspelt status would
answer an empty list, as if nobody had it.

Sorts follow the configured order (the statuses' positions; groups, then categories within
them; owners by email), not ids or names. A copy of a status's position on each person
would go stale when an admin reorders, so no copy is kept: a sorted page walks the tenant's
statuses in their order, each one a range of ``(tenant_id, lead_status_id, person_id)``
(migration 0015) from the cursor on, until the page is full. A status, category, group or
member is a *segment*; the cursor is the segment's key and the last id, so a page costs a
few index probes (one per empty segment passed), and a reorder takes effect at once. Within
a segment rows go by id, which starts with the creation time (``reads.new_id``): oldest
first. Persons without one come last.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ingest.storage import Connection
from ingest.storage.lead_setup import Setup, setup

NONE = "(none)"
# The list's filter names -> what they name.
PERSON_LEAD_FILTERS = ("lead_status", "category", "category_group", "owner")
COMPANY_LEAD_FILTERS = ("category", "category_group", "owner")
# Sorts by segments (the lists' other sorts are one indexed column each).
PERSON_SEGMENT_SORTS = ("lead_status", "category", "category_group", "owner")
COMPANY_SEGMENT_SORTS = ("category", "category_group", "owner")
GROUPINGS = ("lead_status", "category", "category_group")
MAX_GROUPS = 500  # rows a count by group answers at most (statuses and categories are few)


def _bad(message: str) -> Exception:
    from ingest.storage.people import BadQuery

    return BadQuery(message)


def is_none(value: str) -> bool:
    return value.strip() in ("", NONE)


def _find(items: list[Any], id_attr: str, value: str, label: str) -> Any:
    wanted = value.strip()
    for item in items:
        if getattr(item, id_attr) == wanted:
            return item
    folded = wanted.casefold()
    for item in items:
        if item.name.casefold() == folded:
            return item
    raise _bad(f"No {label} {wanted!r}; name one of {', '.join(i.name for i in items)}.")


def _owner_ids(email: str) -> tuple[str, list[Any]]:
    # Users, not members: an owner who left the tenant still owns what they owned.
    return "SELECT ou.user_id FROM users ou WHERE ou.email = ?", [email.strip().lower()]


@dataclass(frozen=True)
class Condition:
    sql: str
    params: list[Any]


def _categories_of(found: Setup, group_id: str) -> list[str]:
    group = found.group(group_id)
    return [c.category_id for c in group.categories] if group else []


def _in(column: str, values: list[str]) -> Condition:
    if not values:
        return Condition("1 = 0", [])
    return Condition(f"{column} IN ({', '.join('?' for _ in values)})", list(values))


def _person_in_companies(tenant_id: str, inner: Condition) -> Condition:
    return Condition(
        "p.company_id IN (SELECT fc.company_id FROM companies fc WHERE fc.tenant_id = ?"
        f" AND {inner.sql.replace('c.category_id', 'fc.category_id')})",
        [tenant_id, *inner.params],
    )


_PERSON_NO_CATEGORY = Condition(
    "NOT EXISTS (SELECT 1 FROM companies nc WHERE nc.tenant_id = p.tenant_id"
    " AND nc.company_id = p.company_id AND nc.category_id IS NOT NULL)",
    [],
)


def _company_condition(found: Setup, name: str, value: str) -> Condition:
    """A category or group filter on companies (alias ``c``)."""
    if is_none(value):
        return Condition("c.category_id IS NULL", [])
    if name == "category":
        category = _find(found.categories, "category_id", value, "category")
        return Condition("c.category_id = ?", [category.category_id])
    group = _find(found.groups, "group_id", value, "category group")
    return _in("c.category_id", _categories_of(found, group.group_id))


def _owner_condition(alias: str, value: str) -> Condition:
    if is_none(value):
        return Condition(f"{alias}.owner_id IS NULL", [])
    sql, params = _owner_ids(value)
    return Condition(f"{alias}.owner_id IN ({sql})", params)


def person_conditions(
    conn: Connection, tenant_id: str, filters: dict[str, str]
) -> tuple[list[str], list[Any]]:
    """The WHERE parts (alias ``p``) of the persons list's lead filters, and their params."""
    found = setup(conn, tenant_id) if set(filters) - {"owner"} else None
    where: list[str] = []
    params: list[Any] = []
    for name, value in sorted(filters.items()):
        if name == "owner":
            cond = _owner_condition("p", value)
        elif name == "lead_status":
            assert found is not None
            if is_none(value):
                cond = Condition("p.lead_status_id IS NULL", [])
            else:
                status = _find(found.statuses, "status_id", value, "lead status")
                cond = Condition("p.lead_status_id = ?", [status.status_id])
        elif name in ("category", "category_group"):
            assert found is not None
            inner = _company_condition(found, name, value)
            cond = (
                _PERSON_NO_CATEGORY
                if inner.sql == "c.category_id IS NULL"
                else _person_in_companies(tenant_id, inner)
            )
        else:
            raise _bad(f"No filter {name!r}; lead filters are {', '.join(PERSON_LEAD_FILTERS)}.")
        where.append(cond.sql)
        params += cond.params
    return where, params


def reached_condition(conn: Connection, tenant_id: str, value: str) -> tuple[str, list[Any]]:
    """Persons (alias ``p``) who ever entered a status (named or by id), by its history:
    the qualification funnel's step."""
    status = _find(setup(conn, tenant_id).statuses, "status_id", value, "lead status")
    return (
        "EXISTS (SELECT 1 FROM lead_status_history rh WHERE rh.tenant_id = p.tenant_id"
        " AND rh.to_status_id = ? AND rh.person_id = p.person_id)",
        [status.status_id],
    )


def company_conditions(
    conn: Connection, tenant_id: str, filters: dict[str, str]
) -> tuple[list[str], list[Any]]:
    """The WHERE parts (alias ``c``) of the companies list's lead filters."""
    found = setup(conn, tenant_id) if set(filters) - {"owner"} else None
    where: list[str] = []
    params: list[Any] = []
    for name, value in sorted(filters.items()):
        if name == "owner":
            cond = _owner_condition("c", value)
        elif name in ("category", "category_group"):
            assert found is not None
            cond = _company_condition(found, name, value)
        else:
            raise _bad(f"No filter {name!r}; lead filters are {', '.join(COMPANY_LEAD_FILTERS)}.")
        where.append(cond.sql)
        params += cond.params
    return where, params


# -- sorts by segments -------------------------------------------------------------------


def _members(conn: Connection, tenant_id: str) -> list[str]:
    rows = conn.execute(
        "SELECT u.user_id FROM memberships m JOIN users u ON u.user_id = m.user_id"
        " WHERE m.tenant_id = ? ORDER BY u.email, u.user_id",
        (tenant_id,),
    ).fetchall()
    return [r[0] for r in rows]


def segments(conn: Connection, tenant_id: str, kind: str, sort: str) -> list[tuple[str, Condition]]:
    """The segments of a sort, in their order: (key, condition); the last one's key is ''
    (persons or companies without one)."""
    alias = "p" if kind == "persons" else "c"
    if sort == "owner":
        ids = _members(conn, tenant_id)
        found: list[tuple[str, Condition]] = [
            (uid, Condition(f"{alias}.owner_id = ?", [uid])) for uid in ids
        ]
        rest = _in(f"{alias}.owner_id", ids)
        other = f"{alias}.owner_id IS NULL" + (f" OR NOT {rest.sql}" if ids else "")
        return [*found, ("", Condition(f"({other})", rest.params if ids else []))]
    lead = setup(conn, tenant_id)
    if sort == "lead_status":
        by_status = [
            (s.status_id, Condition("p.lead_status_id = ?", [s.status_id])) for s in lead.statuses
        ]
        return [*by_status, ("", Condition("p.lead_status_id IS NULL", []))]
    if sort == "category":
        keyed = [(c.category_id, Condition("c.category_id = ?", [c.category_id]))
                 for c in lead.categories]  # fmt: skip
    else:
        keyed = [
            (g.group_id, _in("c.category_id", _categories_of(lead, g.group_id)))
            for g in lead.groups
            if g.categories
        ]
    keyed.append(("", Condition("c.category_id IS NULL", [])))
    if kind == "companies":
        return keyed
    return [
        (key, _PERSON_NO_CATEGORY if not key else _person_in_companies(tenant_id, cond))
        for key, cond in keyed
    ]


def walk(
    conn: Connection,
    tenant_id: str,
    *,
    kind: str,
    sort: str,
    descending: bool,
    where: str,
    params: list[Any],
    after: tuple[str, str] | None,
    count: int,
) -> list[tuple[str, str]]:
    """Up to ``count`` (id, segment key) of the selection ``where`` in the sort's order,
    after the cursor's (segment key, id)."""
    table, alias, id_column = (
        ("persons", "p", "person_id") if kind == "persons" else ("companies", "c", "company_id")
    )
    ordered = segments(conn, tenant_id, kind, sort)
    if descending:
        ordered.reverse()
    start = 0
    if after is not None:
        keys = [key for key, _ in ordered]
        if after[0] not in keys:
            raise _bad("cursor is not one this list gave (or its owner left).")
        start = keys.index(after[0])
    direction, op = ("DESC", "<") if descending else ("ASC", ">")
    found: list[tuple[str, str]] = []
    for index in range(start, len(ordered)):
        key, cond = ordered[index]
        keyset, keyset_params = "", []
        if after is not None and index == start:
            keyset, keyset_params = f" AND {alias}.{id_column} {op} ?", [after[1]]
        rows = conn.execute(
            f"SELECT {alias}.{id_column} FROM {table} {alias} WHERE {where} AND {cond.sql}"
            f"{keyset} ORDER BY {alias}.{id_column} {direction} LIMIT ?",
            (*params, *cond.params, *keyset_params, count - len(found)),
        ).fetchall()
        found += [(row[0], key) for row in rows]
        if len(found) >= count:
            break
    return found


# -- counts by group ---------------------------------------------------------------------


@dataclass(frozen=True)
class GroupCount:
    key: str  # the status, category or group id; '' for none
    label: str
    count: int


def person_groups(
    conn: Connection, tenant_id: str, by: str, where: str, params: list[Any]
) -> list[GroupCount]:
    """How many persons of the selection ``where`` each status, category or category group
    has, in the configured order, those with none last; groups without persons left out."""
    if by not in GROUPINGS:
        raise _bad(f"group must be one of {', '.join(GROUPINGS)}.")
    if by == "lead_status":
        sql = (
            f"SELECT p.lead_status_id, COUNT(*) FROM persons p WHERE {where}"
            " GROUP BY p.lead_status_id LIMIT ?"
        )
    else:
        sql = (
            "SELECT gc.category_id, COUNT(*) FROM persons p LEFT JOIN companies gc"
            " ON gc.tenant_id = p.tenant_id AND gc.company_id = p.company_id"
            f" WHERE {where} GROUP BY gc.category_id LIMIT ?"
        )
    counts: dict[str, int] = {}
    for row in conn.execute(sql, (*params, MAX_GROUPS)).fetchall():
        counts[row[0] or ""] = counts.get(row[0] or "", 0) + row[1]
    lead = setup(conn, tenant_id)
    if by == "lead_status":
        named = [(s.status_id, s.name) for s in lead.statuses]
    elif by == "category":
        named = [(c.category_id, c.name) for c in lead.categories]
    else:
        by_group: dict[str, int] = {}
        for category_id, n in counts.items():
            category = lead.category(category_id)
            group_id = category.group_id if category else ""
            by_group[group_id] = by_group.get(group_id, 0) + n
        counts = by_group
        named = [(g.group_id, g.name) for g in lead.groups]
    found = [GroupCount(key, name, counts[key]) for key, name in named if counts.get(key)]
    if counts.get(""):
        found.append(GroupCount("", "None", counts[""]))
    return found
