"""Kept daily counts of the campaign pages (``campaign_counts``, migration 0027): per
utm_campaign value and UTC day, the measures that are sums over days, so a page's numbers
for a period are a sum of the period's rows, not a pass over every session, person and deal
of the campaign (2 to 6 s a page at 1,000,000 persons).

A row is one measure (``MEASURES``) of one value on one day, split where a page needs the
split: sessions by the session's source / medium (``n`` sessions, their ``views`` and
``new_visitors``, by the session's start); deals by their person's first touch or lead
creation, by the deal's creation; won deals by the same, per currency (``amount`` in
cents), by the deal's close. Values '' (no campaign) are not kept: no campaign owns them.

Every statement that changes what is counted moves the count in the same transaction, with
one upsert: a session's start and each page view it stores (``storage/visits.py``), a
deal's creation and each
change of its status, amount or close (``domain/deals.py``), erasure's deletes
(``storage/footprints.py``) and retention's (``storage/visits.delete_older``). ``recount``
rebuilds a tenant's from the raw rows (migration 0027, ``migrate-data`` after a copy), and
``tests/test_campaign_counts.py`` checks the kept rows equal a recount after every kind of
change. Explicit statements, not triggers, as ``lead_counts`` (a trigger on SQLite costs an
insert about 100 us).

New contacts by first touch and lead creation are the reports' kept counts of persons by
creation day (``person_days``, ``storage/reports/kept.py``), whose first-touch and
lead-creation rows carry the campaign: kept once for both. Persons influenced (distinct
persons over the period) are not a sum over days: they stay a
count over ``person_campaign_days`` (``storage/campaigns.influenced``).

On PostgreSQL each statement counts into one of ``SLOTS`` rows chosen at random, so
concurrent page views and submissions of one campaign rarely wait on one row's lock; a
count is the sum of the slots. SQLite has one writer and uses slot 0.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

from ingest.storage import POSTGRES, Connection, dialect_of_connection

SLOTS = 8
SESSIONS = "sessions"
TOUCHES = ("first_touch", "lead_creation")  # storage/campaigns.FIRST_TOUCH, LEAD_CREATION


def contacts(touch: str) -> str:
    return f"contacts:{touch}"


def deals(touch: str) -> str:
    return f"deals:{touch}"


def won(touch: str) -> str:
    return f"won:{touch}"


MEASURES = (SESSIONS, *(f(t) for f in (contacts, deals, won) for t in TOUCHES))
KEY = "tenant_id, campaign, measure, day, source, medium, currency, slot"
NUMBERS = ("n", "views", "new_visitors", "amount")

# (campaign, measure, day, source, medium, currency) -> (n, views, new_visitors, amount)
Key = tuple[str, str, str, str, str, str]
Numbers = tuple[int, int, int, int]


def add(conn: Connection, tenant_id: str, rows: Iterable[tuple[Key, Numbers]]) -> None:
    """Move the counts by ``rows`` (negative to take away), in one statement; rows of no
    campaign or moving nothing are left out."""
    merged: dict[Key, list[int]] = {}
    for key, numbers in rows:
        if not key[0]:
            continue
        kept = merged.setdefault(key, [0, 0, 0, 0])
        for i, number in enumerate(numbers):
            kept[i] += number
    # In key order: two transactions moving the same rows (a deal's close moved one way in
    # one, another's the other way) lock them in the same order, so neither waits on the
    # other for ever (PostgreSQL).
    found = [(key, numbers) for key, numbers in sorted(merged.items()) if any(numbers)]
    if not found:
        return
    slot = random.randrange(SLOTS) if dialect_of_connection(conn) == POSTGRES else 0
    marks = ", ".join("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" for _ in found)
    params: list[Any] = []
    for key, numbers in found:
        params += [tenant_id, *key, slot, *numbers]
    conn.execute(
        f"INSERT INTO campaign_counts ({KEY}, {', '.join(NUMBERS)}) VALUES {marks}"
        f" ON CONFLICT ({KEY}) DO UPDATE SET "
        + ", ".join(f"{n} = campaign_counts.{n} + excluded.{n}" for n in NUMBERS),
        params,
    )


# -- sessions ------------------------------------------------------------------------------


def session_key(campaign: str | None, started_at: str, source: Any, medium: Any) -> Key:
    return (campaign or "", SESSIONS, started_at[:10], source or "", medium or "", "")


def add_session(
    conn: Connection, tenant_id: str, key: Key, *, sessions: int, views: int, new_visitors: int
) -> None:
    """A session started (``sessions`` 1, its first view, whether a new visitor's) or a page
    view joined it (``views`` 1): ``key`` is its ``session_key``."""
    add(conn, tenant_id, [(key, (sessions, views, new_visitors, 0))])


def forget_sessions(conn: Connection, tenant_id: str, where: str, params: list[Any]) -> None:
    """Before sessions are deleted (erasure, retention): take away the counts of the
    tenant's sessions ``where`` selects (a condition on ``sessions``)."""
    rows = conn.execute(
        "SELECT campaign, started_at, source, medium, COUNT(*), SUM(views), SUM(is_new_visitor)"
        f" FROM (SELECT campaign, substr(started_at, 1, 10) AS started_at,"
        " COALESCE(source, '') AS source, COALESCE(medium, '') AS medium, views, is_new_visitor"
        f" FROM sessions WHERE tenant_id = ? AND campaign > '' AND {where}) s"
        " GROUP BY campaign, started_at, source, medium",
        [tenant_id, *params],
    ).fetchall()
    add(
        conn,
        tenant_id,
        [
            (session_key(r[0], r[1], r[2], r[3]), (-int(r[4]), -int(r[5]), -int(r[6]), 0))
            for r in rows
        ],
    )


# -- persons and their deals ---------------------------------------------------------------


_DEAL = (
    "SELECT p.ft_campaign, p.lc_campaign, d.created_at, d.status, d.closed_at, d.currency,"
    " d.amount FROM deals d JOIN persons p ON p.tenant_id = d.tenant_id"
    " AND p.person_id = d.person_id WHERE d.tenant_id = ?"
)


def deal_of(conn: Connection, tenant_id: str, deal_id: str) -> tuple[Any, ...] | None:
    """What a deal counts in now (its person's campaigns, times, status, currency, amount),
    or None (no such deal, or no person)."""
    row = conn.execute(f"{_DEAL} AND d.deal_id = ?", (tenant_id, deal_id)).fetchone()
    return None if row is None else tuple(row)


def deal_rows(deal: tuple[Any, ...] | None, sign: int) -> list[tuple[Key, Numbers]]:
    if deal is None:
        return []
    ft_campaign, lc_campaign, created_at, status, closed_at, currency, amount = deal
    rows: list[tuple[Key, Numbers]] = []
    for touch, campaign in zip(TOUCHES, (ft_campaign, lc_campaign), strict=True):
        rows.append(((campaign or "", deals(touch), created_at[:10], "", "", ""), (sign, 0, 0, 0)))
        if status == "won" and closed_at:
            rows.append(
                (
                    (campaign or "", won(touch), closed_at[:10], "", "", currency),
                    (sign, 0, 0, sign * int(amount)),
                )
            )
    return rows


def move_deal(
    conn: Connection, tenant_id: str, before: tuple[Any, ...] | None, after: tuple[Any, ...] | None
) -> None:
    """A deal created (``before`` None) or changed: its counts moved from ``before`` to
    ``after`` (``deal_of`` each)."""
    if before != after:
        add(conn, tenant_id, [*deal_rows(before, -1), *deal_rows(after, 1)])


def forget_person(conn: Connection, tenant_id: str, person_id: str) -> None:
    """Before a person is deleted (erasure): their new-contact rows, and their deals' (which
    stay without them, so count for no campaign), taken away."""
    rows: list[tuple[Key, Numbers]] = []
    for deal in conn.execute(f"{_DEAL} AND d.person_id = ?", (tenant_id, person_id)):
        rows += deal_rows(tuple(deal), -1)
    add(conn, tenant_id, rows)


# -- recount -------------------------------------------------------------------------------

_INSERT = f"INSERT INTO campaign_counts ({KEY}, {', '.join(NUMBERS)})"
_DEALS = (
    " FROM deals d JOIN persons p ON p.tenant_id = d.tenant_id AND p.person_id = d.person_id"
    " WHERE d.tenant_id = ?"
)


def recount(conn: Connection, tenant_id: str) -> None:
    """The tenant's counts made again from its sessions, persons and deals."""
    conn.execute("DELETE FROM campaign_counts WHERE tenant_id = ?", (tenant_id,))
    conn.execute(
        f"{_INSERT} SELECT tenant_id, campaign, '{SESSIONS}', substr(started_at, 1, 10),"
        " COALESCE(source, ''), COALESCE(medium, ''), '', 0, COUNT(*), SUM(views),"
        " SUM(is_new_visitor), 0 FROM sessions WHERE tenant_id = ? AND campaign > ''"
        " GROUP BY tenant_id, campaign, substr(started_at, 1, 10), COALESCE(source, ''),"
        " COALESCE(medium, '')",
        (tenant_id,),
    )
    for touch, column in zip(TOUCHES, ("p.ft_campaign", "p.lc_campaign"), strict=True):
        conn.execute(
            f"{_INSERT} SELECT d.tenant_id, {column}, '{deals(touch)}',"
            f" substr(d.created_at, 1, 10), '', '', '', 0, COUNT(*), 0, 0, 0{_DEALS}"
            f" AND {column} > '' GROUP BY d.tenant_id, {column}, substr(d.created_at, 1, 10)",
            (tenant_id,),
        )
        conn.execute(
            f"{_INSERT} SELECT d.tenant_id, {column}, '{won(touch)}',"
            " substr(d.closed_at, 1, 10), '', '', d.currency, 0, COUNT(*), 0, 0, SUM(d.amount)"
            f"{_DEALS} AND {column} > '' AND d.status = 'won' AND d.closed_at IS NOT NULL"
            f" GROUP BY d.tenant_id, {column}, substr(d.closed_at, 1, 10), d.currency",
            (tenant_id,),
        )


def differences(conn: Connection, tenant_id: str) -> list[tuple[Any, ...]]:
    """The kept counts against the raw rows': each (key without slot, kept, recounted) that
    differ, summed over slots; [] when they agree. Recounts into the open transaction and
    rolls nothing back: for tests and checks on a copy."""
    kept = _summed(conn, tenant_id)
    recount(conn, tenant_id)
    again = _summed(conn, tenant_id)
    return [
        (key, kept.get(key), again.get(key))
        for key in sorted(kept.keys() | again.keys())
        if kept.get(key) != again.get(key)
    ]


def _summed(conn: Connection, tenant_id: str) -> dict[tuple[Any, ...], tuple[int, ...]]:
    rows = conn.execute(
        "SELECT campaign, measure, day, source, medium, currency, SUM(n), SUM(views),"
        " SUM(new_visitors), SUM(amount) FROM campaign_counts WHERE tenant_id = ?"
        " GROUP BY campaign, measure, day, source, medium, currency",
        (tenant_id,),
    ).fetchall()
    return {tuple(r[:6]): tuple(int(x) for x in r[6:]) for r in rows if any(int(x) for x in r[6:])}
