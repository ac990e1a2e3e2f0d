-- Operations: retention of page views and sessions, and what erasing one person needs.

-- Days a tenant keeps page views and sessions (`leadsource prune` deletes older ones);
-- NULL keeps them forever.
ALTER TABLE tenants ADD COLUMN retention_days INTEGER CHECK (retention_days IS NULL OR retention_days > 0);

-- utm.js's random visitor id sent with a submission (hidden field ls_visitor_id), so the
-- page-view sessions of a person can be found to export or erase them. NULL when not sent.
ALTER TABLE submissions ADD COLUMN visitor_id TEXT;

-- Pruning by time: a session goes once its last view is older than the retention, a page
-- view once it is.
CREATE INDEX sessions_by_last_seen ON sessions (tenant_id, last_seen_at);
CREATE INDEX pageviews_by_at ON pageviews (tenant_id, at);

-- Erasing a person: their visitors' page views, the other persons of their company, and the
-- company whose source is one of their touches.
CREATE INDEX pageviews_by_visitor ON pageviews (tenant_id, visitor_id);
CREATE INDEX persons_by_company ON persons (tenant_id, company_id);
CREATE INDEX companies_by_source_touch ON companies (tenant_id, source_touch_id);
