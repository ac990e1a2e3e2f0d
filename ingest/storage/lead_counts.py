"""Kept counts of the lead board's columns (``lead_counts``, migration 0025): how many persons
stand in each lead status per owner ('' for nobody), so the board's counts are a sum of a few
rows, not a pass over every lead of the tenant.

Every statement that gives a person a status, changes it or its owner, or deletes a person
moves the count in the same transaction (``storage/submissions.insert_person``,
``storage/leads.set_status`` and ``set_person_owner``, ``storage/footprints.delete_person``);
``recount`` rebuilds a tenant's from the persons (after ``migrate-data``), and
``tests/test_board.py`` checks the kept counts equal a count of the persons after every kind
of change. Explicit statements, not triggers: on SQLite a trigger on ``persons`` cost the
submission's insert about 100 us (measured: 57 against 160-200 us an insert), an explicit
upsert about 4 us.

On PostgreSQL several transactions may count into one row at once (every new Open lead);
each change goes to one of ``SLOTS`` rows chosen at random, so concurrent submissions rarely
wait on each other's row lock, and a count is the sum of the slots. SQLite has one writer and
uses slot 0. A slot may go negative (taken from one, added to another); the sum is exact.
"""

from __future__ import annotations

import random

from ingest.storage import POSTGRES, Connection, dialect_of_connection, pending

SLOTS = 8
KIND = "lead_counts"  # what the submission job gathers (storage/pending.py)


def add(
    conn: Connection,
    tenant_id: str,
    status_id: str | None,
    owner_id: str | None,
    delta: int,
    *,
    gather: bool = False,
) -> None:
    """``delta`` persons into (or, negative, out of) ``status_id`` owned by ``owner_id``.
    ``gather`` (the submission job's new person): added to what the transaction gathers and
    written once before its COMMIT (on SQLite its jobs' new leads mostly go to one row; on
    PostgreSQL the row's lock is then held for the COMMIT alone)."""
    if status_id is None or delta == 0:
        return
    if gather:
        pending.add(conn, KIND, (tenant_id, status_id, owner_id or ""), delta)
        return
    _upsert(conn, tenant_id, status_id, owner_id or "", _slot(conn), delta)


def _slot(conn: Connection) -> int:
    return random.randrange(SLOTS) if dialect_of_connection(conn) == POSTGRES else 0


def _upsert(
    conn: Connection, tenant_id: str, status_id: str, owner: str, slot: int, delta: int
) -> None:
    conn.execute(
        "INSERT INTO lead_counts (tenant_id, lead_status_id, owner_id, slot, persons)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, lead_status_id, owner_id, slot)"
        " DO UPDATE SET persons = lead_counts.persons + excluded.persons",
        (tenant_id, status_id, owner, slot, delta),
    )


def _write_gathered(conn: Connection, gathered: pending.Gathered) -> None:
    for (tenant_id, status_id, owner), delta in sorted(gathered.items()):
        if delta:
            _upsert(conn, tenant_id, status_id, owner, _slot(conn), delta)


pending.writers[KIND] = _write_gathered


def move(
    conn: Connection,
    tenant_id: str,
    before: tuple[str | None, str | None],
    after: tuple[str | None, str | None],
) -> None:
    """A person's (status, owner) changed from ``before`` to ``after``."""
    if before == after:
        return
    add(conn, tenant_id, before[0], before[1], -1)
    add(conn, tenant_id, after[0], after[1], 1)


def lead_of(conn: Connection, tenant_id: str, person_id: str) -> tuple[str | None, str | None]:
    """A person's (status, owner) now; (None, None) when there is no such person."""
    row = conn.execute(
        "SELECT lead_status_id, owner_id FROM persons WHERE tenant_id = ? AND person_id = ?",
        (tenant_id, person_id),
    ).fetchone()
    return (row[0], row[1]) if row is not None else (None, None)


def recount(conn: Connection, tenant_id: str) -> None:
    """The tenant's counts made again from its persons."""
    pending.flush(conn)  # what this transaction gathered is in the rows it replaces
    conn.execute("DELETE FROM lead_counts WHERE tenant_id = ?", (tenant_id,))
    conn.execute(
        "INSERT INTO lead_counts (tenant_id, lead_status_id, owner_id, slot, persons)"
        " SELECT tenant_id, lead_status_id, COALESCE(owner_id, ''), 0, COUNT(*) FROM persons"
        " WHERE tenant_id = ? AND lead_status_id IS NOT NULL"
        " GROUP BY tenant_id, lead_status_id, COALESCE(owner_id, '')",
        (tenant_id,),
    )
