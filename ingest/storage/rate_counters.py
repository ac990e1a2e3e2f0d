"""The rate limits' shared counts (``rate_counters``, migration 0005): what every process
counted per (tenant, scope, subject, window), for ``ingest/edge/limits.py``."""

from __future__ import annotations

from ingest.storage import Connection

Key = tuple[str, str, str, int]  # tenant, scope, subject, window start


def add_counts(conn: Connection, deltas: dict[Key, int], expired_before: int) -> dict[Key, int]:
    """A writer job: add to the counters, return their totals, drop passed windows."""
    totals: dict[Key, int] = {}
    # In one order in every process, so two processes' flushes cannot deadlock on PostgreSQL.
    for key, hits in sorted(deltas.items()):
        row = conn.execute(
            "INSERT INTO rate_counters (tenant_id, scope, subject, window_start, hits)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, scope, subject, window_start)"
            " DO UPDATE SET hits = rate_counters.hits + excluded.hits RETURNING hits",
            (*key, hits),
        ).fetchone()
        totals[key] = row[0]
    for tenant_id in sorted({key[0] for key in deltas}):
        conn.execute(
            "DELETE FROM rate_counters WHERE tenant_id = ? AND window_start < ?",
            (tenant_id, expired_before),
        )
    return totals
