-- Kept counts of the lead board's columns, and an index that sums deals without reading them.
--
-- ``lead_counts``: how many persons stand in each lead status, per owner ('' for nobody), so
-- the board's column counts (``storage/board.counts``) are a sum of a few rows, not a pass over
-- every lead of the tenant (121 ms at 210,000 persons for "nobody's", growing with the data).
-- Filled here from the persons; kept from then on by the statements that change a person's
-- status or owner or delete a person (``ingest/storage/lead_counts.py``, which says why not
-- triggers). A kept, read-only status (the company's category left lead status) still counts,
-- as the board shows it.
--
-- ``deals_sums``: the deals list's totals and the pipeline's sums read status, currency, stage
-- and amount only; this index holds them all, so neither reads a deal's row.
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
