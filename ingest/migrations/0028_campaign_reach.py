"""The campaign pages' influenced contacts as a sum over days (``campaign_reach``,
``ingest/storage/campaign_reach.py`` says how it counts and who keeps it), filled for every
tenant from ``person_campaign_days``. See the SQL's comments."""

from __future__ import annotations

from typing import Any

from ingest.storage import campaign_reach
from ingest.storage.dialect import SQLITE
from ingest.storage.migrations import run_sql

SQL = """
-- Per tenant and campaign key ('c:' a named campaign's id, 'v:' a utm_campaign value no
-- campaign owns), the persons' reaches (person_campaign_days: a person reached on a UTC day)
-- counted by their day and the day of the same person's reach of the key before it
-- (prev_day, '' for the first): the persons reached in a period are the period's reaches
-- whose prev_day is before it (a distinct count over the rows took about 560 ms of a
-- campaign page at 1,000,000 persons). Numbers only: no person's data. Derived from
-- person_campaign_days and campaign_values: campaign_reach.recount rebuilds a tenant's.
-- slot: PostgreSQL spreads concurrent writes over 8 rows of one key (0 on SQLite).
CREATE TABLE campaign_reach (
    tenant_id  TEXT NOT NULL REFERENCES tenants (tenant_id),
    reach_key  TEXT NOT NULL,
    day        TEXT NOT NULL,     -- YYYY-MM-DD
    prev_day   TEXT NOT NULL,     -- YYYY-MM-DD, or '' for a person's first reach of the key
    slot       INTEGER NOT NULL,
    n          BIGINT NOT NULL,   -- reaches
    PRIMARY KEY (tenant_id, reach_key, day, prev_day, slot)
)
"""


# Migration 0027's index for the distinct count in person order: no reader left (the persons
# list's probe and the submission job's look-ups read a person's few rows by
# person_campaign_days_by_person), and every submission with a campaign paid for it.
DROP = "DROP INDEX person_campaign_days_by_value_person"


def migrate(conn: Any, dialect: str) -> None:
    # On SQLite the rows live in the key's b-tree: a period's sum reads one range of it.
    run_sql(conn, dialect, SQL + (" WITHOUT ROWID" if dialect == SQLITE else ""))
    run_sql(conn, dialect, DROP)
    for (tenant_id,) in conn.execute("SELECT tenant_id FROM tenants").fetchall():
        campaign_reach.recount(conn, tenant_id)
