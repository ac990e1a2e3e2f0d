"""Kept attribution credits (issue 14): the conversions, every offered model's credits
under the default 90-day lookback, their rollups and the follower's bookkeeping. The same
tables on both engines (the SQL below); on PostgreSQL the persons already there are noted
as pending for the follower (on SQLite its mark at 0 covers them). See the SQL's comments.
"""

from __future__ import annotations

from typing import Any

from ingest.storage.dialect import POSTGRES
from ingest.storage.migrations import run_sql

SQL = """
-- Kept attribution credits (issue 14): every conversion, the credits of every model offered
-- for it under the default 90-day lookback, and rollups, so a report is a sum over rollup
-- rows, never a replay. All of it is derived from persons, submissions, submission_touches,
-- touches and deals: `leadsource credits recompute` rebuilds it, and `--check` compares.
--
-- A conversion: a person's creation (contact_create, subject the person), a deal's creation
-- (deal_create) or its close as won (revenue), subject the deal. person_id is whose journey
-- was credited (NULL for a deal without a person: counted, never credited). `touched` is 0
-- when the journey has no touch in the window (a report's row with key null).
CREATE TABLE attribution_conversions (
    tenant_id     TEXT NOT NULL REFERENCES tenants (tenant_id),
    conversion    TEXT NOT NULL CHECK (conversion IN ('contact_create', 'deal_create', 'revenue')),
    subject_id    TEXT NOT NULL,
    person_id     TEXT,
    converted_at  TEXT NOT NULL,
    day           TEXT NOT NULL,              -- the UTC day of converted_at, YYYY-MM-DD
    amount        INTEGER,                    -- revenue: the deal's amount in cents
    currency      TEXT NOT NULL DEFAULT '',   -- revenue: the deal's currency
    touched       INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, conversion, subject_id)
);
CREATE INDEX attribution_conversions_by_person ON attribution_conversions (tenant_id, person_id);
CREATE INDEX attribution_conversions_by_day
    ON attribution_conversions (tenant_id, conversion, day, subject_id);

-- One touch's credit for one conversion under one model (touches credited nothing are not
-- kept). position is the touch's index in the journey (oldest 0); positions its letters
-- (F, C, D, W, L or M); parts of 10^9 (a conversion's sum to exactly 10^9), cents of a
-- revenue conversion's amount. campaign '' for none. day and currency are the conversion's,
-- copied so the rollups are one GROUP BY of this table.
CREATE TABLE attribution_credits (
    tenant_id   TEXT NOT NULL REFERENCES tenants (tenant_id),
    conversion  TEXT NOT NULL,
    subject_id  TEXT NOT NULL,
    model       TEXT NOT NULL,
    position    INTEGER NOT NULL,
    touch_id    TEXT,
    touch_at    TEXT NOT NULL,
    source      TEXT NOT NULL,
    medium      TEXT NOT NULL,
    campaign    TEXT NOT NULL,
    channel     TEXT NOT NULL,
    positions   TEXT NOT NULL,
    parts       INTEGER NOT NULL,
    cents       INTEGER,
    day         TEXT NOT NULL,
    currency    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, conversion, subject_id, model, position)
);
-- The conversions behind a report's row (the attribution page's trace) and a campaign's.
CREATE INDEX attribution_credits_by_day
    ON attribution_credits (tenant_id, conversion, model, day, subject_id);
CREATE INDEX attribution_credits_by_campaign
    ON attribution_credits (tenant_id, conversion, model, campaign, day);

-- Sums of the credits per tenant, conversion, model, UTC day, currency and key columns
-- (by source, medium, campaign, source / medium and channel are all sums of these rows).
-- `credits` counts the credit rows; a row whose count reaches 0 is deleted.
CREATE TABLE attribution_rollups (
    tenant_id   TEXT NOT NULL REFERENCES tenants (tenant_id),
    conversion  TEXT NOT NULL,
    model       TEXT NOT NULL,
    day         TEXT NOT NULL,
    currency    TEXT NOT NULL,
    source      TEXT NOT NULL,
    medium      TEXT NOT NULL,
    campaign    TEXT NOT NULL,
    channel     TEXT NOT NULL,
    parts       INTEGER NOT NULL,
    cents       INTEGER NOT NULL,
    credits     INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, conversion, model, day, currency, source, medium, campaign, channel)
);

-- Conversions per tenant, type, UTC day and currency: how many, how many had no touch in
-- the window (the report's null key) and those ones' amounts (revenue).
CREATE TABLE attribution_totals (
    tenant_id        TEXT NOT NULL REFERENCES tenants (tenant_id),
    conversion       TEXT NOT NULL,
    day              TEXT NOT NULL,
    currency         TEXT NOT NULL,
    conversions      INTEGER NOT NULL,
    untouched        INTEGER NOT NULL,
    untouched_cents  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, conversion, day, currency)
);

-- The follower (ingest/domain/credits/follower.py) credits the persons of new submissions
-- out of the submission's transaction. SQLite: submissions in rowid order above this mark
-- (every tenant's; the one writer commits rowids in order). Starts at 0: the service
-- credits what was there before this migration in the background, a batch at a time.
CREATE TABLE attribution_followed (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    up_to  INTEGER NOT NULL
);
INSERT INTO attribution_followed (id, up_to) VALUES (1, 0);

-- PostgreSQL: rowids do not exist and sequence values commit out of order, so the
-- submission job notes its person here (one idempotent insert) and the follower takes rows
-- with FOR UPDATE SKIP LOCKED, safe with several processes. Unused on SQLite.
CREATE TABLE attribution_pending (
    tenant_id  TEXT NOT NULL REFERENCES tenants (tenant_id),
    person_id  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, person_id)
);
"""

PENDING = (
    "INSERT INTO attribution_pending (tenant_id, person_id)"
    " SELECT tenant_id, person_id FROM persons"
)


def migrate(conn: Any, dialect: str) -> None:
    run_sql(conn, dialect, SQL)
    if dialect == POSTGRES:
        conn.execute(PENDING)
