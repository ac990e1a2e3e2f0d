"""A person's lead status and owner, a company's category and owner, and the history of
their changes (migration 0015): the statements of ``ingest/domain/leads.py``'s rules.

A status or category change locks the row it changes first (``dialect.for_update`` on
PostgreSQL; on SQLite a write job holds the one write lock), so the "from" written to the
history is the value the change actually replaced: of two users changing one person at once,
the last one wins and both are in the history, one after the other.
"""

from __future__ import annotations

from typing import Any

from ingest.storage import Connection, lead_counts
from ingest.storage.dialect import for_update
from ingest.storage.reads import new_id
from ingest.storage.reports import kept

# -- persons -----------------------------------------------------------------------------


def lead_enabled(conn: Connection, tenant_id: str, company_id: str | None) -> bool:
    """Does the company's category belong to a group with lead status enabled?"""
    if not company_id:
        return False
    row = conn.execute(
        "SELECT g.lead_status_enabled FROM companies c"
        " JOIN categories k ON k.tenant_id = c.tenant_id AND k.category_id = c.category_id"
        " JOIN category_groups g ON g.tenant_id = k.tenant_id AND g.group_id = k.group_id"
        " WHERE c.tenant_id = ? AND c.company_id = ?",
        (tenant_id, company_id),
    ).fetchone()
    return bool(row and row[0])


def initial_status(conn: Connection, tenant_id: str, company_id: str) -> str | None:
    """Where a new person of this company starts: the first active status when the company's
    category has lead status, else None."""
    return initial_lead(conn, tenant_id, company_id)[0]


def initial_lead(conn: Connection, tenant_id: str, company_id: str) -> tuple[str | None, str]:
    """``initial_status`` and the company's category ('' for none): one statement, as the
    submission path pays one read for both."""
    row = conn.execute(
        "SELECT CASE WHEN g.lead_status_enabled = 1 THEN (SELECT s.status_id FROM lead_statuses s"
        " WHERE s.tenant_id = c.tenant_id AND s.active = 1 ORDER BY s.position, s.status_id"
        " LIMIT 1) END, c.category_id FROM companies c"
        " LEFT JOIN categories k ON k.tenant_id = c.tenant_id AND k.category_id = c.category_id"
        " LEFT JOIN category_groups g ON g.tenant_id = k.tenant_id AND g.group_id = k.group_id"
        " WHERE c.tenant_id = ? AND c.company_id = ?",
        (tenant_id, company_id),
    ).fetchone()
    return (row[0], row[1] or "") if row else (None, "")


def lock_person(conn: Connection, tenant_id: str, person_id: str) -> Any:
    """The person's lead status and company, the row locked until the job commits."""
    return conn.execute(
        "SELECT person_id, company_id, lead_status_id, owner_id FROM persons"
        " WHERE tenant_id = ? AND person_id = ?" + for_update(conn),
        (tenant_id, person_id),
    ).fetchone()


def lock_status(conn: Connection, tenant_id: str, status_id: str) -> Any:
    """The status, locked: a deactivation waits for the change that uses it, or the change
    sees it inactive."""
    return conn.execute(
        "SELECT status_id, name, active FROM lead_statuses WHERE tenant_id = ? AND status_id = ?"
        + for_update(conn),
        (tenant_id, status_id),
    ).fetchone()


def set_status(
    conn: Connection,
    tenant_id: str,
    person_id: str,
    *,
    old: str | None,
    new: str,
    user_id: str | None,
    at: str,
) -> None:
    before = lead_counts.lead_of(conn, tenant_id, person_id)
    kept_before = kept.lead_of(conn, tenant_id, person_id)
    conn.execute(
        "UPDATE persons SET lead_status_id = ?, lead_status_at = ?"
        " WHERE tenant_id = ? AND person_id = ?",
        (new, at, tenant_id, person_id),
    )
    lead_counts.move(conn, tenant_id, before, (new, before[1]))
    kept.move_lead(conn, tenant_id, kept_before, kept.with_lead(kept_before, status=new))
    add_status_history(conn, tenant_id, person_id, old=old, new=new, user_id=user_id, at=at)


def add_status_history(
    conn: Connection,
    tenant_id: str,
    person_id: str,
    *,
    old: str | None,
    new: str,
    user_id: str | None,
    at: str,
    reached_counted: bool = False,
) -> None:
    """``reached_counted``: the reports' kept counts have the status as reached already (a
    new person's first, counted with the person by ``kept.new_person``)."""
    if not reached_counted:
        kept.reached(conn, tenant_id, person_id, new)
    conn.execute(
        "INSERT INTO lead_status_history (tenant_id, history_id, person_id, from_status_id,"
        " to_status_id, user_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (tenant_id, new_id("lsh"), person_id, old, new, user_id, at),
    )


