"""Additions to kept counts that a transaction gathers and writes once, just before it
commits (``storage.in_transaction``, the SQLite writer's ``_commit``, PostgreSQL's
``run_job``).

- SQLite: the writer runs many submission jobs in one transaction, and their new persons
  mostly add to the same few rows (the day, its campaign, the first status), so one upsert
  per row per transaction replaces one per job (``storage/reports/kept.new_person``, about
  40 us of a job's CPU; the campaign pages' reach of a new person,
  ``storage/campaign_reach.py``; a new lead's board column, ``storage/lead_counts.py``).
- PostgreSQL: each request commits its own transaction, and concurrent ones add to the
  same rows (in one of their ``SLOTS``); written last, those rows are locked for the COMMIT
  alone rather than for the rest of the job's statements.

A savepoint's rollback takes its additions back with it (``mark`` before the savepoint,
``restore`` after ``ROLLBACK TO``); a rolled-back transaction drops them (``discard``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Gathered = dict[Any, int]  # key -> how much to add

# id(connection) -> its transaction's additions, by (kind, key)
_gathered: dict[int, Gathered] = {}
# kind -> what writes a transaction's additions of that kind (registered by the module that
# gathers them: storage/reports/kept.py, storage/campaign_reach.py)
writers: dict[str, Callable[[Any, Gathered], None]] = {}


def add(conn: Any, kind: str, key: Any, n: int) -> None:
    found = _gathered.setdefault(id(conn), {})
    found[kind, key] = found.get((kind, key), 0) + n


def mark(conn: Any) -> Gathered:
    """What the transaction has gathered so far (a copy), before a savepoint."""
    return dict(_gathered.get(id(conn), ()))


def restore(conn: Any, marked: Gathered) -> None:
    """After ``ROLLBACK TO`` the savepoint ``marked`` was taken before."""
    if marked:
        _gathered[id(conn)] = marked
    else:
        _gathered.pop(id(conn), None)


def flush(conn: Any) -> None:
    """Write what the transaction gathered, inside it, before its COMMIT."""
    found = _gathered.pop(id(conn), None)
    if not found:
        return
    by_kind: dict[str, Gathered] = {}
    for (kind, key), n in found.items():
        by_kind.setdefault(kind, {})[key] = n
    for kind, gathered in sorted(by_kind.items()):
        writers[kind](conn, gathered)


def by_tenant(gathered: Gathered) -> dict[str, list[tuple[Any, ...]]]:
    """For a writer whose keys start with the tenant: each tenant's additions in key order,
    as (the rest of the key..., n), those adding nothing left out."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    for key, n in sorted(gathered.items()):
        if n:
            found.setdefault(key[0], []).append((*key[1:], n))
    return found


def discard(conn: Any) -> None:
    """The transaction rolled back."""
    _gathered.pop(id(conn), None)
