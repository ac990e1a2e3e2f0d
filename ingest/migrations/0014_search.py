"""An index for the persons list's free-text search (``q``: a substring of the lower-cased
search text, ``persons.search_key``), so that a rare word does not cost a pass over the
tenant's persons. Each engine has its own kind of substring index, so this migration is
Python, one branch per engine; the query keeps LIKE's exact semantics on both
(``ingest/storage/people.py``).

SQLite: ``person_search``, an FTS5 table of trigrams over ``persons.search_key``, with the
persons table as its external content: nothing is stored twice, its rowids are the persons'
rowids, and its ``tenant_id`` (read from persons, not indexed) is there for reading it by
tenant; a search joins its matches to persons and names the tenant there. Triggers keep it
in step with the writes that set the search text: a new person, a changed search text
(``person_keys.refresh``), an erased or deleted person. A trigger runs inside the statement
that fired it, so it costs the index update and nothing more: no statement of ours to
prepare and send per write. The trigram tokenizer needs SQLite 3.34.

PostgreSQL: a pg_trgm GIN index on ``search_key``, which the planner uses for ``LIKE
'%text%'`` when it finds that cheaper than walking a sort index. pg_trgm is a trusted
extension from PostgreSQL 13 on: a database owner can create it.
"""

from __future__ import annotations

from typing import Any

from ingest.storage.dialect import POSTGRES
from ingest.storage.migrations import run_sql

# One statement each: the triggers' bodies hold ";", so this text is not split.
SQLITE = (
    "CREATE VIRTUAL TABLE person_search USING fts5("
    " search_key, tenant_id UNINDEXED,"
    " content = 'persons', content_rowid = 'rowid', tokenize = 'trigram')",
    "CREATE TRIGGER persons_search_insert AFTER INSERT ON persons BEGIN"
    " INSERT INTO person_search (rowid, search_key, tenant_id)"
    " VALUES (new.rowid, new.search_key, new.tenant_id);"
    " END",
    "CREATE TRIGGER persons_search_delete AFTER DELETE ON persons BEGIN"
    " INSERT INTO person_search (person_search, rowid, search_key, tenant_id)"
    " VALUES ('delete', old.rowid, old.search_key, old.tenant_id);"
    " END",
    "CREATE TRIGGER persons_search_update AFTER UPDATE OF search_key ON persons"
    " WHEN old.search_key IS NOT new.search_key BEGIN"
    " INSERT INTO person_search (person_search, rowid, search_key, tenant_id)"
    " VALUES ('delete', old.rowid, old.search_key, old.tenant_id);"
    " INSERT INTO person_search (rowid, search_key, tenant_id)"
    " VALUES (new.rowid, new.search_key, new.tenant_id);"
    " END",
    # The persons already there.
    "INSERT INTO person_search (person_search) VALUES ('rebuild')",
)

POSTGRESQL = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX persons_by_search_trgm ON persons USING gin (search_key gin_trgm_ops);
"""


def migrate(conn: Any, dialect: str) -> None:
    if dialect == POSTGRES:
        run_sql(conn, dialect, POSTGRESQL)
    else:
        for statement in SQLITE:
            conn.execute(statement)