def set_person_owner(conn: Connection, tenant_id: str, person_id: str, owner: str | None) -> None:
    before = lead_counts.lead_of(conn, tenant_id, person_id)
    kept_before = kept.lead_of(conn, tenant_id, person_id)
    conn.execute(
        "UPDATE persons SET owner_id = ? WHERE tenant_id = ? AND person_id = ?",
        (owner, tenant_id, person_id),
    )
    lead_counts.move(conn, tenant_id, before, (before[0], owner))
    kept.move_lead(conn, tenant_id, kept_before, kept.with_lead(kept_before, owner=owner))


# -- companies ---------------------------------------------------------------------------


def lock_company(conn: Connection, tenant_id: str, company_id: str) -> Any:
    return conn.execute(
        "SELECT company_id, category_id, owner_id FROM companies"
        " WHERE tenant_id = ? AND company_id = ?" + for_update(conn),
        (tenant_id, company_id),
    ).fetchone()


def lock_category(conn: Connection, tenant_id: str, category_id: str) -> Any:
    return conn.execute(
        "SELECT category_id, name, active FROM categories WHERE tenant_id = ? AND category_id = ?"
        + for_update(conn),
        (tenant_id, category_id),
    ).fetchone()


def set_category(
    conn: Connection,
    tenant_id: str,
    company_id: str,
    *,
    old: str | None,
    new: str | None,
    user_id: str | None,
    at: str,
) -> None:
    kept.category_changed(
        conn, tenant_id, company_id, kept.category_of(conn, tenant_id, company_id), new
    )
    conn.execute(
        "UPDATE companies SET category_id = ? WHERE tenant_id = ? AND company_id = ?",
        (new, tenant_id, company_id),
    )
    conn.execute(
        "INSERT INTO category_history (tenant_id, history_id, company_id, from_category_id,"
        " to_category_id, user_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (tenant_id, new_id("cth"), company_id, old, new, user_id, at),
    )


def set_default_category(conn: Connection, tenant_id: str, company_id: str, at: str) -> None:
    """A company just created by a submission gets the tenant's default category (two
    writes, no read: the default is read inside them). It has no persons yet, so no kept
    report count moves (``storage/reports/kept.py``)."""
    default = "(SELECT default_category_id FROM tenants WHERE tenant_id = ?)"
    conn.execute(
        f"UPDATE companies SET category_id = {default} WHERE tenant_id = ? AND company_id = ?",
        (tenant_id, tenant_id, company_id),
    )
    conn.execute(
        "INSERT INTO category_history (tenant_id, history_id, company_id, from_category_id,"
        " to_category_id, user_id, at) SELECT tenant_id, ?, ?, NULL, default_category_id, NULL, ?"
        " FROM tenants WHERE tenant_id = ? AND default_category_id IS NOT NULL",
        (new_id("cth"), company_id, at, tenant_id),
    )


def set_company_owner(conn: Connection, tenant_id: str, company_id: str, owner: str | None) -> None:
    conn.execute(
        "UPDATE companies SET owner_id = ? WHERE tenant_id = ? AND company_id = ?",
        (owner, tenant_id, company_id),
    )


# -- reads for the cards and the API -----------------------------------------------------


def person_lead(conn: Connection, tenant_id: str, person_id: str) -> dict[str, Any] | None:
    """A person's lead fields: status (kept even when read-only), whether it is editable, the
    owner, and the company's category and group."""
    row = conn.execute(
        "SELECT p.lead_status_id, s.name AS lead_status, p.lead_status_at, p.owner_id,"
        " u.email AS owner, c.category_id, k.name AS category, g.name AS category_group,"
        " g.lead_status_enabled FROM persons p"
        " LEFT JOIN lead_statuses s ON s.tenant_id = p.tenant_id AND s.status_id = p.lead_status_id"
        " LEFT JOIN users u ON u.user_id = p.owner_id"
        " LEFT JOIN companies c ON c.tenant_id = p.tenant_id AND c.company_id = p.company_id"
        " LEFT JOIN categories k ON k.tenant_id = c.tenant_id AND k.category_id = c.category_id"
        " LEFT JOIN category_groups g ON g.tenant_id = k.tenant_id AND g.group_id = k.group_id"
        " WHERE p.tenant_id = ? AND p.person_id = ?",
        (tenant_id, person_id),
    ).fetchone()
    if row is None:
        return None
    return {
        "lead_status_id": row["lead_status_id"],
        "lead_status": row["lead_status"],
        "lead_status_at": row["lead_status_at"],
        "lead_status_editable": bool(row["lead_status_enabled"]),
        "owner_id": row["owner_id"],
        "owner": row["owner"],
        "category_id": row["category_id"],
        "category": row["category"],
        "category_group": row["category_group"],
    }


def company_lead(conn: Connection, tenant_id: str, company_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT c.category_id, k.name AS category, g.name AS category_group,"
        " g.lead_status_enabled, c.owner_id, u.email AS owner FROM companies c"
        " LEFT JOIN categories k ON k.tenant_id = c.tenant_id AND k.category_id = c.category_id"
        " LEFT JOIN category_groups g ON g.tenant_id = k.tenant_id AND g.group_id = k.group_id"
        " LEFT JOIN users u ON u.user_id = c.owner_id"
        " WHERE c.tenant_id = ? AND c.company_id = ?",
        (tenant_id, company_id),
    ).fetchone()
    if row is None:
        return None
    return {
        "category_id": row["category_id"],
        "category": row["category"],
        "category_group": row["category_group"],
        "lead_status_enabled": bool(row["lead_status_enabled"]),
        "owner_id": row["owner_id"],
        "owner": row["owner"],
    }


