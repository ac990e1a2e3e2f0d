"""Kept reach of the campaign pages' influenced contacts (``campaign_reach``, migration 0028):
how many distinct persons a campaign reached in any period, as a sum over the period's days
rather than a distinct count over every reach row (about 560 ms of a campaign page at
1,000,000 persons).

The reach rows are ``person_campaign_days`` (a person, a utm_campaign value, a UTC day:
``storage/campaigns.note_reach``). A campaign is counted by its key: ``c:`` and the id of a
named campaign (its values together, so a person reached by two of them counts once), or
``v:`` and a value no campaign owns. For each key, each (person, day) it reached them is one
reach; this table counts reaches by their day and the day of the same person's reach before
it (``prev_day``, ``''`` for their first), so

    persons reached in [since, until) = SUM(n) WHERE since <= day < until AND prev_day < since

each person counted once, at their first reach inside the period, for any period, not only
one ending today.

Kept in the submission job's transaction (``note``, before its reach rows are written: a new
person adds one reach; a known one looks up their reaches of the key around the day), taken
away before an erasure deletes a person's rows (``forget_person``), and counted again for the
values a new campaign takes over (``recount``, from ``storage/links.create_campaign``: their
reaches move from the values' keys to the campaign's). ``tests/test_campaign_counts.py``
checks kept equals recounted after each kind of change, and every count equals the distinct
count of the rows over random periods.

Additions are gathered by the transaction and written once before COMMIT
(``storage/pending.py``), a new person's reach of one value by the value, whose key is then
looked up once for the transaction's jobs; on PostgreSQL that upsert counts into one of
``SLOTS`` rows chosen at random, so concurrent submissions of one campaign's day rarely wait
on one row, and then only through the COMMIT. Two
nodes recording the same known person's reach of one campaign on one new day at the same
instant could each count it as new; ``recount`` makes a tenant's right again.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

from ingest.storage import POSTGRES, Connection, dialect_of_connection, pending
from ingest.storage.dialect import indexed_by

SLOTS = 8
KIND = "campaign_reach"  # what this module gathers (storage/pending.py): rows by key
NEW_KIND = "campaign_reach_new"  # and new persons' first reach of one value, by value
FIRST = ""  # prev_day of a person's first reach of a key
KEY = "tenant_id, reach_key, day, prev_day, slot"

# A reach row's key: its value's named campaign, or the value alone.
_KEY_SQL = "COALESCE('c:' || v.campaign_id, 'v:' || r.campaign)"
_WITH_OWNER = (
    " FROM person_campaign_days r LEFT JOIN campaign_values v"
    " ON v.tenant_id = r.tenant_id AND v.utm_campaign = r.campaign WHERE r.tenant_id = ?"
)

Row = tuple[str, str, str, int]  # reach_key, day, prev_day, n


def key_of(campaign_id: str | None, value: str) -> str:
    return f"c:{campaign_id}" if campaign_id else f"v:{value}"


def _marks(values: Iterable[Any]) -> str:
    return "(" + ", ".join("?" for _ in values) + ")"


def _owners(conn: Connection, tenant_id: str, values: list[str]) -> dict[str, str]:
    """value -> the campaign that owns it (values no campaign owns left out)."""
    rows = conn.execute(
        "SELECT utm_campaign, campaign_id FROM campaign_values"
        f" WHERE tenant_id = ? AND utm_campaign IN {_marks(values)}",
        (tenant_id, *values),
    ).fetchall()
    return {row[0]: row[1] for row in rows}


def _key_values(tenant_id: str, key: str) -> tuple[str, list[str]]:
    """The condition on ``person_campaign_days.campaign`` of a key's values."""
    if key.startswith("c:"):
        return (
            "IN (SELECT utm_campaign FROM campaign_values WHERE tenant_id = ? AND campaign_id = ?)",
            [tenant_id, key[2:]],
        )
    return "= ?", [key[2:]]


