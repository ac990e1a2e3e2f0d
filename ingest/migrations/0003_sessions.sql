-- Page views, grouped into sessions (POST /t/{tenant}/collect).

-- A visit: page views of one visitor with no gap over 30 minutes and no new campaign.
-- The arrival's source columns are those of touches; all NULL with UTM data transfer off.
CREATE TABLE sessions (
    tenant_id       TEXT NOT NULL REFERENCES tenants (tenant_id),
    session_id      TEXT NOT NULL,
    visitor_id      TEXT NOT NULL,   -- utm.js's random id, no personal data
    is_new_visitor  INTEGER NOT NULL CHECK (is_new_visitor IN (0, 1)),
    campaign_key    TEXT,            -- the landing URL's utm_* and click ids, canonical JSON
    source          TEXT,
    medium          TEXT,
    campaign        TEXT,
    term            TEXT,
    content         TEXT,
    utm_id          TEXT,
    click_ids       TEXT,            -- JSON object, e.g. {"gclid": "..."}
    landing_page    TEXT,
    referrer        TEXT,
    started_at      TEXT NOT NULL,
    last_seen_at    TEXT NOT NULL,
    views           INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, session_id)
);

CREATE INDEX sessions_by_visitor ON sessions (tenant_id, visitor_id, started_at);
CREATE INDEX sessions_by_started ON sessions (tenant_id, started_at);

CREATE TABLE pageviews (
    tenant_id    TEXT NOT NULL REFERENCES tenants (tenant_id),
    pageview_id  TEXT NOT NULL,
    session_id   TEXT NOT NULL,
    visitor_id   TEXT NOT NULL,
    url          TEXT NOT NULL,
    at           TEXT NOT NULL,
    PRIMARY KEY (tenant_id, pageview_id)
);

CREATE INDEX pageviews_by_session ON pageviews (tenant_id, session_id, at);
