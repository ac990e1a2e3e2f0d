-- The campaign pages (ingest/storage/campaigns.py) start from a campaign's touches
-- (touches_by_campaign, 0011) and need the other way round of two pointers to reach the
-- persons they influenced: the submissions that kept a touch in their history, and the
-- submission whose conversion a touch is (with its time and person, so the index answers
-- alone). Without them each is a scan of the tenant.
CREATE INDEX submission_touches_by_touch ON submission_touches (tenant_id, touch_id, submission_id);
CREATE INDEX submissions_by_conversion_touch
    ON submissions (tenant_id, conversion_touch_id, submitted_at, person_id);
-- A campaign's sessions within a period, read from the index alone.
CREATE INDEX sessions_by_campaign_started
    ON sessions (tenant_id, campaign, started_at, views, is_new_visitor);