def company_card(conn: Connection, tenant_id: str, company_id: str) -> dict[str, Any] | None:
    """The company card of ``people.get_company`` with its category, group and owner."""
    from ingest.storage.people import get_company

    card = get_company(conn, tenant_id, company_id)
    if card is None:
        return None
    lead = company_lead(conn, tenant_id, company_id) or {}
    card.update({k: lead.get(k) for k in ("category", "category_group", "owner")})
    return card


def status_history(conn: Connection, tenant_id: str, person_id: str) -> list[dict[str, Any]]:
    """The person's status changes, newest first, with names as they are now."""
    rows = conn.execute(
        "SELECT h.at, f.name AS from_name, t.name AS to_name, u.email AS by_email"
        " FROM lead_status_history h"
        " LEFT JOIN lead_statuses f ON f.tenant_id = h.tenant_id"
        " AND f.status_id = h.from_status_id"
        " LEFT JOIN lead_statuses t ON t.tenant_id = h.tenant_id AND t.status_id = h.to_status_id"
        " LEFT JOIN users u ON u.user_id = h.user_id"
        " WHERE h.tenant_id = ? AND h.person_id = ? ORDER BY h.at DESC, h.history_id DESC",
        (tenant_id, person_id),
    ).fetchall()
    return [_change(r) for r in rows]


def category_history(conn: Connection, tenant_id: str, company_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT h.at, f.name AS from_name, t.name AS to_name, u.email AS by_email"
        " FROM category_history h"
        " LEFT JOIN categories f ON f.tenant_id = h.tenant_id"
        " AND f.category_id = h.from_category_id"
        " LEFT JOIN categories t ON t.tenant_id = h.tenant_id AND t.category_id = h.to_category_id"
        " LEFT JOIN users u ON u.user_id = h.user_id"
        " WHERE h.tenant_id = ? AND h.company_id = ? ORDER BY h.at DESC, h.history_id DESC",
        (tenant_id, company_id),
    ).fetchall()
    return [_change(r) for r in rows]


def _change(row: Any) -> dict[str, Any]:
    return {"at": row["at"], "from": row["from_name"], "to": row["to_name"], "by": row["by_email"]}


def members(conn: Connection, tenant_id: str) -> list[tuple[str, str]]:
    """(user id, email) of the tenant's members: who can own a lead."""
    rows = conn.execute(
        "SELECT u.user_id, u.email FROM memberships m JOIN users u ON u.user_id = m.user_id"
        " WHERE m.tenant_id = ? ORDER BY u.email",
        (tenant_id,),
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def member_id(
    conn: Connection, tenant_id: str, *, user_id: str = "", email: str = ""
) -> str | None:
    """The id of the tenant's member with that id or email, or None."""
    column, value = ("u.user_id", user_id) if user_id else ("u.email", email.strip().lower())
    row = conn.execute(
        "SELECT u.user_id FROM memberships m JOIN users u ON u.user_id = m.user_id"
        f" WHERE m.tenant_id = ? AND {column} = ?",
        (tenant_id, value),
    ).fetchone()
    return row[0] if row else None


# -- the app's cards ---------------------------------------------------------------------


def person_view(conn: Connection, tenant_id: str, person_id: str) -> dict[str, Any] | None:
    """What the person card's lead section needs, in one read: the lead fields, the statuses
    to choose from, the members who can own it, and the history."""
    from ingest.storage.lead_setup import statuses

    lead = person_lead(conn, tenant_id, person_id)
    if lead is None:
        return None
    return {
        **lead,
        "statuses": [s for s in statuses(conn, tenant_id) if s.active],
        "members": members(conn, tenant_id),
        "history": status_history(conn, tenant_id, person_id),
    }


def company_view(conn: Connection, tenant_id: str, company_id: str) -> dict[str, Any] | None:
    """The company card's lead section: category (choices grouped), owner, history."""
    from ingest.storage.lead_setup import setup

    lead = company_lead(conn, tenant_id, company_id)
    if lead is None:
        return None
    groups = [
        (group, [c for c in group.categories if c.active])
        for group in setup(conn, tenant_id).groups
        if group.active
    ]
    return {
        **lead,
        "groups": [(group, categories) for group, categories in groups if categories],
        "members": members(conn, tenant_id),
        "history": category_history(conn, tenant_id, company_id),
    }


def lead_persons(conn: Connection, tenant_id: str, limit: int) -> list[Any]:
    """The tenant's persons with a lead status, oldest first (the demo works them)."""
    return conn.execute(
        "SELECT person_id, company_id, lead_status_id, created_at FROM persons"
        " WHERE tenant_id = ? AND lead_status_id IS NOT NULL"
        " ORDER BY created_at, person_id LIMIT ?",
        (tenant_id, limit),
    ).fetchall()
