-- The marketer's app with a million persons in a tenant (measured by `scripts/bench app`).

-- The live view (ingest/storage/activity.py): the latest submissions, newest first, read by
-- walking this index backwards; without it every submission of the tenant was sorted.
CREATE INDEX submissions_by_time ON submissions (tenant_id, submitted_at, submission_id);
-- ... which SQLite would then take for a person's submissions in time order (reads.py, the
-- erasure), since it gives the tie-break too: so the person's index gets the tie-break.
CREATE INDEX submissions_by_person_time
    ON submissions (tenant_id, person_id, submitted_at, submission_id);
DROP INDEX submissions_by_person;

-- A company card lists its persons by creation: with the company alone in the index, SQLite
-- walked the whole tenant by creation date to avoid sorting a handful of rows. This index
-- serves what persons_by_company did (erasure, the persons count), so it replaces it.
CREATE INDEX persons_by_company_created ON persons (tenant_id, company_id, created_at, person_id);
DROP INDEX persons_by_company;

-- A filter on the persons list in its default order (newest first): the matches in creation
-- order, from the first one. With only (tenant_id, column, person_id), SQLite walks every
-- person by creation and checks the column, which costs the whole tenant for a value few
-- persons have (a small campaign, a referrer seen once). Each PERSON_FILTERS column has one.
CREATE INDEX persons_by_ft_source_created ON persons (tenant_id, ft_source, created_at, person_id);
CREATE INDEX persons_by_ft_medium_created ON persons (tenant_id, ft_medium, created_at, person_id);
CREATE INDEX persons_by_ft_campaign_created
    ON persons (tenant_id, ft_campaign, created_at, person_id);
CREATE INDEX persons_by_lc_source_created ON persons (tenant_id, lc_source, created_at, person_id);
CREATE INDEX persons_by_lc_medium_created ON persons (tenant_id, lc_medium, created_at, person_id);
CREATE INDEX persons_by_lc_campaign_created
    ON persons (tenant_id, lc_campaign, created_at, person_id);
