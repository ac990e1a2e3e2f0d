"""Reading tenants, forms and persons: plain functions of a connection, run whole by
``Database.read`` (one thread hop, one snapshot) or inside an administrative transaction.
All SQL is parameterised and every statement is scoped by ``tenant_id``. Writes live in
``admin.py`` (tenants and forms) and ``submissions.py``."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from ingest.domain.channels import touch_channel
from ingest.storage import Connection


class StoreError(Exception):
    """A request the store refuses, with a message fit for the person who made it."""


def new_id(prefix: str) -> str:
    # Time first, so ids sort by creation; 40 random bits make collisions within a
    # millisecond negligible.
    return f"{prefix}_{int(time.time() * 1000):011x}{secrets.token_hex(5)}"


@dataclass(frozen=True)
class Tenant:
    tenant_id: str
    utm_transfer: bool
    origins: tuple[str, ...] = ()
    keep_params: tuple[str, ...] = ()  # query parameters kept in stored addresses
    # The optional parts of utm.js its sites get, in the build's order (tracker.SCRIPT_OPTIONS).
    script_options: tuple[str, ...] = ()
    retention_days: int | None = None  # page views and sessions kept; None: forever


@dataclass(frozen=True)
class Form:
    tenant_id: str
    form_id: str
    name: str
    thank_you_url: str | None
    published: bool
    custom_fields: list[dict[str, Any]] = field(default_factory=list)
    thank_you_message: str | None = None  # the hosted thank-you page's text


# -- tenants and forms ------------------------------------------------------------------
# The SQL and row mapping are shared with admin.py's synchronous reads.

TENANT_SQL = (
    "SELECT tenant_id, utm_transfer, keep_params, script_options, retention_days FROM tenants"
    " WHERE tenant_id = ?"
)
ORIGINS_SQL = "SELECT origin FROM tenant_origins WHERE tenant_id = ? ORDER BY origin"
FORM_SQL = (
    "SELECT form_id, name, thank_you_url, published, custom_fields, thank_you_message"
    " FROM forms WHERE tenant_id = ? AND form_id = ?"
)


def tenant_from_rows(row: Any, origin_rows: list[Any]) -> Tenant:
    return Tenant(
        row["tenant_id"],
        bool(row["utm_transfer"]),
        tuple(r[0] for r in origin_rows),
        tuple(json.loads(row["keep_params"])),
        tuple(name for name in row["script_options"].split(",") if name),
        row["retention_days"],
    )


def form_from_row(tenant_id: str, row: Any) -> Form:
    return Form(
        tenant_id,
        row["form_id"],
        row["name"],
        row["thank_you_url"],
        bool(row["published"]),
        json.loads(row["custom_fields"]),
        row["thank_you_message"],
    )


def ping(conn: Connection) -> None:
    """One round trip: the database answers (the health check)."""
    conn.execute("SELECT 1").fetchone()


def tenant_exists(conn: Connection, tenant_id: str) -> bool:
    row = conn.execute("SELECT 1 FROM tenants WHERE tenant_id = ?", (tenant_id,)).fetchone()
    return row is not None


def get_tenant(conn: Connection, tenant_id: str) -> Tenant | None:
    row = conn.execute(TENANT_SQL, (tenant_id,)).fetchone()
    if row is None:
        return None
    origins = conn.execute(ORIGINS_SQL, (tenant_id,)).fetchall()
    return tenant_from_rows(row, origins)


def get_form(conn: Connection, tenant_id: str, form_id: str) -> Form | None:
    row = conn.execute(FORM_SQL, (tenant_id, form_id)).fetchone()
    return None if row is None else form_from_row(tenant_id, row)


def tenant_and_form(
    conn: Connection, tenant_id: str, form_id: str
) -> tuple[Tenant | None, Form | None]:
    """What a form request needs, in one read."""
    tenant = get_tenant(conn, tenant_id)
    return tenant, None if tenant is None else get_form(conn, tenant_id, form_id)


def list_forms(conn: Connection, tenant_id: str) -> list[Form]:
    rows = conn.execute(
        "SELECT form_id, name, thank_you_url, published, custom_fields, thank_you_message"
        " FROM forms WHERE tenant_id = ? ORDER BY created_at, form_id",
        (tenant_id,),
    ).fetchall()
    return [form_from_row(tenant_id, row) for row in rows]


def form_submission_counts(
    conn: Connection, tenant_id: str, since: dict[str, str]
) -> dict[str, dict[str, int]]:
    """Submissions per form since each of the given times (ISO strings, by label), e.g.
    ``{"7d": ..., "30d": ...}`` -> ``{form_id: {"7d": n, "30d": m}}``."""
    counts: dict[str, dict[str, int]] = {}
    for label, start in since.items():
        # Form by form, each a range of (tenant_id, form_id, submitted_at): grouped over the
        # tenant, SQLite counted every submission it ever had (a second with 3,000,000).
        rows = conn.execute(
            "SELECT f.form_id, (SELECT COUNT(*) FROM submissions s WHERE s.tenant_id = ?"
            " AND s.form_id = f.form_id AND s.submitted_at >= ?) FROM forms f"
            " WHERE f.tenant_id = ?",
            (tenant_id, start, tenant_id),
        ).fetchall()
        for form_id, n in ((r[0], r[1]) for r in rows if r[1]):
            counts.setdefault(form_id, {})[label] = n
    return counts


# -- persons (read model) --------------------------------------------------------------

_TOUCH_KEYS = (
    "source",
    "medium",
    "campaign",
    "term",
    "content",
    "utm_id",
    "landing_page",
    "referrer",
    "at",
)
_TOUCH_COLUMNS = ", ".join((*_TOUCH_KEYS, "click_ids"))


def get_person(conn: Connection, tenant_id: str, person_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM persons WHERE tenant_id = ? AND person_id = ?", (tenant_id, person_id)
    ).fetchone()
    return None if row is None else _person(conn, tenant_id, row)


def _person(conn: Connection, tenant_id: str, row: Any) -> dict[str, Any]:
    from ingest.storage.leads import person_lead  # it writes with this module's ids

    lead = person_lead(conn, tenant_id, row["person_id"]) or {}
    company = None
    if row["company_id"]:
        c = conn.execute(
            "SELECT company_id, name, source_touch_id FROM companies"
            " WHERE tenant_id = ? AND company_id = ?",
            (tenant_id, row["company_id"]),
        ).fetchone()
        if c is not None:
            company = {
                "id": c["company_id"],
                "name": c["name"],
                "source": get_touch(conn, tenant_id, c["source_touch_id"]),
            }
    subs = conn.execute(
        "SELECT submission_id, form_id, via, submitted_at, conversion_touch_id FROM submissions"
        " WHERE tenant_id = ? AND person_id = ? ORDER BY submitted_at, submission_id",
        (tenant_id, row["person_id"]),
    ).fetchall()
    return {
        "id": row["person_id"],
        "email": row["email"],
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "created_at": row["created_at"],
        "first_touch": get_touch(conn, tenant_id, row["first_touch_id"]),
        "lead_creation": get_touch(conn, tenant_id, row["lead_creation_touch_id"]),
        "company": company,
        # Kept when the company's category has no lead status (then not editable).
        "lead_status": lead.get("lead_status"),
        "lead_status_editable": bool(lead.get("lead_status_editable")),
        "owner": lead.get("owner"),
        "submissions": [
            {
                "id": s["submission_id"],
                "form_id": s["form_id"] or None,  # "" when it came by chat, api or import
                "via": s["via"],
                "submitted_at": s["submitted_at"],
                "conversion": get_touch(conn, tenant_id, s["conversion_touch_id"]),
                "touches": submission_touches(conn, tenant_id, s["submission_id"]),
            }
            for s in subs
        ],
    }


def get_touch(conn: Connection, tenant_id: str, touch_id: str | None) -> dict[str, Any] | None:
    if touch_id is None:
        return None
    row = conn.execute(
        f"SELECT {_TOUCH_COLUMNS} FROM touches WHERE tenant_id = ? AND touch_id = ?",
        (tenant_id, touch_id),
    ).fetchone()
    return None if row is None else _touch(row)


def submission_touches(
    conn: Connection, tenant_id: str, submission_id: str
) -> list[dict[str, Any]]:
    """The visitor's touch history behind a submission, oldest first."""
    columns = ", ".join(f"t.{c}" for c in (*_TOUCH_KEYS, "click_ids"))
    rows = conn.execute(
        f"SELECT {columns} FROM submission_touches s JOIN touches t"
        " ON t.tenant_id = s.tenant_id AND t.touch_id = s.touch_id"
        " WHERE s.tenant_id = ? AND s.submission_id = ? ORDER BY s.position",
        (tenant_id, submission_id),
    ).fetchall()
    return [_touch(row) for row in rows]


def _touch(row: Any) -> dict[str, Any]:
    touch = {key: row[key] for key in _TOUCH_KEYS}
    touch["click_ids"] = json.loads(row["click_ids"]) if row["click_ids"] else {}
    touch["channel"] = touch_channel(touch)
    return touch
