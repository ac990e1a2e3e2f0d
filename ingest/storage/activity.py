"""The latest activity of a tenant, for the live view: submissions with what they set, and
visits (sessions) as they start."""

from __future__ import annotations

from typing import Any

from ingest.storage import Connection
from ingest.storage.reads import get_touch

LIMIT_MAX = 100


def latest_submissions(conn: Connection, tenant_id: str, limit: int = 25) -> list[dict[str, Any]]:
    """Newest first: the submission, its form and person, the conversion touch, the person's
    first touch and lead creation when this submission created the person, and how many
    touches of history the script sent with it."""
    limit = max(1, min(limit, LIMIT_MAX))
    rows = conn.execute(
        "SELECT s.submission_id, s.form_id, s.via, s.person_id, s.submitted_at,"
        " s.conversion_touch_id, f.name AS form_name, p.email, p.created_at,"
        " p.first_touch_id, p.lead_creation_touch_id,"
        " (SELECT COUNT(*) FROM submission_touches h"
        "  WHERE h.tenant_id = s.tenant_id AND h.submission_id = s.submission_id) AS history"
        " FROM submissions s"
        " JOIN persons p ON p.tenant_id = s.tenant_id AND p.person_id = s.person_id"
        " LEFT JOIN forms f ON f.tenant_id = s.tenant_id AND f.form_id = s.form_id"
        " WHERE s.tenant_id = ? ORDER BY s.submitted_at DESC, s.submission_id DESC LIMIT ?",
        (tenant_id, limit),
    ).fetchall()
    found = []
    for row in rows:
        created_person = row["lead_creation_touch_id"] == row["conversion_touch_id"] and (
            row["created_at"] == row["submitted_at"]
        )
        found.append(
            {
                "submission_id": row["submission_id"],
                "form_id": row["form_id"] or None,
                "form_name": row["form_name"],
                "via": row["via"],
                "person_id": row["person_id"],
                "email": row["email"],
                "submitted_at": row["submitted_at"],
                "created_person": created_person,
                "conversion": get_touch(conn, tenant_id, row["conversion_touch_id"]),
                "first_touch": get_touch(conn, tenant_id, row["first_touch_id"])
                if created_person
                else None,
                "lead_creation": get_touch(conn, tenant_id, row["lead_creation_touch_id"])
                if created_person
                else None,
                "history": row["history"],
            }
        )
    return found


def latest_visits(conn: Connection, tenant_id: str, limit: int = 25) -> list[dict[str, Any]]:
    """Sessions (page views on) newest first: where each visit came from and how far it went."""
    limit = max(1, min(limit, LIMIT_MAX))
    rows = conn.execute(
        "SELECT session_id, started_at, last_seen_at, views, source, medium, campaign,"
        " landing_page, referrer, is_new_visitor FROM sessions WHERE tenant_id = ?"
        " ORDER BY started_at DESC, session_id DESC LIMIT ?",
        (tenant_id, limit),
    ).fetchall()
    return [dict(zip(row.keys(), row, strict=True)) for row in rows]
