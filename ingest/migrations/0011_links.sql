-- Campaigns and the tracking URLs built for them (the UTM builder).
CREATE TABLE campaigns (
    tenant_id    TEXT NOT NULL REFERENCES tenants (tenant_id),
    campaign_id  TEXT NOT NULL,
    name         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, campaign_id)
);

-- The utm_campaign values a campaign owns; a value belongs to one campaign.
CREATE TABLE campaign_values (
    tenant_id     TEXT NOT NULL REFERENCES tenants (tenant_id),
    utm_campaign  TEXT NOT NULL,
    campaign_id   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, utm_campaign)
);

CREATE TABLE tracking_urls (
    tenant_id     TEXT NOT NULL REFERENCES tenants (tenant_id),
    url_id        TEXT NOT NULL,
    url           TEXT NOT NULL,
    page_url      TEXT NOT NULL,
    source        TEXT NOT NULL,
    medium        TEXT NOT NULL,
    campaign      TEXT NOT NULL,
    term          TEXT,
    content       TEXT,
    created_by    TEXT,            -- the user's email, kept as text: users may be removed
    created_at    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, url_id)
);

CREATE INDEX tracking_urls_by_created ON tracking_urls (tenant_id, created_at);
-- What a link brought: touches, sessions and persons by their campaign values.
CREATE INDEX touches_by_campaign ON touches (tenant_id, campaign, source, medium);
CREATE INDEX sessions_by_campaign ON sessions (tenant_id, campaign, source, medium);
