"""Selections: saved searches over the persons or the companies list (migration 0019).

A selection keeps the list's query parameters (as the list's address carries them), never
its rows: opening one runs the query again, so it is always current. Every member of the
tenant sees every selection; its creator or an admin renames and deletes it (the rule is
``ingest/webapp/selections.py``'s; these are the statements).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ingest.domain.validation import strip_controls
from ingest.storage import Connection, IntegrityError
from ingest.storage.reads import StoreError, new_id

KINDS = ("persons", "companies")
NAME_MAX = 100
MAX_PER_TENANT = 500  # the Selections page and the API list them all
QUERY_MAX = 4000  # characters of the saved query's JSON (each parameter has its own bound)


@dataclass(frozen=True)
class Selection:
    selection_id: str
    kind: str
    name: str
    query: dict[str, str]
    created_by: str | None  # a user id
    created_by_email: str | None  # None once that user is gone
    created_at: str
    updated_at: str

    def json(self) -> dict[str, Any]:
        return {
            "id": self.selection_id,
            "kind": self.kind,
            "name": self.name,
            "query": self.query,
            "created_by": self.created_by_email,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


def clean_name(name: str) -> str:
    name = " ".join(strip_controls(name or "").split())
    if not name or len(name) > NAME_MAX:
        raise StoreError(f"A selection needs a name of 1-{NAME_MAX} characters.")
    return name


def query_text(query: dict[str, str]) -> str:
    text = json.dumps(dict(sorted(query.items())), separators=(",", ":"), ensure_ascii=False)
    if len(text) > QUERY_MAX:
        raise StoreError("That search is too long to save.")
    return text


def _selection(row: Any) -> Selection:
    query = json.loads(row["query"])
    return Selection(
        row["selection_id"],
        row["kind"],
        row["name"],
        {str(k): str(v) for k, v in query.items()} if isinstance(query, dict) else {},
        row["created_by"],
        row["email"],
        row["created_at"],
        row["updated_at"],
    )


_SELECT = (
    "SELECT s.selection_id, s.kind, s.name, s.query, s.created_by, u.email, s.created_at,"
    " s.updated_at FROM selections s LEFT JOIN users u ON u.user_id = s.created_by"
)


def selections(conn: Connection, tenant_id: str) -> list[Selection]:
    """The tenant's selections by name."""
    rows = conn.execute(
        f"{_SELECT} WHERE s.tenant_id = ? ORDER BY s.name, s.selection_id LIMIT ?",
        (tenant_id, MAX_PER_TENANT),
    ).fetchall()
    return [_selection(row) for row in rows]


def get(conn: Connection, tenant_id: str, selection_id: str) -> Selection | None:
    row = conn.execute(
        f"{_SELECT} WHERE s.tenant_id = ? AND s.selection_id = ?", (tenant_id, selection_id)
    ).fetchone()
    return None if row is None else _selection(row)


def _name_taken(name: str) -> StoreError:
    return StoreError(f"There is a selection called {name!r} already.")


def create(
    conn: Connection,
    tenant_id: str,
    *,
    kind: str,
    name: str,
    query: dict[str, str],
    user_id: str | None,
    at: str,
) -> str:
    """A new selection (its query already checked by the list's parsing); its id."""
    if kind not in KINDS:
        raise StoreError(f"kind must be one of {', '.join(KINDS)}.")
    name = clean_name(name)
    text = query_text(query)
    count = conn.execute(
        "SELECT COUNT(*) FROM selections WHERE tenant_id = ?", (tenant_id,)
    ).fetchone()[0]
    if count >= MAX_PER_TENANT:
        raise StoreError(f"An account keeps at most {MAX_PER_TENANT} selections.")
    if conn.execute(
        "SELECT 1 FROM selections WHERE tenant_id = ? AND name = ?", (tenant_id, name)
    ).fetchone():
        raise _name_taken(name)
    selection_id = new_id("sel")
    try:
        conn.execute(
            "INSERT INTO selections (tenant_id, selection_id, kind, name, query, created_by,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (tenant_id, selection_id, kind, name, text, user_id, at, at),
        )
    except IntegrityError:  # the same name saved by someone else at the same moment
        raise _name_taken(name) from None
    return selection_id


def rename(conn: Connection, tenant_id: str, selection_id: str, name: str, at: str) -> None:
    name = clean_name(name)
    taken = conn.execute(
        "SELECT 1 FROM selections WHERE tenant_id = ? AND name = ? AND selection_id <> ?",
        (tenant_id, name, selection_id),
    ).fetchone()
    if taken:
        raise _name_taken(name)
    try:
        conn.execute(
            "UPDATE selections SET name = ?, updated_at = ?"
            " WHERE tenant_id = ? AND selection_id = ?",
            (name, at, tenant_id, selection_id),
        )
    except IntegrityError:
        raise _name_taken(name) from None


def delete(conn: Connection, tenant_id: str, selection_id: str) -> None:
    conn.execute(
        "DELETE FROM selections WHERE tenant_id = ? AND selection_id = ?",
        (tenant_id, selection_id),
    )


COUNT_CAP = 10_000  # a selection's count on its page stops here ("10,000+")


def count(conn: Connection, tenant_id: str, selection: Selection, query: Any) -> int:
    """How many rows the selection has now (at most ``COUNT_CAP + 1``: a bounded scan)."""
    from ingest.storage import people

    if selection.kind == "persons":
        where, params = people.person_selection(conn, tenant_id, query)
        table = "persons p"
    else:
        where, params = people.company_selection(conn, tenant_id, query)
        table = "companies c"
    row = conn.execute(
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE {where} LIMIT ?) n",
        (*params, COUNT_CAP + 1),
    ).fetchone()
    return int(row[0])
