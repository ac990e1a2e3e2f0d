-- Which of a tenant's sites load utm.js ("is the script installed?" on the settings page).

-- The origin (scheme://host[:port]) of the page that loaded the script, from the request's
-- Origin or Referer, and when that was first and last seen. Each process notes them in memory
-- and upserts them as one writer job now and then (ingest/edge/sightings.py); at most
-- MAX_ORIGINS (20) per tenant are kept, the most recently seen. No visitor data.
CREATE TABLE script_sightings (
    tenant_id      TEXT NOT NULL REFERENCES tenants (tenant_id),
    origin         TEXT NOT NULL,
    first_seen_at  TEXT NOT NULL,
    last_seen_at   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, origin)
);
