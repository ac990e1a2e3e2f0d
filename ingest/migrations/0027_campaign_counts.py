"""Kept daily counts of the campaign pages (``ingest/storage/campaign_counts.py``), filled
for every tenant from the raw rows (``campaign_counts.recount``); the index that counts a
campaign's influenced persons in person order, and the credits' campaign index made covering
for the page's attributed conversions. See the SQL's comments."""

from __future__ import annotations

from typing import Any

from ingest.storage import campaign_counts
from ingest.storage.dialect import SQLITE
from ingest.storage.migrations import run_sql

SQL = """
-- Per tenant, utm_campaign value, measure and UTC day, the campaign pages' sums over days
-- (storage/campaign_counts.py says which measure counts what, by which date): a page's
-- numbers for a period are a sum of the period's rows (about 3 to 6 s a page at 1,000,000
-- persons by a pass over the sessions, persons and deals). Kept by the statements that change
-- the rows counted, in their transaction; derived from sessions, persons and deals:
-- campaign_counts.recount rebuilds a tenant's. Numbers only: no person's data.
-- On PostgreSQL a change counts into one of 8 slots at random (concurrent writers of one
-- campaign's day rarely wait for one row); a count is the sum of the slots.
CREATE TABLE campaign_counts (
    tenant_id     TEXT NOT NULL REFERENCES tenants (tenant_id),
    campaign      TEXT NOT NULL,              -- a utm_campaign value, never ''
    measure       TEXT NOT NULL,              -- campaign_counts.MEASURES
    day           TEXT NOT NULL,              -- YYYY-MM-DD (UTC) of the measure's date
    source        TEXT NOT NULL,              -- sessions, contacts:first_touch; else ''
    medium        TEXT NOT NULL,
    currency      TEXT NOT NULL,              -- won:...: the deals' currency; else ''
    slot          INTEGER NOT NULL,
    n             BIGINT NOT NULL,            -- sessions, persons or deals
    views         BIGINT NOT NULL,            -- sessions: their page views
    new_visitors  BIGINT NOT NULL,            -- sessions: new visitors' sessions
    amount        BIGINT NOT NULL,            -- won:...: revenue in cents
    PRIMARY KEY (tenant_id, campaign, measure, day, source, medium, currency, slot)
)
"""

# Influenced persons (distinct over a period) are counted from person_campaign_days: in
# person order within a value, so the distinct count needs no sort of its own.
INDEX = """
CREATE INDEX person_campaign_days_by_value_person
    ON person_campaign_days (tenant_id, campaign, person_id, day)
"""


# The campaign page's attributed conversions ("conversions it touched": storage/attribution's
# COUNT(DISTINCT subject_id) restricted to the campaign's values) read from the index alone:
# 40 ms against 14 ms for two values' contact creations in a year at 100,000 persons. The same
# leading columns as before, so its other readers use it as they did.
CREDITS_INDEX = """
DROP INDEX attribution_credits_by_campaign;
CREATE INDEX attribution_credits_by_campaign
    ON attribution_credits (tenant_id, conversion, model, campaign, day, subject_id, currency)
"""


def migrate(conn: Any, dialect: str) -> None:
    # On SQLite the rows live in the key's b-tree (no rowid table beside it): a period's sum
    # reads one range of it.
    run_sql(conn, dialect, SQL + (" WITHOUT ROWID" if dialect == SQLITE else ""))
    run_sql(conn, dialect, INDEX)
    run_sql(conn, dialect, CREDITS_INDEX)
    for (tenant_id,) in conn.execute("SELECT tenant_id FROM tenants").fetchall():
        campaign_counts.recount(conn, tenant_id)
