"""An index for the persons list's free-text search (``q``: a substring of the lower-cased
search text, ``persons.search_key``), so that a rare word does not cost a pass over the
tenant's persons. Each engine has its own kind of substring index, so this migration is
Python, one branch per engine; the query keeps LIKE's exact semantics on both
(``ingest/storage/people.py``).

SQLite: ``person_search``, an FTS5 table of trigrams over ``persons.search_key``, with the
persons table as its external content (nothing is stored twice; its rowids are the
persons'; ``tenant_id`` is there to read it by tenant, not indexed). It is written in the
background, not in the submission's transaction (FTS5 costs every commit a new segment, and
triggers took 35-60% of the writer's throughput): ``ingest/storage/search_index.py``
indexes new persons in rowid order up to ``person_search_indexed.up_to`` and re-indexes
those whose text changed since, noted in ``person_search_changed`` with the text the index
holds for them; a search reads the index for the rest and scans the few persons above the
mark or changed. The index starts empty here and is filled by the service's indexer (or by
``leadsource generate`` and ``migrate-data`` at their end), a batch at a time. The trigram
tokenizer needs SQLite 3.34.

PostgreSQL: a pg_trgm GIN index on ``search_key``, which the planner uses for ``LIKE
'%text%'`` when it finds that cheaper than walking a sort index; GIN's pending list
(``fastupdate``) keeps its cost per insert small. pg_trgm is a trusted extension from
PostgreSQL 13 on: a database owner can create it.
"""

from __future__ import annotations

from typing import Any

from ingest.storage.dialect import POSTGRES
from ingest.storage.migrations import run_sql

SQLITE = """
CREATE VIRTUAL TABLE person_search USING fts5(
    search_key, tenant_id UNINDEXED,
    content = 'persons', content_rowid = 'rowid', tokenize = 'trigram'
);
CREATE TABLE person_search_indexed (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    up_to INTEGER NOT NULL
);
INSERT INTO person_search_indexed (id, up_to) VALUES (1, 0);
CREATE TABLE person_search_changed (
    tenant_id TEXT NOT NULL,
    person_rowid INTEGER NOT NULL,
    indexed_text TEXT NOT NULL,
    PRIMARY KEY (tenant_id, person_rowid)
);
"""

POSTGRESQL = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX persons_by_search_trgm ON persons USING gin (search_key gin_trgm_ops);
"""


def migrate(conn: Any, dialect: str) -> None:
    run_sql(conn, dialect, POSTGRESQL if dialect == POSTGRES else SQLITE)
