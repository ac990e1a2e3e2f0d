"""Kept daily counts for the dashboards' reports (``person_days`` and ``deal_days``,
migration 0026), so a default tile is a sum over the period's days, not a pass over every
person or deal of the period (at a million persons a year-to-date pass took 0.1-2.3 s).

``person_days`` counts persons by the UTC day they were created and one of these keys:

- ``lead``: (lead status, owner, company's category), '' for none: every person once, so
  its sum is the period's new persons, and its keys give leads by status, owner, category
  (and category group, which is read from the category) and the funnel's "in it now";
- ``lc`` / ``ft``: (source, medium, campaign, channel) of lead creation / first touch;
- ``via`` / ``form``: a way in or form the person has at least one submission by (a person
  with two is in two rows);
- ``reached``: a lead status the person's history ever entered (the funnel).

``deal_days`` counts deals and sums their amounts per currency, by the person's lead
creation (source, medium, campaign, channel; '' for a deal without a person): ``created``
every deal by its creation day, ``open`` the open ones by creation day (the pipeline),
``won`` the won ones by their close day.

Every statement that changes what a row counts moves it in the same transaction: the
submission job (``new_person``, ``new_way``), a lead's status, owner and company
(``lead_of`` before and after, ``move_lead``), a company's category (``category_changed``),
a status history row (``reached``), a deal's insert and update (``deal_changed``) and an
erasure (``forget_person``). A new person's rows (``new_person``, every submission job's) are
gathered by the transaction and written once before its COMMIT (``storage/pending.py``): on
SQLite the writer's group of jobs mostly adds to the same few rows; on PostgreSQL their
locks are held for the COMMIT alone.
``recount`` makes a tenant's again from the raw rows (after ``migrate-data``, or after a
test's direct SQL), and ``tests/test_report_days.py`` checks kept equals recounted after
every kind of change, and that each report read from here equals the same report counted
from the lists. Explicit upserts, no triggers (see ``ingest/storage/lead_counts.py``); on
PostgreSQL each call writes one of ``SLOTS`` rows at random, so concurrent submissions
rarely wait on one row's lock; a count is the sum of its slots.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from typing import Any

from ingest.storage import POSTGRES, Connection, dialect_of_connection, pending

SLOTS = 8
LEAD, LC, FT, VIA, FORM, REACHED = "lead", "lc", "ft", "via", "form", "reached"
PERSON_DAYS = "person_days"  # what this module gathers (storage/pending.py)
CREATED, OPEN, WON = "created", "open", "won"

Keys = tuple[str, str, str, str]
NO_KEYS: Keys = ("", "", "", "")
PersonRow = tuple[str, str, Keys, int]  # (dim, day, keys, n)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _slot(conn: Connection) -> int:
    return random.randrange(SLOTS) if dialect_of_connection(conn) == POSTGRES else 0


# -- persons -------------------------------------------------------------------------------


def add_persons(conn: Connection, tenant_id: str, rows: Iterable[PersonRow]) -> None:
    """Add ``n`` to each (dim, day, keys) of ``rows`` in one statement (rows that cancel out
    are left out; in key order, so two transactions lock shared rows in the same order)."""
    merged: Counter[tuple[str, str, Keys]] = Counter()
    for dim, day, keys, n in rows:
        merged[(dim, day, keys)] += n
    _upsert(conn, tenant_id, [(*key, n) for key, n in sorted(merged.items()) if n])


_UPSERTS: dict[int, str] = {}


def _upsert(conn: Connection, tenant_id: str, rows: list[PersonRow]) -> None:
    """``rows``: distinct keys, in key order."""
    if not rows:
        return
    sql = _UPSERTS.get(len(rows))
    if sql is None:
        sql = _UPSERTS[len(rows)] = (
            "INSERT INTO person_days (tenant_id, dim, day, k1, k2, k3, k4, slot, n) VALUES "
            + ", ".join("(?, ?, ?, ?, ?, ?, ?, ?, ?)" for _ in rows)
            + " ON CONFLICT (tenant_id, dim, day, k1, k2, k3, k4, slot)"
            " DO UPDATE SET n = person_days.n + excluded.n"
        )
    slot = _slot(conn)
    params: list[Any] = []
    for dim, day, keys, n in rows:
        params += (tenant_id, dim, day, *keys, slot, n)
    conn.execute(sql, params)


def category_of(conn: Connection, tenant_id: str, company_id: str | None) -> str:
    if company_id is None:
        return ""
    row = conn.execute(
        "SELECT category_id FROM companies WHERE tenant_id = ? AND company_id = ?",
        (tenant_id, company_id),
    ).fetchone()
    return _text(row[0]) if row is not None else ""


def new_person(
    conn: Connection,
    tenant_id: str,
    *,
    day: str,
    status: str | None,
    category: str,
    first_touch: Keys,  # person_keys.touch_keys(): '' for none
    lead_creation: Keys,
    via: str,
    form_id: str,
) -> None:
    """A person the submission job just created, with their first submission's way in and
    form (a new person has no other), their company's ``category`` and their first lead
    status, reached (its history row's ``kept.reached`` is skipped: ``leads.started``)."""
    # In key order (the dimensions' names sort so: form, ft, lc, lead, reached, via), one
    # row each: no merge needed (this runs for every new person).
    rows: list[PersonRow] = []
    if form_id:
        rows.append((FORM, day, (form_id, "", "", ""), 1))
    rows.append((FT, day, first_touch, 1))
    rows.append((LC, day, lead_creation, 1))
    rows.append((LEAD, day, (_text(status), "", category, ""), 1))
    if status is not None:
        rows.append((REACHED, day, (status, "", "", ""), 1))
    rows.append((VIA, day, (via, "", "", ""), 1))
    # Written once, just before COMMIT: on SQLite the transaction's jobs add to the same
    # rows; on PostgreSQL concurrent submissions do, and wait for each other's row locks
    # only through the COMMIT.
    for dim, day_, keys, n in rows:
        pending.add(conn, PERSON_DAYS, (tenant_id, dim, day_, keys), n)


def _write_gathered(conn: Connection, gathered: pending.Gathered) -> None:
    """A transaction's gathered ``new_person`` rows, an upsert per tenant."""
    for tenant_id, rows in pending.by_tenant(gathered).items():
        for start in range(0, len(rows), 100):  # bounded statements
            _upsert(conn, tenant_id, rows[start : start + 100])


pending.writers[PERSON_DAYS] = _write_gathered


def _keys(values: Iterable[Any]) -> Keys:
    a, b, c, d = (_text(v) for v in values)
    return (a, b, c, d)


def new_way(conn: Connection, tenant_id: str, person_id: str, via: str, form_id: str) -> None:
    """A known person's submission, before it is inserted: counted under its way in and form
    when the person has none by them yet. Form before way in, one slot: the order and rows
    ``add_persons`` locks them in, so two transactions never wait on each other in a ring."""
    slot = _slot(conn)
    for dim, column, value in ((FORM, "form_id", form_id), (VIA, "via", via)):
        if not value:
            continue
        conn.execute(
            "INSERT INTO person_days (tenant_id, dim, day, k1, k2, k3, k4, slot, n)"
            " SELECT p.tenant_id, ?, substr(p.created_at, 1, 10), ?, '', '', '', ?, 1"
            " FROM persons p WHERE p.tenant_id = ? AND p.person_id = ? AND NOT EXISTS"
            f" (SELECT 1 FROM submissions s WHERE s.tenant_id = p.tenant_id"
            f" AND s.person_id = p.person_id AND s.{column} = ?)"
            " ON CONFLICT (tenant_id, dim, day, k1, k2, k3, k4, slot)"
            " DO UPDATE SET n = person_days.n + excluded.n",
            (dim, value, slot, tenant_id, person_id, value),
        )


def reached(conn: Connection, tenant_id: str, person_id: str, status_id: str) -> None:
    """Before a status history row into ``status_id`` is inserted: counted when the person's
    history never entered it."""
    conn.execute(
        "INSERT INTO person_days (tenant_id, dim, day, k1, k2, k3, k4, slot, n)"
        " SELECT p.tenant_id, ?, substr(p.created_at, 1, 10), ?, '', '', '', ?, 1"
        " FROM persons p WHERE p.tenant_id = ? AND p.person_id = ? AND NOT EXISTS"
        " (SELECT 1 FROM lead_status_history h WHERE h.tenant_id = p.tenant_id"
        " AND h.person_id = p.person_id AND h.to_status_id = ?)"
        " ON CONFLICT (tenant_id, dim, day, k1, k2, k3, k4, slot)"
        " DO UPDATE SET n = person_days.n + excluded.n",
        (REACHED, status_id, _slot(conn), tenant_id, person_id, status_id),
    )


Lead = tuple[str, Keys]  # (day, (status, owner, category, ''))


def lead_of(conn: Connection, tenant_id: str, person_id: str) -> Lead | None:
    """A person's ``lead`` row now (None for no such person): read before and after a change
    of their status, owner or company, for ``move_lead``."""
    row = conn.execute(
        "SELECT p.created_at, p.lead_status_id, p.owner_id, c.category_id FROM persons p"
        " LEFT JOIN companies c ON c.tenant_id = p.tenant_id AND c.company_id = p.company_id"
        " WHERE p.tenant_id = ? AND p.person_id = ?",
        (tenant_id, person_id),
    ).fetchone()
    if row is None:
        return None
    return (row[0][:10], (_text(row[1]), _text(row[2]), _text(row[3]), ""))


_SAME: Any = object()


def with_lead(lead: Lead | None, *, status: Any = _SAME, owner: Any = _SAME) -> Lead | None:
    """``lead`` (a ``lead_of``) with its status or owner changed, as ``lead_of`` would read it
    after the change (None stays None: no such person)."""
    if lead is None:
        return None
    day, (old_status, old_owner, category, k4) = lead
    return (
        day,
        (
            old_status if status is _SAME else _text(status),
            old_owner if owner is _SAME else _text(owner),
            category,
            k4,
        ),
    )


def move_lead(conn: Connection, tenant_id: str, before: Lead | None, after: Lead | None) -> None:
    if before == after:
        return
    rows = []
    if before is not None:
        rows.append((LEAD, before[0], before[1], -1))
    if after is not None:
        rows.append((LEAD, after[0], after[1], 1))
    add_persons(conn, tenant_id, rows)


def category_changed(
    conn: Connection, tenant_id: str, company_id: str, old: str | None, new: str | None
) -> None:
    """The company's category changed from ``old`` to ``new``: its persons move."""
    if _text(old) == _text(new):
        return
    found = conn.execute(
        "SELECT substr(created_at, 1, 10), lead_status_id, owner_id, COUNT(*) FROM persons"
        " WHERE tenant_id = ? AND company_id = ?"
        " GROUP BY substr(created_at, 1, 10), lead_status_id, owner_id",
        (tenant_id, company_id),
    ).fetchall()
    rows = []
    for day, status, owner, n in found:
        rows.append((LEAD, day, (_text(status), _text(owner), _text(old), ""), -int(n)))
        rows.append((LEAD, day, (_text(status), _text(owner), _text(new), ""), int(n)))
    add_persons(conn, tenant_id, rows)


# -- deals ---------------------------------------------------------------------------------

_DEAL_READ = (
    "SELECT d.status, d.created_at, d.closed_at, d.currency, d.amount, p.lc_source,"
    " p.lc_medium, p.lc_campaign, p.lc_channel FROM deals d"
    " LEFT JOIN persons p ON p.tenant_id = d.tenant_id AND p.person_id = d.person_id"
    " WHERE d.tenant_id = ?"
)

Deal = list[tuple[str, str, Keys, str, int]]  # (kind, day, keys, currency, amount)


def _deal_rows(row: Any, keys: Keys | None = None) -> Deal:
    status, created, closed, currency, amount = row[0], row[1], row[2], row[3], row[4]
    touch = keys if keys is not None else _keys(row[5:9])
    money = int(amount or 0)
    found = [(CREATED, created[:10], touch, _text(currency), money)]
    if status == "open":
        found.append((OPEN, created[:10], touch, _text(currency), money))
    if status == "won" and closed:
        found.append((WON, closed[:10], touch, _text(currency), money))
    return found


def deal_of(conn: Connection, tenant_id: str, deal_id: str) -> Deal:
    """What a deal counts now (nothing for no such deal): read before and after it changes,
    for ``deal_changed``."""
    row = conn.execute(f"{_DEAL_READ} AND d.deal_id = ?", (tenant_id, deal_id)).fetchone()
    return [] if row is None else _deal_rows(row)


def deal_changed(conn: Connection, tenant_id: str, before: Deal, after: Deal) -> None:
    if before == after:
        return
    merged: Counter[tuple[str, str, Keys, str]] = Counter()
    amounts: Counter[tuple[str, str, Keys, str]] = Counter()
    for sign, rows in ((-1, before), (1, after)):
        for kind, day, keys, currency, amount in rows:
            merged[(kind, day, keys, currency)] += sign
            amounts[(kind, day, keys, currency)] += sign * amount
    found = sorted(k for k in merged if merged[k] or amounts[k])
    if not found:
        return
    slot = _slot(conn)
    conn.execute(
        "INSERT INTO deal_days (tenant_id, kind, day, k1, k2, k3, k4, currency, slot, n,"
        " amount) VALUES "
        + ", ".join("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" for _ in found)
        + " ON CONFLICT (tenant_id, kind, day, k1, k2, k3, k4, currency, slot) DO UPDATE"
        " SET n = deal_days.n + excluded.n, amount = deal_days.amount + excluded.amount",
        [
            v
            for key in found
            for v in (tenant_id, key[0], key[1], *key[2], key[3], slot, merged[key], amounts[key])
        ],
    )


# -- erasure -------------------------------------------------------------------------------


def forget_person(conn: Connection, tenant_id: str, person_id: str) -> None:
    """Before an erasure deletes anything of the person: everything they count leaves, and
    their deals (which stay) count under no lead creation."""
    lead = lead_of(conn, tenant_id, person_id)
    if lead is None:
        return
    day = lead[0]
    row = conn.execute(
        "SELECT lc_source, lc_medium, lc_campaign, lc_channel, ft_source, ft_medium,"
        " ft_campaign, ft_channel FROM persons WHERE tenant_id = ? AND person_id = ?",
        (tenant_id, person_id),
    ).fetchone()
    rows = [
        (LEAD, day, lead[1], -1),
        (LC, day, _keys(row[0:4]), -1),
        (FT, day, _keys(row[4:8]), -1),
    ]
    for dim, sql in (
        (VIA, "SELECT DISTINCT via FROM submissions WHERE tenant_id = ? AND person_id = ?"),
        (
            FORM,
            "SELECT DISTINCT form_id FROM submissions WHERE tenant_id = ? AND person_id = ?"
            " AND form_id <> ''",
        ),
        (
            REACHED,
            "SELECT DISTINCT to_status_id FROM lead_status_history"
            " WHERE tenant_id = ? AND person_id = ? AND to_status_id IS NOT NULL",
        ),
    ):
        for (value,) in conn.execute(sql, (tenant_id, person_id)).fetchall():
            rows.append((dim, day, (_text(value), "", "", ""), -1))
    add_persons(conn, tenant_id, rows)
    deals = conn.execute(f"{_DEAL_READ} AND d.person_id = ?", (tenant_id, person_id)).fetchall()
    for deal in deals:
        deal_changed(conn, tenant_id, _deal_rows(deal), _deal_rows(deal, NO_KEYS))


# -- made again from the raw rows ------------------------------------------------------------

_DAY = "substr(p.created_at, 1, 10)"
_TOUCH = "COALESCE(p.{0}_source, ''), COALESCE(p.{0}_medium, ''), COALESCE(p.{0}_campaign, ''),"
_TOUCH += " COALESCE(p.{0}_channel, '')"
_INTO_PERSONS = "INSERT INTO person_days (tenant_id, dim, day, k1, k2, k3, k4, slot, n) "
_INTO_DEALS = (
    "INSERT INTO deal_days (tenant_id, kind, day, k1, k2, k3, k4, currency, slot, n, amount) "
)


def fill_statements(where: str) -> list[str]:
    """The statements that count everything from the raw rows; ``where``: a condition on
    ``p.tenant_id`` (persons) that the deals' statements apply to ``d.tenant_id``."""
    on = "{t}.tenant_id = p.tenant_id AND {t}.person_id = p.person_id"
    persons = [
        f"SELECT p.tenant_id, '{LEAD}', {_DAY}, COALESCE(p.lead_status_id, ''),"
        " COALESCE(p.owner_id, ''), COALESCE(c.category_id, ''), '', 0, COUNT(*) FROM persons p"
        " LEFT JOIN companies c ON c.tenant_id = p.tenant_id AND c.company_id = p.company_id"
        f" WHERE {where} GROUP BY p.tenant_id, {_DAY}, COALESCE(p.lead_status_id, ''),"
        " COALESCE(p.owner_id, ''), COALESCE(c.category_id, '')",
        *(
            f"SELECT p.tenant_id, '{dim}', {_DAY}, {_TOUCH.format(dim)}, 0, COUNT(*)"
            f" FROM persons p WHERE {where} GROUP BY p.tenant_id, {_DAY}, {_TOUCH.format(dim)}"
            for dim in (LC, FT)
        ),
        f"SELECT p.tenant_id, '{VIA}', {_DAY}, s.via, '', '', '', 0, COUNT(DISTINCT p.person_id)"
        f" FROM persons p JOIN submissions s ON {on.format(t='s')} WHERE {where}"
        f" GROUP BY p.tenant_id, {_DAY}, s.via",
        f"SELECT p.tenant_id, '{FORM}', {_DAY}, s.form_id, '', '', '', 0,"
        f" COUNT(DISTINCT p.person_id) FROM persons p JOIN submissions s ON {on.format(t='s')}"
        f" WHERE {where} AND s.form_id <> '' GROUP BY p.tenant_id, {_DAY}, s.form_id",
        f"SELECT p.tenant_id, '{REACHED}', {_DAY}, h.to_status_id, '', '', '', 0,"
        f" COUNT(DISTINCT p.person_id) FROM persons p"
        f" JOIN lead_status_history h ON {on.format(t='h')} WHERE {where}"
        f" AND h.to_status_id IS NOT NULL GROUP BY p.tenant_id, {_DAY}, h.to_status_id",
    ]
    deal_where = where.replace("p.tenant_id", "d.tenant_id")
    deals = []
    for kind, time, condition in (
        (CREATED, "created_at", ""),
        (OPEN, "created_at", " AND d.status = 'open'"),
        (WON, "closed_at", " AND d.status = 'won' AND d.closed_at IS NOT NULL"),
    ):
        day = f"substr(d.{time}, 1, 10)"
        keys = f"{_TOUCH.format(LC)}, COALESCE(d.currency, '')"
        deals.append(
            f"SELECT d.tenant_id, '{kind}', {day}, {keys}, 0, COUNT(*),"
            " SUM(COALESCE(d.amount, 0)) FROM deals d LEFT JOIN persons p"
            " ON p.tenant_id = d.tenant_id AND p.person_id = d.person_id"
            f" WHERE {deal_where}{condition} GROUP BY d.tenant_id, {day}, {keys}"
        )
    return [_INTO_PERSONS + s for s in persons] + [_INTO_DEALS + s for s in deals]


def recount(conn: Connection, tenant_id: str) -> None:
    """The tenant's kept counts made again from its persons, submissions, status history
    and deals."""
    pending.flush(conn)  # what this transaction gathered is in the rows it replaces
    conn.execute("DELETE FROM person_days WHERE tenant_id = ?", (tenant_id,))
    conn.execute("DELETE FROM deal_days WHERE tenant_id = ?", (tenant_id,))
    for statement in fill_statements("p.tenant_id = ?"):
        conn.execute(statement, (tenant_id,))
