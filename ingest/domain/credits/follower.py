"""The credits follower: a person's conversions (their creation, and their deals', whose
journeys a later submission may change) credited out of the submission's transaction, so the
form's hot path does no attribution work.

- SQLite: a writer job every ``INTERVAL`` seconds takes the submissions above the mark
  (``attribution_followed.up_to``, every tenant's, in rowid order: the one writer commits
  rowids in order), up to ``BATCH``, recredits their persons and moves the mark. The
  submission job writes nothing for it.
- PostgreSQL: the submission job notes its person in ``attribution_pending`` (one
  idempotent insert; sequence values commit out of order, so a mark would skip rows), and
  each process's follower takes up to ``BATCH`` of them ``FOR UPDATE SKIP LOCKED``, deletes
  and recredits them in one transaction: several processes share the work, and a submission
  committed meanwhile notes its person again.

A round runs batches until one comes back short; while other writes go on, it stops once it
has spent 2% of the interval (the follower's work is a backlog; forms are not), so under a
sustained load reports lag rather than forms slowing, and it catches up when the load
eases. ``catch_up`` is the CLI's: everything at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from typing import Any

from ingest.domain.credits import rebuild, recredit
from ingest.edge.flushing import Flushing
from ingest.storage import POSTGRES, SQLITE, Connection, dialect_of_connection, in_transaction
from ingest.storage import credit_follower as store

log = logging.getLogger("leadsource.credits")

INTERVAL = 3.0  # seconds between rounds
# Submissions (SQLite) or persons (PostgreSQL) per job. A job runs on the event loop's
# thread on SQLite, as every writer job does: measured 38 ms for 50 submissions (11 persons
# and their deals) on a loaded 2-core machine, so 20 keep a job near 15 ms.
BATCH = 20
# While forms are being written too, a round stops after this share of the interval: under
# a sustained load the follower falls behind (a report lags) rather than slowing the forms,
# and catches up when the load eases.
BUSY_SHARE = 0.02


def follow_batch(conn: Connection, limit: int = BATCH) -> int:
    """One job: the persons of up to ``limit`` new submissions (SQLite) or pending persons
    (PostgreSQL) recredited. Returns how many were taken; fewer than ``limit``: caught up."""
    if dialect_of_connection(conn) == POSTGRES:
        taken = store.take_pending(conn, limit)
        by_tenant: dict[str, set[str]] = defaultdict(set)
        for tenant_id, person_id in taken:
            by_tenant[tenant_id].add(person_id)
    else:
        rows = store.new_submissions(conn, limit)
        by_tenant = defaultdict(set)
        for _, tenant_id, person_id in rows:
            by_tenant[tenant_id].add(person_id)
        taken = rows  # type: ignore[assignment]
    for tenant_id, persons in sorted(by_tenant.items()):
        recredit(conn, tenant_id, person_ids=sorted(persons))
    if dialect_of_connection(conn) == SQLITE and taken:
        store.set_followed(conn, rows[-1][0])
    return len(taken)


def catch_up(conn: Connection, tenant_id: str | None = None, batch: int = 2_000) -> int:
    """Everything not yet followed, a transaction per batch (the CLI's bulk writes). With
    ``tenant_id`` (``leadsource generate``, the demo): the tenant rebuilt in one transaction
    instead, which is much faster than following a bulk load person by person; the mark
    moves past it when no other tenant's submissions wait. Returns the work done."""
    if tenant_id is not None:
        if dialect_of_connection(conn) == POSTGRES:
            in_transaction(conn, lambda c: store.drop_pending(c, tenant_id))
            done = in_transaction(conn, lambda c: rebuild(c, tenant_id))
        else:
            mark, top = in_transaction(
                conn, lambda c: (store.followed_up_to(c), store.top_submission(c))
            )
            done = in_transaction(conn, lambda c: rebuild(c, tenant_id))

            def move(c: Connection) -> None:
                if store.followed_up_to(c) == mark and not store.others_between(
                    c, tenant_id, mark, top
                ):
                    store.set_followed(c, top)

            in_transaction(conn, move)
    else:
        done = 0
    while (taken := in_transaction(conn, lambda c: follow_batch(c, batch))) > 0:
        done += taken
    return done


class Follower(Flushing):
    """The service's follower: a round every ``INTERVAL`` seconds (see the module)."""

    task_name = "leadsource-credits"

    def __init__(self, database: Any) -> None:
        self.database = database
        self.flush_seconds = INTERVAL
        self.batch = BATCH

    async def flush(self) -> None:
        """Batches until one comes back short; while other writes go on (forms), only until
        the round has spent ``BUSY_SHARE`` of the interval, the rest at the next round."""
        spent = 0.0
        try:
            while True:
                before = self.database.stats.jobs
                started = time.perf_counter()
                taken = await self.database.write(lambda c: follow_batch(c, self.batch))
                spent += time.perf_counter() - started
                if taken < self.batch:
                    return
                await asyncio.sleep(0)
                busy = self.database.stats.jobs - before > 1 or self.database.queue_depth > 0
                if busy and spent >= BUSY_SHARE * self.flush_seconds:
                    return
        except Exception:  # tried again at the next round
            log.exception("following new submissions' credits failed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
