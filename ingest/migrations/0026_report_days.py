"""Kept daily counts for the dashboards' reports (issue 14): ``person_days`` and
``deal_days``, filled here from the raw rows of every tenant by the statements
``ingest/storage/reports/kept.py`` recounts a tenant with, and kept from then on by the
statements that change persons, their submissions, status history and companies, and
deals (that module says which and why). See the SQL's comments.
"""

from __future__ import annotations

from typing import Any

from ingest.storage.dialect import SQLITE
from ingest.storage.migrations import run_sql
from ingest.storage.reports.kept import fill_statements

SQL = """
-- Persons counted by the UTC day they were created (YYYY-MM-DD) and a dimension: 'lead'
-- (k1 lead status, k2 owner, k3 the company's category), 'lc' and 'ft' (k1 source, k2
-- medium, k3 campaign, k4 channel of lead creation and of first touch), 'via' and 'form'
-- (k1 a way in or form the person has a submission by), 'reached' (k1 a lead status the
-- person's history entered). '' for none. slot: PostgreSQL spreads concurrent writes over
-- 8 rows of one key (0 on SQLite); a count is the sum of its slots. No person is named.
CREATE TABLE person_days (
    tenant_id  TEXT NOT NULL REFERENCES tenants (tenant_id),
    dim        TEXT NOT NULL,
    day        TEXT NOT NULL,
    k1         TEXT NOT NULL,
    k2         TEXT NOT NULL,
    k3         TEXT NOT NULL,
    k4         TEXT NOT NULL,
    slot       INTEGER NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, dim, day, k1, k2, k3, k4, slot)
){without_rowid};

-- Deals counted, and their amounts (minor units) summed, per currency, by kind: 'created'
-- (every deal, by its creation day), 'open' (open deals by creation day), 'won' (won deals
-- by their close day); k1-k4 the deal's person's lead creation (source, medium, campaign,
-- channel), '' for a deal without a person.
CREATE TABLE deal_days (
    tenant_id  TEXT NOT NULL REFERENCES tenants (tenant_id),
    kind       TEXT NOT NULL,
    day        TEXT NOT NULL,
    k1         TEXT NOT NULL,
    k2         TEXT NOT NULL,
    k3         TEXT NOT NULL,
    k4         TEXT NOT NULL,
    currency   TEXT NOT NULL,
    slot       INTEGER NOT NULL,
    n          BIGINT NOT NULL,
    amount     BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, kind, day, k1, k2, k3, k4, currency, slot)
){without_rowid};

-- Migration 0023's covering index for the reports' passes over the period's persons: the
-- reports without filters read the counts above now, and the index cost every new person
-- the upkeep of 14 columns (part of 0.72 against 0.61 ms of CPU a submission, measured
-- with submissions_by_via). Filtered reports find the period's persons by persons_by_created.
DROP INDEX persons_for_reports;
"""


def migrate(conn: Any, dialect: str) -> None:
    # SQLite: the rows live in their key's b-tree (no table beside an index), so an upsert
    # writes one b-tree, not two.
    run_sql(conn, dialect, SQL.format(without_rowid=" WITHOUT ROWID" if dialect == SQLITE else ""))
    for statement in fill_statements("p.tenant_id IS NOT NULL"):
        conn.execute(statement)