def note(
    conn: Connection,
    tenant_id: str,
    person_id: str,
    day: str,
    values: list[str],
    *,
    new_person: bool,
) -> None:
    """The person reached by ``values`` on ``day``: called before their rows are written. A
    reach of a key already on that day adds nothing; one between two of the person's reaches
    becomes the later one's previous day."""
    if not values:
        return
    if new_person and len(values) == 1:
        # The common case: the value's key is found once per transaction, at its end.
        pending.add(conn, NEW_KIND, (tenant_id, values[0], day), 1)
        return
    owners = _owners(conn, tenant_id, values)
    keys = sorted({key_of(owners.get(value), value) for value in values})
    rows: list[Row] = []
    for key in keys:
        if new_person:  # nothing of theirs is stored yet
            rows.append((key, day, FIRST, 1))
            continue
        condition, params = _key_values(tenant_id, key)
        before, after, present = conn.execute(
            "SELECT MAX(CASE WHEN day < ? THEN day END), MIN(CASE WHEN day > ? THEN day END),"
            " MAX(CASE WHEN day = ? THEN 1 ELSE 0 END) FROM person_campaign_days"
            + indexed_by(conn, "person_campaign_days_by_person")  # the person's few rows
            + f" WHERE tenant_id = ? AND campaign {condition} AND person_id = ?",
            (day, day, day, tenant_id, *params, person_id),
        ).fetchone()
        if present:
            continue
        rows.append((key, day, before or FIRST, 1))
        if after is not None:  # the later reach's previous day is now this one
            rows += [(key, after, before or FIRST, -1), (key, after, day, 1)]
    _add(conn, tenant_id, rows)


def forget_person(conn: Connection, tenant_id: str, person_id: str) -> None:
    """Before an erasure deletes the person's ``person_campaign_days``: their reaches taken
    away."""
    rows = conn.execute(
        f"SELECT DISTINCT {_KEY_SQL}, r.day{_WITH_OWNER} AND r.person_id = ? ORDER BY 1, 2",
        (tenant_id, person_id),
    ).fetchall()
    taken: list[Row] = []
    last_key, before = None, FIRST
    for key, day in rows:
        if key != last_key:
            last_key, before = key, FIRST
        taken.append((key, day, before, -1))
        before = day
    _add(conn, tenant_id, taken)


def _add(conn: Connection, tenant_id: str, rows: list[Row]) -> None:
    if not rows:
        return
    # Written once, just before COMMIT (storage/pending.py): the rows concurrent
    # submissions share are locked for the COMMIT alone.
    for key, day, before, n in rows:
        pending.add(conn, KIND, (tenant_id, key, day, before), n)


def _upsert(conn: Connection, tenant_id: str, rows: list[Row]) -> None:
    """In key order: two transactions moving the same rows lock them in the same order."""
    slot = random.randrange(SLOTS) if dialect_of_connection(conn) == POSTGRES else 0
    for start in range(0, len(rows), 100):  # bounded statements
        chunk = rows[start : start + 100]
        params: list[Any] = []
        for key, day, before, n in chunk:
            params += [tenant_id, key, day, before, slot, n]
        conn.execute(
            f"INSERT INTO campaign_reach ({KEY}, n) VALUES "
            + ", ".join("(?, ?, ?, ?, ?, ?)" for _ in chunk)
            + f" ON CONFLICT ({KEY}) DO UPDATE SET n = campaign_reach.n + excluded.n",
            params,
        )


def _write_gathered(conn: Connection, gathered: pending.Gathered) -> None:
    """A transaction's gathered additions, an upsert per tenant."""
    for tenant_id, rows in pending.by_tenant(gathered).items():
        _upsert(conn, tenant_id, rows)


def _write_new(conn: Connection, gathered: pending.Gathered) -> None:
    """New persons' first reaches gathered by value: each value's key found once."""
    by_tenant: dict[str, list[tuple[str, str, int]]] = {}
    for (tenant_id, value, day), n in gathered.items():
        by_tenant.setdefault(tenant_id, []).append((value, day, n))
    for tenant_id, found in sorted(by_tenant.items()):
        owners = _owners(conn, tenant_id, sorted({value for value, _, _ in found}))
        merged: dict[tuple[str, str], int] = {}
        for value, day, n in found:
            key = (key_of(owners.get(value), value), day)
            merged[key] = merged.get(key, 0) + n
        _upsert(conn, tenant_id, [(key, day, FIRST, n) for (key, day), n in sorted(merged.items())])


