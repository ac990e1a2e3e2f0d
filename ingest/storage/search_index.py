"""SQLite's trigram index of the persons' search text (``person_search``, migration 0018),
kept out of the submission's transaction: a submission writes nothing to it, and a job of
the writer's, every ``INTERVAL`` seconds, indexes what is new or changed since, a bounded
batch at a time (FTS5 pays per commit: a new segment each, merged later; in the submission's
transaction that took 35-60% of the writer's throughput).

What is in the index at any moment:

- every person whose rowid is at most ``person_search_indexed.up_to``, with the search
  text they had when indexed;
- for a person whose text changed since (``person_keys.refresh``: an edit, a filled-in
  name or company), that older text, kept beside them in ``person_search_changed`` until
  the indexer replaces it (an external-content FTS5 entry is deleted by giving its text).

A search (``candidates``) takes the index's matches and adds the persons above the mark
and the changed ones, so a person is found the moment their submission is committed, and
the page's query rechecks every candidate with the LIKE: the index only proposes. Erasure
takes a person out of the index in its own transaction (``forget``). PostgreSQL has a
pg_trgm index on persons instead, kept by the database itself: nothing here runs there.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from ingest.edge.flushing import Flushing
from ingest.storage import SQLITE, Connection, dialect_of_connection, in_transaction

log = logging.getLogger("leadsource.search_index")

INTERVAL = 2.0  # seconds between the indexer's runs
# Persons (new or changed) per indexer job: a job runs on the event loop's thread, as every
# writer job does, so it is kept to a few milliseconds (measured: about 20 us a person).
BATCH = 500
# Above this many persons not yet indexed, a search does not look at the index at all and
# scans in the sort's order (after an upgrade or a bulk load, until the indexer catches up).
MAX_UNINDEXED = 20_000
# A search text's trigrams counted in the index (each up to PROBE entries), and how many of
# the rarest are looked up together (``index_matches``).
MAX_PROBES = 12
PROBE = 20_000
RAREST = 3

# The largest rowid of persons, of every tenant: the index is one for all, and follows
# SQLite's rowids. The one read of persons that names no tenant (``tests/test_db.py`` and
# ``tests/test_erasure.py`` let statements that start so through).
UNSCOPED = "SELECT max(rowid) FROM persons"
_ADD = "INSERT INTO person_search (rowid, search_key, tenant_id) VALUES (?, ?, ?)"
_REMOVE = (
    "INSERT INTO person_search (person_search, rowid, search_key, tenant_id)"
    " VALUES ('delete', ?, ?, ?)"
)


def up_to(conn: Connection) -> int:
    return conn.execute("SELECT up_to FROM person_search_indexed").fetchone()[0]


def note_change(
    conn: Connection, tenant_id: str, person_id: str, old_text: str, new_text: str
) -> None:
    """A person's search text changed (in this transaction): if the index holds the old
    one, keep it beside them until the indexer replaces it. The first note wins: that is
    the text the index holds."""
    if old_text == new_text or dialect_of_connection(conn) != SQLITE:
        return
    conn.execute(
        "INSERT OR IGNORE INTO person_search_changed (tenant_id, person_rowid, indexed_text)"
        " SELECT tenant_id, rowid, ? FROM persons WHERE tenant_id = ? AND person_id = ?"
        " AND rowid <= (SELECT up_to FROM person_search_indexed)",
        (old_text, tenant_id, person_id),
    )


def index_batch(conn: Connection, limit: int = BATCH) -> int:
    """One writer job: up to ``limit`` persons indexed, the changed ones first, then the
    new ones in rowid order. Returns how many; fewer than ``limit`` means caught up."""
    changed = conn.execute(
        "SELECT tenant_id, person_rowid, indexed_text FROM person_search_changed LIMIT ?",
        (limit,),
    ).fetchall()
    for tenant_id, rowid, indexed_text in changed:
        conn.execute(_REMOVE, (rowid, indexed_text, tenant_id))
        row = conn.execute(
            "SELECT search_key FROM persons WHERE tenant_id = ? AND rowid = ?",
            (tenant_id, rowid),
        ).fetchone()
        if row is not None:
            conn.execute(_ADD, (rowid, row[0], tenant_id))
        conn.execute(
            "DELETE FROM person_search_changed WHERE tenant_id = ? AND person_rowid = ?",
            (tenant_id, rowid),
        )
    # Every tenant's, in rowid order.
    new = conn.execute(
        "SELECT rowid, search_key, tenant_id FROM persons WHERE rowid > ? ORDER BY rowid LIMIT ?",
        (up_to(conn), limit - len(changed)),
    ).fetchall()
    if new:
        conn.executemany(_ADD, [tuple(row) for row in new])
        conn.execute("UPDATE person_search_indexed SET up_to = ?", (new[-1][0],))
    return len(changed) + len(new)


def catch_up(conn: Connection, batch: int = 20_000) -> int:
    """Index everything not yet indexed, a transaction per batch (the CLI's bulk writes:
    ``leadsource generate``, ``migrate-data``). Returns how many persons."""
    if dialect_of_connection(conn) != SQLITE:
        return 0
    total = 0
    while (done := in_transaction(conn, lambda c: index_batch(c, batch))) > 0:
        total += done
    return total


def forget(conn: Connection, tenant_id: str, person_id: str) -> None:
    """Take a person out of the index, in the transaction that deletes them (erasure),
    before their row goes."""
    if dialect_of_connection(conn) != SQLITE:
        return
    person = conn.execute(
        "SELECT p.rowid, COALESCE(c.indexed_text, p.search_key) FROM persons p"
        " LEFT JOIN person_search_changed c"
        " ON c.tenant_id = p.tenant_id AND c.person_rowid = p.rowid"
        " WHERE p.tenant_id = ? AND p.person_id = ?",
        (tenant_id, person_id),
    ).fetchone()
    if person is None:
        return
    rowid, indexed_text = person[0], person[1]
    mark = up_to(conn)
    if rowid <= mark:
        conn.execute(_REMOVE, (rowid, indexed_text, tenant_id))
    conn.execute(
        "DELETE FROM person_search_changed WHERE tenant_id = ? AND person_rowid = ?",
        (tenant_id, rowid),
    )
    # SQLite gives a new row the largest rowid + 1: with the largest gone, a new person
    # could get this rowid, under the mark and never indexed. The mark comes down to the
    # largest rowid that stays.
    if conn.execute(UNSCOPED).fetchone()[0] == rowid:
        below = conn.execute(UNSCOPED + " WHERE rowid < ?", (rowid,)).fetchone()[0] or 0
        if below < mark:
            conn.execute("UPDATE person_search_indexed SET up_to = ?", (below,))


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def index_matches(conn: Connection, text: str, cap: int) -> list[int] | None:
    """The indexed persons whose text may hold ``text`` (3 characters or more), at most
    ``cap``, or None when there may be more.

    A phrase is read as all its trigrams' lists, and a rare word made of common trigrams
    (``company 4242 ``: ``com``, ``omp``, ... every person has) costs reading a million
    entries (60-230 ms at a million persons). So each trigram's list is first counted, up to
    ``PROBE`` entries (a fraction of a millisecond each), and the few rarest are looked up
    together: a superset of the phrase's matches, which the page's LIKE sorts out. Only when
    those are too many is the whole phrase read."""
    grams = list(dict.fromkeys(text[i : i + 3] for i in range(len(text) - 2)))
    if len(grams) > MAX_PROBES:  # evenly spread over the text
        grams = [grams[i * (len(grams) - 1) // (MAX_PROBES - 1)] for i in range(MAX_PROBES)]
    counts = []
    for gram in grams:
        (count,) = conn.execute(
            "SELECT count(*) FROM (SELECT rowid FROM person_search"
            " WHERE person_search MATCH ? LIMIT ?)",
            (_phrase(gram), PROBE),
        ).fetchone()
        if count == 0:
            return []
        counts.append((count, gram))
    counts.sort()
    for query in (" AND ".join(_phrase(g) for _, g in counts[:RAREST]), _phrase(text)):
        found = conn.execute(
            "SELECT rowid FROM person_search WHERE person_search MATCH ? LIMIT ?",
            (query, cap + 1),
        ).fetchall()
        if len(found) <= cap:
            return [row[0] for row in found]
    return None


def candidates(
    conn: Connection, tenant_id: str, text: str, pattern: str, cap: int
) -> list[int] | None:
    """The rowids of the persons whose search text may hold ``text`` (``pattern`` is its
    LIKE), at most ``cap``; None when there may be more (or too much is unindexed) and a
    scan is the better way. Other tenants' persons may be among them: the
    page's query names the tenant and rechecks the LIKE."""
    mark = up_to(conn)
    top = conn.execute(UNSCOPED).fetchone()[0] or 0
    if top - mark > MAX_UNINDEXED:
        return None
    found = index_matches(conn, text, cap)
    if found is None:
        return None
    rowids = set(found)
    # Not in the index yet, or in it with an older text: the recheck decides.
    rowids.update(
        row[0]
        for row in conn.execute(
            "SELECT rowid FROM persons WHERE rowid > ? AND tenant_id = ?"
            " AND search_key LIKE ? ESCAPE '\\'",
            (mark, tenant_id, pattern),
        )
    )
    rowids.update(
        row[0]
        for row in conn.execute(
            "SELECT person_rowid FROM person_search_changed WHERE tenant_id = ? LIMIT ?",
            (tenant_id, cap + 1),
        )
    )
    return sorted(rowids) if len(rowids) <= cap else None


class Indexer(Flushing):
    """The service's indexer: every ``INTERVAL`` seconds, batches as writer jobs until one
    comes back short (so a backlog is worked off a batch at a time, between submissions).
    Only on SQLite; on stop nothing is left to do (the next start carries on)."""

    task_name = "leadsource-search-index"

    def __init__(self, database: Any) -> None:
        self.database = database
        self.flush_seconds = INTERVAL
        self.batch = BATCH

    async def flush(self) -> None:
        try:
            while await self.database.write(lambda c: index_batch(c, self.batch)) >= self.batch:
                pass
        except Exception:  # tried again at the next interval
            log.exception("indexing persons for search failed")

    def start(self) -> None:
        if self.database.dialect == SQLITE:
            super().start()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
