"""A person's own row, outside the submission job: the statements of a person's edit
(``ingest/domain/persons.py``) and of the list's copies kept on the row
(``ingest/domain/person_keys.py``'s ``refresh``). Their rules live in those modules.
"""

from __future__ import annotations

from typing import Any

from ingest.storage import Connection

# The columns an edit may set, in the order its statement names them.
EDITED_COLUMNS = ("first_name", "last_name", "company_id")


def company_of(conn: Connection, tenant_id: str, person_id: str) -> Any:
    """The person's row with their ``company_id``, or None for no such person."""
    return conn.execute(
        "SELECT company_id FROM persons WHERE tenant_id = ? AND person_id = ?",
        (tenant_id, person_id),
    ).fetchone()


def update_person(conn: Connection, tenant_id: str, person_id: str, values: dict[str, Any]) -> None:
    """Set ``values`` (some of ``EDITED_COLUMNS``, at least one) on the person."""
    columns = [name for name in EDITED_COLUMNS if name in values]
    if len(columns) != len(values):
        raise ValueError(f"not editable: {sorted(set(values) - set(EDITED_COLUMNS))}")
    sets = ", ".join(f"{name} = ?" for name in columns)
    conn.execute(
        f"UPDATE persons SET {sets} WHERE tenant_id = ? AND person_id = ?",
        (*(values[name] for name in columns), tenant_id, person_id),
    )


def key_sources(conn: Connection, tenant_id: str, person_id: str) -> Any:
    """What the list's copies are computed from: the person's ``email``, ``first_name``,
    ``last_name``, their ``search_key`` now and their ``company``'s name; None for no such
    person."""
    return conn.execute(
        "SELECT p.email, p.first_name, p.last_name, p.search_key, c.name AS company"
        " FROM persons p"
        " LEFT JOIN companies c ON c.tenant_id = p.tenant_id AND c.company_id = p.company_id"
        " WHERE p.tenant_id = ? AND p.person_id = ?",
        (tenant_id, person_id),
    ).fetchone()


def set_keys(
    conn: Connection,
    tenant_id: str,
    person_id: str,
    name_key: str,
    company_key: str,
    search_key: str,
) -> None:
    conn.execute(
        "UPDATE persons SET name_key = ?, company_key = ?, search_key = ?"
        " WHERE tenant_id = ? AND person_id = ?",
        (name_key, company_key, search_key, tenant_id, person_id),
    )
