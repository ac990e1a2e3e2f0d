-- The marketer's app: users, their memberships of tenants, and the service's own secrets.

-- A person who signs in to the app. Not a tenant's row: one account may belong to several
-- tenants (with Citus, a reference table copied to every node). email is stored lowercased
-- and trimmed. session_version goes up at sign-out and at a password change: a session
-- cookie carries the version it was issued under and is refused once they differ.
CREATE TABLE users (
    user_id             TEXT PRIMARY KEY,
    email               TEXT NOT NULL UNIQUE,
    password_hash       TEXT NOT NULL,
    session_version     INTEGER NOT NULL DEFAULT 1,
    password_changed_at TEXT NOT NULL,
    created_at          TEXT NOT NULL
);

-- A user's role in one tenant: admin (settings, users, API keys), marketer (forms, links,
-- live view, reports), sales (persons and companies).
CREATE TABLE memberships (
    tenant_id  TEXT NOT NULL REFERENCES tenants (tenant_id),
    user_id    TEXT NOT NULL REFERENCES users (user_id),
    role       TEXT NOT NULL CHECK (role IN ('admin', 'marketer', 'sales')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
);
-- Which tenants a signed-in user belongs to: the app's one lookup across tenants.
CREATE INDEX memberships_by_user ON memberships (user_id, tenant_id);

-- Secrets the service generates for itself when the operator sets none, so that every
-- process on this database agrees on them (name 'session': the app's session signing key,
-- unless LEADSOURCE_SECRET_KEY is set).
CREATE TABLE service_secrets (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TEXT NOT NULL
);
