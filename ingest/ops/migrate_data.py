"""``leadsource migrate-data``: move tenants from one database to another, typically from the
SQLite file a customer started on to the PostgreSQL their growth needs (any URL to any URL
works the same way).

The source is read in one snapshot, so a service still writing to it cannot make the counts
disagree; the target is written in one transaction, so a failure, a refusal or a count that
does not match leaves nothing behind. Values are copied as they are (ids, timestamps, JSON
text): the same persons come out of the API on both.

Every table is either in ``COPIED`` (tenant-owned, copied for the chosen tenants) or in
``NOT_COPIED`` with the reason; ``tests/test_migrate_data.py`` fails on a table in neither.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg

from ingest import storage
from ingest.domain.credits import follower
from ingest.storage import (
    POSTGRES,
    SQLITE,
    Connection,
    campaign_counts,
    campaign_reach,
    dialect_of,
    dialect_of_connection,
    lead_counts,
    search_index,
)
from ingest.storage.migrations import migrations
from ingest.storage.reads import StoreError
from ingest.storage.reports import kept

# In the order they are written: tenants first, as every other table references them.
COPIED = (
    "tenants",
    # The same keys keep working on the target (only hashes are stored). created_by names a
    # user of the source, which the target may not have: the page then says "a former user".
    "api_keys",
    "tenant_origins",
    "forms",
    "category_groups",
    "categories",
    "lead_statuses",
    "touches",
    "companies",
    "persons",
    # Their user ids (who changed it, owners) name the source's users: see users below.
    "lead_status_history",
    "category_history",
    "submissions",
    "submission_touches",
    "person_campaign_days",
    "sessions",
    "pageviews",
    "campaigns",
    "campaign_values",
    "tracking_urls",
    "script_sightings",
    # A deal's owner and its history's users are the source's user ids, and users are not
    # copied (see users): on the target those deals show no owner and their changes no user.
    "pipeline_stages",
    "deals",
    "deal_history",
    # created_by names a user of the source (see users): "a former user" on the target.
    "selections",
    "dashboards",
    "dashboard_tiles",
)

NOT_COPIED = {
    "schema_migrations": "the target's own, applied before copying",
    "lead_counts": "counts of the copied persons, made again on the target after the copy"
    " (storage/lead_counts.recount)",
    "person_days": "the reports' kept counts of the copied persons, made again on the target"
    " after the copy (storage/reports/kept.recount)",
    "deal_days": "the reports' kept counts of the copied deals, made again on the target after"
    " the copy (storage/reports/kept.recount)",
    "campaign_counts": "the campaign pages' daily counts of the copied sessions, persons and"
    " deals, made again on the target after the copy (storage/campaign_counts.recount)",
    "campaign_reach": "the campaign pages' kept reaches of the copied persons, made again on"
    " the target after the copy (storage/campaign_reach.recount)",
    "rate_counters": "counts of the current rate window, deleted after it; the target counts"
    " afresh",
    "users": "accounts of the app are the service's, not a tenant's (one may belong to several"
    " tenants, and the target may have the email already): create them on the target with"
    " leadsource user create|update",
    "memberships": "they name users, which are not copied (see users); the owners and the"
    " history's users of copied persons and companies keep the source's user ids, shown as"
    " nobody until the same accounts exist on the target",
    "service_secrets": "the target's own (a copied session key would let one database's"
    " sessions into the other)",
    "person_search": "an index of persons.search_key, not data: a SQLite target's is filled"
    " after the copy (search_index.catch_up), a PostgreSQL target has a pg_trgm index on"
    " persons instead (migration 0018)",
    "person_search_indexed": "the target's own search index's mark, moved by catch_up",
    "attribution_conversions": "derived (kept credits): the target recomputes the copied"
    " tenants' from the copied raw data (domain/credits.rebuild) after the copy",
    "attribution_credits": "derived: recomputed on the target after the copy",
    "attribution_rollups": "derived: summed on the target from its recomputed credits",
    "attribution_totals": "derived: summed on the target from its recomputed conversions",
    "attribution_followed": "the target's own follower's mark",
    "attribution_pending": "the source's follower's work: the target recomputes every copied"
    " tenant instead",
    "person_search_changed": "the source's index's bookkeeping: the target indexes every"
    " copied person with the text it has",
}

BATCH = 1000  # rows per executemany

# A statement the target refused (a key taken, a value its column cannot hold), on either
# engine: reported as the store's error, with the table, so nothing is rerun in a loop.
_ENGINE_ERRORS = (sqlite3.Error, psycopg.Error)


def migrate_data(source: str, target: str, tenant_ids: Sequence[str] = ()) -> dict[str, Any]:
    """Copy ``tenant_ids`` (default: every tenant) from ``source`` to ``target`` and check
    the counts; returns ``{"tenants", "tables": {table: rows}, "checked": True}``."""
    if dialect_of(source) == SQLITE and not Path(source).is_file():
        raise StoreError(f"no database at {source}")
    with _open(source, "source") as src, _open(target, "target") as dst:
        # As every leadsource command does: both on this version's schema.
        storage.migrate(src)
        storage.migrate(dst)
        _same_schema(src, dst)
        with _snapshot(src):
            chosen = _chosen(src, tenant_ids)
            counts = {
                table: {tenant: _count(src, table, tenant) for tenant in chosen} for table in COPIED
            }
            storage.in_transaction(dst, lambda conn: _copy(src, conn, chosen, counts))
        # A SQLite target's search index covers the copied persons before the command ends.
        search_index.catch_up(dst)
        # Kept credits, the board's, the reports' and the campaign pages' counts are derived:
        # the target makes the copied tenants' own.
        for tenant_id in chosen:
            follower.catch_up(dst, tenant_id)
            storage.in_transaction(dst, lambda conn, t=tenant_id: lead_counts.recount(conn, t))
            storage.in_transaction(dst, lambda conn, t=tenant_id: kept.recount(conn, t))
            storage.in_transaction(dst, lambda conn, t=tenant_id: campaign_counts.recount(conn, t))
            storage.in_transaction(dst, lambda conn, t=tenant_id: campaign_reach.recount(conn, t))
    return {
        "tenants": chosen,
        "tables": {table: sum(by_tenant.values()) for table, by_tenant in counts.items()},
        "checked": True,
    }


@contextlib.contextmanager
def _open(url: str, name: str) -> Iterator[Connection]:
    with contextlib.ExitStack() as stack:
        try:
            conn = stack.enter_context(storage.connect(url, tuples=True))
        except _ENGINE_ERRORS as exc:
            raise StoreError(f"cannot open the {name}: {exc}") from exc
        yield conn


def _same_schema(src: Connection, dst: Connection) -> None:
    known = {version for version, _, _ in migrations()}
    for name, conn in (("source", src), ("target", dst)):
        applied = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        if applied != known:
            raise StoreError(
                f"the {name} has schema versions this leadsource does not know"
                f" ({', '.join(map(str, sorted(applied - known)))}); use the newer leadsource"
            )
    for table in COPIED:
        if set(_columns(src, table)) != set(_columns(dst, table)):
            raise StoreError(f"the table {table} has other columns on the target")


@contextlib.contextmanager
def _snapshot(conn: Connection) -> Iterator[None]:
    """One read transaction over the whole copy: every count and row of one moment."""
    if dialect_of_connection(conn) == POSTGRES:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    else:
        conn.execute("BEGIN")  # in WAL mode, a snapshot from the first read on
    try:
        yield
    finally:
        conn.execute("ROLLBACK")


def _chosen(src: Connection, tenant_ids: Sequence[str]) -> list[str]:
    present = [row[0] for row in src.execute("SELECT tenant_id FROM tenants ORDER BY tenant_id")]
    if not tenant_ids:
        return present
    missing = sorted(set(tenant_ids) - set(present))
    if missing:
        raise StoreError(f"the source has no tenant {', '.join(missing)}")
    return sorted(set(tenant_ids))


def _columns(conn: Connection, table: str) -> list[str]:
    cursor = conn.execute(f"SELECT * FROM {table} WHERE 1 = 0")
    return [column[0] for column in cursor.description]


def _count(conn: Connection, table: str, tenant_id: str) -> int:
    sql = f"SELECT COUNT(*) FROM {table} WHERE tenant_id = ?"
    return conn.execute(sql, (tenant_id,)).fetchone()[0]


def _copy(
    src: Connection, dst: Connection, chosen: list[str], counts: dict[str, dict[str, int]]
) -> None:
    """Run in the target's transaction: refuse tenants it has, copy, then count."""
    marks = ", ".join("?" for _ in chosen)
    if chosen:
        taken = dst.execute(
            f"SELECT tenant_id FROM tenants WHERE tenant_id IN ({marks}) ORDER BY tenant_id",
            chosen,
        ).fetchall()
        if taken:
            raise StoreError(
                f"tenant {', '.join(row[0] for row in taken)} already exists on the target;"
                " nothing was copied"
            )
    for table in COPIED:
        columns = _columns(src, table)
        names = ", ".join(columns)
        select = f"SELECT {names} FROM {table} WHERE tenant_id = ?"
        insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in columns)})"
        for tenant_id in chosen:
            cursor = src.execute(select, (tenant_id,))
            try:
                while batch := cursor.fetchmany(BATCH):
                    dst.executemany(insert, [tuple(row) for row in batch])
            except _ENGINE_ERRORS as exc:
                raise StoreError(
                    f"the target refused a row of {table} for tenant {tenant_id} ({exc});"
                    " nothing was copied"
                ) from exc
    for table, by_tenant in counts.items():
        for tenant_id, expected in by_tenant.items():
            found = _count(dst, table, tenant_id)
            if found != expected:
                raise StoreError(
                    f"{table} of tenant {tenant_id}: {expected} rows in the source but"
                    f" {found} on the target after copying; nothing was copied"
                )
