-- Leads (SPEC "Leads (seed 002)"): company categories in category groups, lead statuses on
-- persons, the history of both, and owners. The rules are ingest/domain/leads.py's.
--
-- A group with lead_status_enabled makes the persons of its categories' companies show and
-- edit a lead status. Nothing in use is deleted: statuses, categories and groups are
-- deactivated (active = 0), and a deactivation in use is refused.
CREATE TABLE category_groups (
    tenant_id            TEXT NOT NULL REFERENCES tenants (tenant_id),
    group_id             TEXT NOT NULL,
    name                 TEXT NOT NULL,
    lead_status_enabled  INTEGER NOT NULL DEFAULT 0 CHECK (lead_status_enabled IN (0, 1)),
    position             INTEGER NOT NULL,
    active               INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    PRIMARY KEY (tenant_id, group_id),
    UNIQUE (tenant_id, name)
);

CREATE TABLE categories (
    tenant_id    TEXT NOT NULL REFERENCES tenants (tenant_id),
    category_id  TEXT NOT NULL,
    group_id     TEXT NOT NULL,
    name         TEXT NOT NULL,
    position     INTEGER NOT NULL,   -- within its group
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    PRIMARY KEY (tenant_id, category_id),
    UNIQUE (tenant_id, name)
);

CREATE TABLE lead_statuses (
    tenant_id  TEXT NOT NULL REFERENCES tenants (tenant_id),
    status_id  TEXT NOT NULL,
    name       TEXT NOT NULL,
    position   INTEGER NOT NULL,   -- the first active one is where a new lead starts
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    PRIMARY KEY (tenant_id, status_id),
    UNIQUE (tenant_id, name)
);

-- Every change of a person's lead status (from NULL: the status it started with). user_id
-- is NULL for the system (a form submission); statuses are named by id, so a rename shows.
CREATE TABLE lead_status_history (
    tenant_id       TEXT NOT NULL REFERENCES tenants (tenant_id),
    history_id      TEXT NOT NULL,
    person_id       TEXT NOT NULL,
    from_status_id  TEXT,
    to_status_id    TEXT NOT NULL,
    user_id         TEXT,
    at              TEXT NOT NULL,
    PRIMARY KEY (tenant_id, history_id)
);
CREATE INDEX lead_status_history_by_person ON lead_status_history (tenant_id, person_id, at);

CREATE TABLE category_history (
    tenant_id         TEXT NOT NULL REFERENCES tenants (tenant_id),
    history_id        TEXT NOT NULL,
    company_id        TEXT NOT NULL,
    from_category_id  TEXT,
    to_category_id    TEXT,
    user_id           TEXT,
    at                TEXT NOT NULL,
    PRIMARY KEY (tenant_id, history_id)
);
CREATE INDEX category_history_by_company ON category_history (tenant_id, company_id, at);

-- A person's lead status is kept when their company's category leaves lead status (read-only
-- then, still searchable and counted); lead_status_at is when it last changed.
ALTER TABLE persons ADD COLUMN lead_status_id TEXT;
ALTER TABLE persons ADD COLUMN lead_status_at TEXT;
ALTER TABLE persons ADD COLUMN owner_id TEXT;       -- a user who is a member of the tenant
ALTER TABLE companies ADD COLUMN category_id TEXT;
ALTER TABLE companies ADD COLUMN owner_id TEXT;
-- The category a company created by a form submission gets (NULL: none).
ALTER TABLE tenants ADD COLUMN default_category_id TEXT;

-- "Is this status or category in use?" and, later, the lists' filters by them.
CREATE INDEX persons_by_lead_status ON persons (tenant_id, lead_status_id, person_id);
CREATE INDEX companies_by_category ON companies (tenant_id, category_id, company_id);

-- The seed's defaults for existing tenants (new tenants get the same in
-- ingest/storage/admin.py's create_tenant, from ingest/storage/leads.py's DEFAULT_*). The
-- default rows have fixed ids: ids are per tenant, so every tenant can have its own 'cat_lead'.
INSERT INTO category_groups (tenant_id, group_id, name, lead_status_enabled, position, active)
    SELECT tenant_id, 'grp_potential', 'Potential customer', 1, 1, 1 FROM tenants;
INSERT INTO category_groups (tenant_id, group_id, name, lead_status_enabled, position, active)
    SELECT tenant_id, 'grp_customer', 'Customer', 0, 2, 1 FROM tenants;
INSERT INTO category_groups (tenant_id, group_id, name, lead_status_enabled, position, active)
    SELECT tenant_id, 'grp_partner', 'Partner', 0, 3, 1 FROM tenants;
INSERT INTO categories (tenant_id, category_id, group_id, name, position, active)
    SELECT tenant_id, 'cat_lead', 'grp_potential', 'Lead', 1, 1 FROM tenants;
INSERT INTO categories (tenant_id, category_id, group_id, name, position, active)
    SELECT tenant_id, 'cat_mql', 'grp_potential', 'Marketing qualified lead (MQL)', 2, 1 FROM tenants;
INSERT INTO categories (tenant_id, category_id, group_id, name, position, active)
    SELECT tenant_id, 'cat_opportunity', 'grp_potential', 'Opportunity', 3, 1 FROM tenants;
INSERT INTO categories (tenant_id, category_id, group_id, name, position, active)
    SELECT tenant_id, 'cat_lost', 'grp_potential', 'Lost opportunity', 4, 1 FROM tenants;
INSERT INTO categories (tenant_id, category_id, group_id, name, position, active)
    SELECT tenant_id, 'cat_customer', 'grp_customer', 'Customer', 1, 1 FROM tenants;
INSERT INTO categories (tenant_id, category_id, group_id, name, position, active)
    SELECT tenant_id, 'cat_partner', 'grp_partner', 'Partner', 1, 1 FROM tenants;
INSERT INTO lead_statuses (tenant_id, status_id, name, position, active)
    SELECT tenant_id, 'sts_open', 'Open', 1, 1 FROM tenants;
INSERT INTO lead_statuses (tenant_id, status_id, name, position, active)
    SELECT tenant_id, 'sts_contacting', 'Contacting', 2, 1 FROM tenants;
INSERT INTO lead_statuses (tenant_id, status_id, name, position, active)
    SELECT tenant_id, 'sts_disqualified', 'Disqualified', 3, 1 FROM tenants;
INSERT INTO lead_statuses (tenant_id, status_id, name, position, active)
    SELECT tenant_id, 'sts_recontact', 'Recontact', 4, 1 FROM tenants;
INSERT INTO lead_statuses (tenant_id, status_id, name, position, active)
    SELECT tenant_id, 'sts_qualified', 'Qualified', 5, 1 FROM tenants;
UPDATE tenants SET default_category_id = 'cat_lead';
