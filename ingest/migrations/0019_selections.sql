-- The lists by lead fields, and selections (saved searches) over them.
--
-- Sorting persons by lead status follows the statuses' configured order, not their ids or
-- names. No copy of a status's position is kept on the person (it would go stale when an
-- admin reorders): ingest/storage/lead_lists.py walks the tenant's statuses in their order,
-- one range of persons_by_lead_status (0015) each, so a page stays a range scan and a
-- reorder is one UPDATE of the statuses. Owners the same way, a range per member by email:
-- "My leads" is one range of this index.
CREATE INDEX persons_by_owner ON persons (tenant_id, owner_id, person_id);
CREATE INDEX companies_by_owner ON companies (tenant_id, owner_id, company_id);

-- A saved search over the persons or the companies list: the list's own query parameters
-- (as its address carries them, validated by the same parsing) as a JSON object, re-run
-- whenever the selection is opened. Shared in the tenant: every member sees them; their
-- creator or an admin renames and deletes them. created_by is a user of the customer.
CREATE TABLE selections (
    tenant_id     TEXT NOT NULL REFERENCES tenants (tenant_id),
    selection_id  TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('persons', 'companies')),
    name          TEXT NOT NULL,
    query         TEXT NOT NULL,
    created_by    TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, selection_id),
    UNIQUE (tenant_id, name)
);
