-- Deals (sales) and the pipeline they move through (ingest/domain/deals.py,
-- ingest/storage/deals.py). A deal is attributed to the lead-creation source of its person
-- (the person's lc_* copies, read through a join: they are the person's, not the deal's).

-- The currency a new deal takes when none is given.
ALTER TABLE tenants ADD COLUMN currency TEXT NOT NULL DEFAULT 'EUR';

-- The stages of a tenant's pipeline, in position order. Won and lost are a deal's status,
-- not stages. A stage is deactivated, never deleted: deals and their history name it.
-- name_key is the lower-cased name: two stages of a tenant never share a name in any case.
CREATE TABLE pipeline_stages (
    tenant_id    TEXT NOT NULL REFERENCES tenants (tenant_id),
    stage_id     TEXT NOT NULL,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    probability  INTEGER NOT NULL CHECK (probability BETWEEN 0 AND 100),
    position     INTEGER NOT NULL,
    active       INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, stage_id)
);
CREATE UNIQUE INDEX pipeline_stages_by_name ON pipeline_stages (tenant_id, name_key);

-- A deal. amount is in minor units (cents): exact, summed as integers, never a float.
-- person_id is NULL once the person was erased (the deal is the customer's sales record and
-- stays); company_id is the person's company unless another was given. owner_user_id is a
-- user of the tenant, without a foreign key: users are the service's (not copied between
-- databases) and a removed member's deals keep the id. expected_close is YYYY-MM-DD or ''
-- (never NULL, so a keyset compares plainly, as the persons' copies do).
CREATE TABLE deals (
    tenant_id       TEXT NOT NULL REFERENCES tenants (tenant_id),
    deal_id         TEXT NOT NULL,
    title           TEXT NOT NULL,
    title_key       TEXT NOT NULL,
    person_id       TEXT,
    company_id      TEXT,
    owner_user_id   TEXT,
    amount          INTEGER NOT NULL CHECK (amount >= 0),
    currency        TEXT NOT NULL,
    stage_id        TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'won', 'lost')),
    created_at      TEXT NOT NULL,
    expected_close  TEXT NOT NULL DEFAULT '',
    closed_at       TEXT,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, deal_id)
);
-- One index per sort of the list, each ending in deal_id (the keyset's tie-break).
CREATE INDEX deals_by_created ON deals (tenant_id, created_at, deal_id);
CREATE INDEX deals_by_amount ON deals (tenant_id, amount, deal_id);
CREATE INDEX deals_by_title ON deals (tenant_id, title_key, deal_id);
CREATE INDEX deals_by_expected ON deals (tenant_id, expected_close, deal_id);
-- The pipeline's columns: open deals of a stage, biggest first; and "is this stage in use".
CREATE INDEX deals_by_stage ON deals (tenant_id, status, stage_id, amount, deal_id);
-- The cards' deals and the filters by person, company, owner and close date.
CREATE INDEX deals_by_person ON deals (tenant_id, person_id);
CREATE INDEX deals_by_company ON deals (tenant_id, company_id);
CREATE INDEX deals_by_owner ON deals (tenant_id, owner_user_id, deal_id);
CREATE INDEX deals_by_closed ON deals (tenant_id, closed_at, deal_id);

-- Every change of a deal's stage, status or amount: from, to, who (a user, or NULL for the
-- API and the demo), when. A new deal's first values are changes from NULL, so the time in
-- each stage can be computed. Stages are named by id (a rename shows everywhere); amounts in
-- minor units. seq orders one deal's changes (taken under the deal's row lock).
CREATE TABLE deal_history (
    tenant_id   TEXT NOT NULL REFERENCES tenants (tenant_id),
    deal_id     TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    field       TEXT NOT NULL CHECK (field IN ('stage', 'status', 'amount')),
    from_value  TEXT,
    to_value    TEXT,
    user_id     TEXT,
    at          TEXT NOT NULL,
    PRIMARY KEY (tenant_id, deal_id, seq)
);

-- The default pipeline of every existing tenant (new ones get it in storage/admin.py).
INSERT INTO pipeline_stages (tenant_id, stage_id, name, name_key, probability, position,
    active, created_at)
SELECT tenant_id, 'stg_qualification', 'Qualification', 'qualification', 20, 1, 1, created_at
FROM tenants;
INSERT INTO pipeline_stages (tenant_id, stage_id, name, name_key, probability, position,
    active, created_at)
SELECT tenant_id, 'stg_proposal', 'Proposal', 'proposal', 50, 2, 1, created_at FROM tenants;
INSERT INTO pipeline_stages (tenant_id, stage_id, name, name_key, probability, position,
    active, created_at)
SELECT tenant_id, 'stg_negotiation', 'Negotiation', 'negotiation', 80, 3, 1, created_at
FROM tenants;
