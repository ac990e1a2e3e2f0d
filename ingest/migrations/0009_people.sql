-- The People pages: search, filters and sorts over a tenant's persons and companies that stay
-- fast with a million persons (ingest/storage/people.py).
--
-- A sort on a joined column (a touch's source, a company's name) cannot walk an index: every
-- page would sort the whole tenant. So each person carries copies of what its list sorts and
-- filters by, written by the submission job and by a person's edit (ingest/domain/persons.py),
-- never NULL ('' for none) so that a keyset (value, person_id) compares plainly on both engines:
--   name_key      first and last name, lower-cased
--   company_key   the company's name_key (case- and space-folded)
--   search_key    email, names and company name, lower-cased: what the free-text search scans
--   ft_*, lc_*    source, medium and campaign of the first touch and of the lead creation
-- The touches and companies stay the truth; a page shows them, these only order and select.
ALTER TABLE persons ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN company_key TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN ft_source TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN ft_medium TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN ft_campaign TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN lc_source TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN lc_medium TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN lc_campaign TEXT NOT NULL DEFAULT '';

-- Existing persons. SQLite's lower() folds ASCII only; new rows are folded in Python
-- (str.lower), as the search text is, so only older non-ASCII names may miss a case-folded
-- match until they are edited.
UPDATE persons SET
    name_key = lower(trim(COALESCE(first_name, '') || ' ' || COALESCE(last_name, ''))),
    company_key = COALESCE((SELECT c.name_key FROM companies c
        WHERE c.tenant_id = persons.tenant_id AND c.company_id = persons.company_id), ''),
    ft_source = COALESCE((SELECT t.source FROM touches t
        WHERE t.tenant_id = persons.tenant_id AND t.touch_id = persons.first_touch_id), ''),
    ft_medium = COALESCE((SELECT t.medium FROM touches t
        WHERE t.tenant_id = persons.tenant_id AND t.touch_id = persons.first_touch_id), ''),
    ft_campaign = COALESCE((SELECT t.campaign FROM touches t
        WHERE t.tenant_id = persons.tenant_id AND t.touch_id = persons.first_touch_id), ''),
    lc_source = COALESCE((SELECT t.source FROM touches t
        WHERE t.tenant_id = persons.tenant_id AND t.touch_id = persons.lead_creation_touch_id), ''),
    lc_medium = COALESCE((SELECT t.medium FROM touches t
        WHERE t.tenant_id = persons.tenant_id AND t.touch_id = persons.lead_creation_touch_id), ''),
    lc_campaign = COALESCE((SELECT t.campaign FROM touches t
        WHERE t.tenant_id = persons.tenant_id AND t.touch_id = persons.lead_creation_touch_id), '');
UPDATE persons SET search_key = lower(email || ' ' || name_key || ' ' || COALESCE((SELECT c.name
    FROM companies c WHERE c.tenant_id = persons.tenant_id AND c.company_id = persons.company_id), ''));

-- One index per sort, each ending in person_id: the keyset's tie-break, so a page is one
-- range scan in either direction. An equality filter on one of these columns uses its index.
CREATE INDEX persons_by_created_id ON persons (tenant_id, created_at, person_id);
CREATE INDEX persons_by_name_key ON persons (tenant_id, name_key, person_id);
CREATE INDEX persons_by_company_key ON persons (tenant_id, company_key, person_id);
CREATE INDEX persons_by_ft_source ON persons (tenant_id, ft_source, person_id);
CREATE INDEX persons_by_ft_medium ON persons (tenant_id, ft_medium, person_id);
CREATE INDEX persons_by_ft_campaign ON persons (tenant_id, ft_campaign, person_id);
CREATE INDEX persons_by_lc_source ON persons (tenant_id, lc_source, person_id);
CREATE INDEX persons_by_lc_medium ON persons (tenant_id, lc_medium, person_id);
CREATE INDEX persons_by_lc_campaign ON persons (tenant_id, lc_campaign, person_id);
-- The older (tenant_id, created_at) index is a prefix of persons_by_created_id.
DROP INDEX persons_by_created;

-- "Persons with a submission on this form".
CREATE INDEX submissions_by_form ON submissions (tenant_id, form_id, person_id);

-- The companies list: by name (the unique (tenant_id, name_key) key) or by creation.
CREATE INDEX companies_by_created ON companies (tenant_id, created_at, company_id);
