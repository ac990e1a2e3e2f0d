-- Dashboards: pages of tiles, each tile one report (ingest/domain/reports/) shown as a
-- number, a chart with its table, a funnel, lines over time, a table, or a saved selection.
--
-- A tenant's three default dashboards (Marketing, Lead nurturing, Sales) are made the first
-- time its dashboards are read (tenants.dashboards_made marks that), so a tenant made before
-- or after this migration gets them once, and a dashboard a user deletes stays deleted.
CREATE TABLE dashboards (
    tenant_id     TEXT NOT NULL REFERENCES tenants (tenant_id),
    dashboard_id  TEXT NOT NULL,
    name          TEXT NOT NULL,
    position      INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, dashboard_id),
    UNIQUE (tenant_id, name)
);

-- One tile: its report (measure, grouping, period, filters as a JSON object of the report's
-- address parameters) and how it is shown (kind, top rows). selection_id only for a
-- selection list tile.
CREATE TABLE dashboard_tiles (
    tenant_id     TEXT NOT NULL REFERENCES tenants (tenant_id),
    tile_id       TEXT NOT NULL,
    dashboard_id  TEXT NOT NULL,
    position      INTEGER NOT NULL,
    title         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    measure       TEXT NOT NULL DEFAULT '',
    grouping      TEXT NOT NULL DEFAULT '',
    period        TEXT NOT NULL DEFAULT 'year_to_date',
    period_from   TEXT NOT NULL DEFAULT '',
    period_to     TEXT NOT NULL DEFAULT '',
    filters       TEXT NOT NULL DEFAULT '{}',
    top           INTEGER NOT NULL DEFAULT 10,
    selection_id  TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, tile_id)
);
CREATE INDEX dashboard_tiles_by_dashboard ON dashboard_tiles (tenant_id, dashboard_id, position);

ALTER TABLE tenants ADD COLUMN dashboards_made INTEGER NOT NULL DEFAULT 0;

-- The reports of new leads read the period's persons in creation order with every column a
-- grouping or filter of theirs needs, from this index alone (no row lookups): a scan of the
-- period's entries, not of the tenant's rows.
CREATE INDEX persons_for_reports ON persons (tenant_id, created_at, lc_source, lc_medium,
    lc_campaign, lc_channel, ft_source, ft_medium, ft_campaign, ft_channel, lead_status_id,
    owner_id, company_id, person_id);
-- The qualification funnel: who ever entered a status.
CREATE INDEX lead_status_history_by_status
    ON lead_status_history (tenant_id, to_status_id, person_id);
-- Leads by way in (chat, forms, ...): a person's submissions by via.
CREATE INDEX submissions_by_via ON submissions (tenant_id, via, person_id);
