-- Campaign performance (ingest/storage/campaigns.py).
--
-- Influenced contacts: the persons a campaign's utm_campaign value reached, on the day of
-- the conversion that carried it (a person's creation with it as first touch or lead
-- creation; a submission with it as conversion touch or in its touch history), each
-- (value, day, person) once. Kept by the submission job (domain/submissions.py), so a
-- period's count is one range of this key instead of a walk from every touch of the
-- campaign through the submissions (about a second a campaign at 100,000 persons).
-- Derived from persons, submissions and touches: erased with the person.
CREATE TABLE person_campaign_days (
    tenant_id  TEXT NOT NULL REFERENCES tenants (tenant_id),
    campaign   TEXT NOT NULL,   -- a utm_campaign value
    day        TEXT NOT NULL,   -- YYYY-MM-DD (UTC) of the conversion
    person_id  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, campaign, day, person_id)
);
CREATE INDEX person_campaign_days_by_person ON person_campaign_days (tenant_id, person_id);

INSERT INTO person_campaign_days (tenant_id, campaign, day, person_id)
SELECT p.tenant_id, p.ft_campaign, substr(p.created_at, 1, 10), p.person_id
FROM persons p WHERE p.ft_campaign <> ''
UNION
SELECT p.tenant_id, p.lc_campaign, substr(p.created_at, 1, 10), p.person_id
FROM persons p WHERE p.lc_campaign <> ''
UNION
SELECT s.tenant_id, t.campaign, substr(s.submitted_at, 1, 10), s.person_id
FROM submissions s JOIN touches t
    ON t.tenant_id = s.tenant_id AND t.touch_id = s.conversion_touch_id
WHERE t.campaign IS NOT NULL AND t.campaign <> ''
UNION
SELECT s.tenant_id, t.campaign, substr(s.submitted_at, 1, 10), s.person_id
FROM submission_touches st
JOIN submissions s ON s.tenant_id = st.tenant_id AND s.submission_id = st.submission_id
JOIN touches t ON t.tenant_id = st.tenant_id AND t.touch_id = st.touch_id
WHERE t.campaign IS NOT NULL AND t.campaign <> '';

-- A campaign's sessions within a period, read from the index alone.
CREATE INDEX sessions_by_campaign_started
    ON sessions (tenant_id, campaign, started_at, views, is_new_visitor);
