"""The kept credits' rollups (``attribution_rollups``: sums of credits per tenant,
conversion, model, UTC day, currency, source, medium, campaign and channel) and totals
(``attribution_totals``: conversions per day, and those with no touch in the window): moved by
the difference of a recredit's old and new rows (``credits.replace``), summed from scratch by
a rebuild, and checked against the kept rows (``credits recompute --check``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from ingest.storage import Connection

ROLLUP_KEY = ("conversion", "model", "day", "currency", "source", "medium", "campaign", "channel")
TOTAL_KEY = ("conversion", "day", "currency")


def rollup_sums(credits: Iterable[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
    sums: Counter[tuple[Any, ...]] = Counter()
    for c in credits:
        key = tuple(c[k] for k in ROLLUP_KEY)
        sums[(*key, "parts")] += c["parts"]
        sums[(*key, "cents")] += c["cents"] or 0
        sums[(*key, "credits")] += 1
    return sums


def total_sums(conversions: Iterable[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
    sums: Counter[tuple[Any, ...]] = Counter()
    for c in conversions:
        key = tuple(c[k] for k in TOTAL_KEY)
        sums[(*key, "conversions")] += 1
        if not c["touched"]:
            sums[(*key, "untouched")] += 1
            sums[(*key, "untouched_cents")] += c["amount"] or 0
    return sums


def deltas(
    old: Counter[tuple[Any, ...]], new: Counter[tuple[Any, ...]], fields: tuple[str, ...]
) -> dict[tuple[Any, ...], dict[str, int]]:
    """Per key, the change of each summed field (keys whose sums do not change left out)."""
    keys = {k[:-1] for k in old} | {k[:-1] for k in new}
    out = {}
    for key in keys:
        change = {f: new[(*key, f)] - old[(*key, f)] for f in fields}
        if any(change.values()):
            out[key] = change
    return out


def add(
    conn: Connection,
    tenant_id: str,
    table: str,
    key: tuple[str, ...],
    deltas: dict[tuple[Any, ...], dict[str, int]],
    count: str,
) -> None:
    if not deltas:
        return
    fields = tuple(next(iter(deltas.values())))
    columns = ("tenant_id", *key, *fields)
    conflict = ", ".join(("tenant_id", *key))
    sets = ", ".join(f"{f} = {table}.{f} + excluded.{f}" for f in fields)
    conn.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
        f" ON CONFLICT ({conflict}) DO UPDATE SET {sets}",
        [(tenant_id, *k, *(d[f] for f in fields)) for k, d in sorted(deltas.items())],
    )
    where = " AND ".join(f"{k} = ?" for k in key)
    gone = [(tenant_id, *k) for k, d in sorted(deltas.items()) if d[count] < 0]
    if gone:
        conn.executemany(
            f"DELETE FROM {table} WHERE tenant_id = ? AND {where} AND {count} <= 0", gone
        )


def clear(conn: Connection, tenant_id: str) -> None:
    """Every kept conversion, credit, rollup and total of the tenant (the recompute's
    start)."""
    for table in (
        "attribution_credits",
        "attribution_conversions",
        "attribution_rollups",
        "attribution_totals",
    ):
        conn.execute(f"DELETE FROM {table} WHERE tenant_id = ?", (tenant_id,))


def sum_rollups(conn: Connection, tenant_id: str) -> None:
    """The tenant's rollups and totals summed from its kept credits and conversions (after
    ``clear`` and the inserts of a recompute)."""
    key = ", ".join(ROLLUP_KEY)
    conn.execute(
        f"INSERT INTO attribution_rollups (tenant_id, {key}, parts, cents, credits)"
        f" SELECT tenant_id, {key}, SUM(parts), SUM(COALESCE(cents, 0)), COUNT(*)"
        f" FROM attribution_credits WHERE tenant_id = ? GROUP BY tenant_id, {key}",
        (tenant_id,),
    )
    key = ", ".join(TOTAL_KEY)
    conn.execute(
        f"INSERT INTO attribution_totals (tenant_id, {key}, conversions, untouched,"
        " untouched_cents)"
        f" SELECT tenant_id, {key}, COUNT(*), SUM(1 - touched),"
        " SUM(CASE WHEN touched = 0 THEN COALESCE(amount, 0) ELSE 0 END)"
        f" FROM attribution_conversions WHERE tenant_id = ? GROUP BY tenant_id, {key}",
        (tenant_id,),
    )


def rollup_differences(conn: Connection, tenant_id: str) -> list[str]:
    """Where the kept rollups and totals differ from the sums of the kept credits and
    conversions (none, when they are right)."""
    key = ", ".join(ROLLUP_KEY)
    summed = {
        tuple(r[:-3]): tuple(r[-3:])
        for r in conn.execute(
            f"SELECT {key}, SUM(parts), SUM(COALESCE(cents, 0)), COUNT(*)"
            f" FROM attribution_credits WHERE tenant_id = ? GROUP BY {key}",
            (tenant_id,),
        )
    }
    rolled = {
        tuple(r[:-3]): tuple(r[-3:])
        for r in conn.execute(
            f"SELECT {key}, parts, cents, credits FROM attribution_rollups WHERE tenant_id = ?",
            (tenant_id,),
        )
    }
    out = [
        f"rollup {k}: kept {rolled.get(k)}, sum of credits {summed.get(k)}"
        for k in sorted(set(summed) | set(rolled))
        if summed.get(k) != rolled.get(k)
    ]
    key = ", ".join(TOTAL_KEY)
    summed = {
        tuple(r[:-3]): tuple(r[-3:])
        for r in conn.execute(
            f"SELECT {key}, COUNT(*), SUM(1 - touched),"
            " SUM(CASE WHEN touched = 0 THEN COALESCE(amount, 0) ELSE 0 END)"
            f" FROM attribution_conversions WHERE tenant_id = ? GROUP BY {key}",
            (tenant_id,),
        )
    }
    rolled = {
        tuple(r[:-3]): tuple(r[-3:])
        for r in conn.execute(
            f"SELECT {key}, conversions, untouched, untouched_cents FROM attribution_totals"
            " WHERE tenant_id = ?",
            (tenant_id,),
        )
    }
    out += [
        f"total {k}: kept {rolled.get(k)}, sum of conversions {summed.get(k)}"
        for k in sorted(set(summed) | set(rolled))
        if summed.get(k) != rolled.get(k)
    ]
    return out