pending.writers[KIND] = _write_gathered
pending.writers[NEW_KIND] = _write_new


# -- reading -------------------------------------------------------------------------------


def key_for(conn: Connection, tenant_id: str, values: tuple[str, ...]) -> str | None:
    """The key whose values are exactly ``values`` (a named campaign's, or one value no
    campaign owns), or None (then the reach rows are counted: ``campaigns.influenced``)."""
    if not values:
        return None
    owners = _owners(conn, tenant_id, list(values))
    if not owners:
        return key_of(None, values[0]) if len(values) == 1 else None
    owning = set(owners.values())
    if len(owning) != 1 or len(owners) != len(set(values)):
        return None
    campaign_id = owning.pop()
    (owned,) = conn.execute(
        "SELECT COUNT(*) FROM campaign_values WHERE tenant_id = ? AND campaign_id = ?",
        (tenant_id, campaign_id),
    ).fetchone()
    return key_of(campaign_id, "") if int(owned) == len(owners) else None


def persons(conn: Connection, tenant_id: str, key: str, first: str, end: str) -> int:
    """Distinct persons the key reached on days ``first`` <= day < ``end`` (``YYYY-MM-DD``)."""
    (n,) = conn.execute(
        "SELECT SUM(n) FROM campaign_reach WHERE tenant_id = ? AND reach_key = ?"
        " AND day >= ? AND day < ? AND prev_day < ?",
        (tenant_id, key, first, end, first),
    ).fetchone()
    return int(n or 0)


# -- recount -------------------------------------------------------------------------------


def recount(conn: Connection, tenant_id: str, values: list[str] | None = None) -> None:
    """The tenant's counts made again from ``person_campaign_days``: all of them, or those of
    ``values`` (each value's key, and the key it had before: the values a new campaign owns
    now, every value of the campaign among them)."""
    pending.flush(conn)  # what this transaction gathered is in the rows it replaces
    only, params = "", []
    if values is None:
        conn.execute("DELETE FROM campaign_reach WHERE tenant_id = ?", (tenant_id,))
    else:
        if not values:
            return
        owners = _owners(conn, tenant_id, values)
        keys = {key_of(None, v) for v in values} | {key_of(c, "") for c in owners.values()}
        conn.execute(
            f"DELETE FROM campaign_reach WHERE tenant_id = ? AND reach_key IN {_marks(keys)}",
            (tenant_id, *sorted(keys)),
        )
        only, params = f" AND r.campaign IN {_marks(values)}", list(values)
    conn.execute(
        f"INSERT INTO campaign_reach ({KEY}, n)"
        " SELECT ?, reach_key, day, prev_day, 0, COUNT(*) FROM ("
        " SELECT reach_key, day, COALESCE(LAG(day) OVER"
        " (PARTITION BY reach_key, person_id ORDER BY day), '') AS prev_day FROM ("
        f" SELECT DISTINCT {_KEY_SQL} AS reach_key, r.person_id, r.day{_WITH_OWNER}{only}"
        ") d) w GROUP BY reach_key, day, prev_day",
        (tenant_id, tenant_id, *params),
    )


def differences(conn: Connection, tenant_id: str) -> list[tuple[Any, ...]]:
    """The kept counts against a recount: each (key, day, prev_day, kept, recounted) that
    differ; [] when they agree. Recounts into the open transaction: for tests and checks."""
    kept = _summed(conn, tenant_id)
    recount(conn, tenant_id)
    again = _summed(conn, tenant_id)
    return [
        (*key, kept.get(key), again.get(key))
        for key in sorted(kept.keys() | again.keys())
        if kept.get(key) != again.get(key)
    ]


def _summed(conn: Connection, tenant_id: str) -> dict[tuple[str, str, str], int]:
    pending.flush(conn)
    rows = conn.execute(
        "SELECT reach_key, day, prev_day, SUM(n) FROM campaign_reach WHERE tenant_id = ?"
        " GROUP BY reach_key, day, prev_day",
        (tenant_id,),
    ).fetchall()
    return {(r[0], r[1], r[2]): int(r[3]) for r in rows if int(r[3])}
