"""Kept counts of the lead board's columns, and an index that sums deals without reading them.

``lead_counts``: how many persons stand in each lead status, per owner ('' for nobody), so
the board's column counts (``storage/board.counts``) are a sum of a few rows, not a pass over
every lead of the tenant (121 ms at 210,000 persons for "nobody's", growing with the data).
Triggers on ``persons`` keep it, so every way a person is made, changed or erased (a form
submission, the API, an import, the app, erasure, ``migrate-data``) counts without the code
having to remember: an insert with a status adds one, a change of status or owner moves one,
a delete takes one away. A kept, read-only status (the company's category left lead status)
still counts, as the board shows it.

On PostgreSQL several transactions may count into one row at once (every new Open lead);
each change goes to one of ``SLOTS`` rows chosen at random, so concurrent submissions rarely
wait on each other's row lock, and a count is the sum of the slots. SQLite has one writer
and uses slot 0. A slot may go negative (taken from one, added to another); the sum is exact.

``deals_sums``: the deals list's totals and the pipeline's sums per stage read status,
currency, stage and amount only; this index holds them all, so neither reads a deal's row.
"""

from __future__ import annotations

from typing import Any

from ingest.storage.dialect import POSTGRES
from ingest.storage.migrations import run_sql

SLOTS = 8

COMMON = """
CREATE TABLE lead_counts (
    tenant_id       TEXT NOT NULL REFERENCES tenants (tenant_id),
    lead_status_id  TEXT NOT NULL,
    owner_id        TEXT NOT NULL,   -- '' for persons nobody owns
    slot            INTEGER NOT NULL,
    persons         BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, lead_status_id, owner_id, slot)
);
INSERT INTO lead_counts (tenant_id, lead_status_id, owner_id, slot, persons)
    SELECT tenant_id, lead_status_id, COALESCE(owner_id, ''), 0, COUNT(*) FROM persons
    WHERE lead_status_id IS NOT NULL GROUP BY tenant_id, lead_status_id, COALESCE(owner_id, '');
CREATE INDEX deals_sums ON deals (tenant_id, status, currency, stage_id, amount);
"""


def _count(row: str, delta: str, slot: str) -> str:
    return (
        "INSERT INTO lead_counts (tenant_id, lead_status_id, owner_id, slot, persons)"
        f" VALUES ({row}.tenant_id, {row}.lead_status_id, COALESCE({row}.owner_id, ''), {slot},"
        f" {delta}) ON CONFLICT (tenant_id, lead_status_id, owner_id, slot)"
        f" DO UPDATE SET persons = lead_counts.persons + ({delta});"
    )


_CHANGED = "(OLD.lead_status_id IS NOT NEW.lead_status_id OR OLD.owner_id IS NOT NEW.owner_id)"
# Triggers hold ";" inside, so each is run whole (``run_sql`` splits at every ";").
SQLITE = (
    "CREATE TRIGGER persons_count_insert AFTER INSERT ON persons"
    f" WHEN NEW.lead_status_id IS NOT NULL BEGIN {_count('NEW', '1', '0')} END",
    "CREATE TRIGGER persons_count_delete AFTER DELETE ON persons"
    f" WHEN OLD.lead_status_id IS NOT NULL BEGIN {_count('OLD', '-1', '0')} END",
    "CREATE TRIGGER persons_count_leave AFTER UPDATE OF lead_status_id, owner_id ON persons"
    f" WHEN OLD.lead_status_id IS NOT NULL AND {_CHANGED} BEGIN {_count('OLD', '-1', '0')} END",
    "CREATE TRIGGER persons_count_enter AFTER UPDATE OF lead_status_id, owner_id ON persons"
    f" WHEN NEW.lead_status_id IS NOT NULL AND {_CHANGED} BEGIN {_count('NEW', '1', '0')} END",
)

POSTGRESQL = (
    f"""CREATE FUNCTION persons_count_leads() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    chosen integer := floor(random() * {SLOTS});
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.lead_status_id IS NOT DISTINCT FROM NEW.lead_status_id
            AND OLD.owner_id IS NOT DISTINCT FROM NEW.owner_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.lead_status_id IS NOT NULL THEN
        {_count("OLD", "-1", "chosen")}
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.lead_status_id IS NOT NULL THEN
        {_count("NEW", "1", "chosen")}
    END IF;
    RETURN NULL;
END
$$""",
    "CREATE TRIGGER persons_count_leads"
    " AFTER INSERT OR DELETE OR UPDATE OF lead_status_id, owner_id ON persons"
    " FOR EACH ROW EXECUTE FUNCTION persons_count_leads()",
)


def migrate(conn: Any, dialect: str) -> None:
    run_sql(conn, dialect, COMMON)
    for statement in POSTGRESQL if dialect == POSTGRES else SQLITE:
        conn.execute(statement)
