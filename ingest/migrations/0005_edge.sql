-- The public edge: rate-limit counters, submission content hashes, URL parameters a tenant keeps.

-- Fixed-window counters shared by every process of the service (ingest/limits.py). subject is
-- '*' for the tenant as a whole or a hash of the client's address (never the address itself);
-- rows are deleted once their window has passed. The upsert that adds to them is the same in
-- PostgreSQL: INSERT ... ON CONFLICT (...) DO UPDATE SET hits = rate_counters.hits + excluded.hits.
CREATE TABLE rate_counters (
    tenant_id     TEXT NOT NULL,
    scope         TEXT NOT NULL,     -- submit, form, collect, script
    subject       TEXT NOT NULL,
    window_start  INTEGER NOT NULL,  -- Unix seconds, a multiple of the window's length
    hits          INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, scope, subject, window_start)
);

-- A hash of the submission's normalised content: a retry with the same id and content gets
-- the stored answer, the same id with other content is a conflict. NULL for older rows.
ALTER TABLE submissions ADD COLUMN content_hash TEXT;

-- Query parameters the tenant keeps in stored landing pages and referrers, besides campaign
-- keys and click ids (JSON list of names).
ALTER TABLE tenants ADD COLUMN keep_params TEXT NOT NULL DEFAULT '[]';
