-- Several named API keys per tenant, made and revoked on the settings page (admins) or by the
-- command line. tenant_id leads the key as in every tenant's table; key_hash (SHA-256 of the
-- key: the key itself is shown once and never stored) is unique across tenants, as it is the
-- API's one lookup not by tenant: which tenant owns this bearer key. A revoked key stays,
-- with when, so the settings page can show it. created_by is the user's id, NULL for the
-- command line; no reference to users, which migrate-data does not copy. last_used_at is
-- written by a flush every few seconds (ingest/api/key_uses.py), never per request.
CREATE TABLE api_keys (
    tenant_id     TEXT NOT NULL REFERENCES tenants (tenant_id),
    key_id        TEXT NOT NULL,
    name          TEXT NOT NULL,
    key_hash      TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL,
    created_by    TEXT,
    revoked_at    TEXT,
    last_used_at  TEXT,
    PRIMARY KEY (tenant_id, key_id)
);

-- Every tenant's one key so far becomes its key named "default".
INSERT INTO api_keys (tenant_id, key_id, name, key_hash, created_at)
SELECT tenant_id, 'key_default', 'default', api_key_hash, created_at FROM tenants;

-- tenants.api_key_hash is read no more. It stays (NOT NULL UNIQUE: SQLite drops such a
-- column only by rebuilding the table every other table references), holding a value no key
-- hashes to, so the hash of a key revoked later does not linger there.
UPDATE tenants SET api_key_hash = 'unused:' || tenant_id;
