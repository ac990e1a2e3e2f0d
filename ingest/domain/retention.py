"""Retention: a tenant's page views and sessions are kept ``retention_days`` (NULL: forever),
and ``leadsource prune`` deletes older ones.

A session goes once its last view is older than the cutoff; a page view once it is (so a
session still going on at the cutoff keeps its summary but loses its older views). Deletes
run in batches of ``BATCH`` rows, each its own short transaction, so the service's writer
never waits long for the lock while a large backlog is pruned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from ingest.clock import iso_time
from ingest.storage import Connection, in_transaction, visits

BATCH = 5000


@dataclass(frozen=True)
class Pruned:
    tenant_id: str
    retention_days: int | None
    cutoff: str | None  # rows older than this go; None when kept forever
    sessions: int
    pageviews: int


def delete_old_batch(conn: Connection, tenant_id: str, cutoff: str, table: str) -> int:
    """Delete up to ``BATCH`` of the tenant's rows of ``table`` older than the cutoff."""
    return visits.delete_older(conn, tenant_id, cutoff, table, BATCH)


def prune(
    conn: Connection,
    *,
    now: datetime,
    tenant_id: str | None = None,
    dry_run: bool = False,
) -> list[Pruned]:
    """Prune one tenant, or every tenant with a retention, on a connection outside any
    transaction: each batch commits on its own."""

    def run(work: Callable[[], Any]) -> Any:
        return _in_transaction(conn, work)

    results = []
    for tenant, days in run(lambda: visits.retention_of(conn, tenant_id)):
        if days is None:
            results.append(Pruned(tenant, None, None, 0, 0))
            continue
        cutoff = iso_time(now - timedelta(days=days))
        if dry_run:
            counts = run(lambda t=tenant, c=cutoff: visits.count_older(conn, t, c))
        else:
            counts = {}
            for table, _, _ in visits.AGING:
                counts[table] = 0
                while deleted := run(
                    lambda t=tenant, c=cutoff, tb=table: delete_old_batch(conn, t, c, tb)
                ):
                    counts[table] += deleted
        results.append(Pruned(tenant, days, cutoff, counts["sessions"], counts["pageviews"]))
    return results


def report(results: list[Pruned], *, dry_run: bool) -> dict[str, Any]:
    return {"dry_run": dry_run, "tenants": [asdict(r) for r in results]}


def _in_transaction(conn: Connection, work: Callable[[], Any]) -> Any:
    return in_transaction(conn, lambda _: work())
