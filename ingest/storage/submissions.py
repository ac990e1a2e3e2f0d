"""Submissions, the persons and companies they match or create, and their touches: the
statements of the submission job (``ingest/domain/submissions.py`` holds its rules, the
order they run in and why). The job runs thousands of times a second: each function here is
one statement, no more.
"""

from __future__ import annotations

from typing import Any

from ingest.storage import Connection, lead_counts


def stored_submission(conn: Connection, tenant_id: str, submission_id: str) -> Any:
    """The submission already recorded under that id (``person_id``, ``content_hash``), or
    None."""
    return conn.execute(
        "SELECT person_id, content_hash FROM submissions WHERE tenant_id = ? AND submission_id = ?",
        (tenant_id, submission_id),
    ).fetchone()


def person_by_email(conn: Connection, tenant_id: str, email: str) -> Any:
    """The tenant's person with that (folded) email (``person_id``, ``company_id``,
    ``first_name``, ``last_name``), or None."""
    return conn.execute(
        "SELECT person_id, company_id, first_name, last_name FROM persons"
        " WHERE tenant_id = ? AND email = ?",
        (tenant_id, email),
    ).fetchone()


def insert_person(
    conn: Connection,
    *,
    tenant_id: str,
    person_id: str,
    email: str,
    first_name: str | None,
    last_name: str | None,
    company_id: str | None,
    first_touch_id: str | None,
    lead_creation_touch_id: str | None,
    created_at: str,
    keys: tuple[str, str, str],  # person_keys.keys(): name_key, company_key, search_key
    first_touch_keys: tuple[str, str, str, str],  # person_keys.touch_keys(): ft_ columns
    lead_creation_keys: tuple[str, str, str, str],  # person_keys.touch_keys(): lc_ columns
    lead_status_id: str | None = None,  # where a new lead starts (leads.initial_status)
) -> None:
    """The new person, with its lead status when it starts as a lead: written by the insert
    itself, not a second statement (the submission path pays for every statement); a lead
    is counted in its status's column (``lead_counts``)."""
    conn.execute(
        "INSERT INTO persons (tenant_id, person_id, email, first_name, last_name,"
        " company_id, first_touch_id, lead_creation_touch_id, created_at,"
        " name_key, company_key, search_key, ft_source, ft_medium, ft_campaign,"
        " ft_channel, lc_source, lc_medium, lc_campaign, lc_channel,"
        " lead_status_id, lead_status_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            tenant_id,
            person_id,
            email,
            first_name,
            last_name,
            company_id,
            first_touch_id,
            lead_creation_touch_id,
            created_at,
            *keys,
            *first_touch_keys,
            *lead_creation_keys,
            lead_status_id,
            created_at if lead_status_id else None,
        ),
    )
    lead_counts.add(conn, tenant_id, lead_status_id, None, 1, gather=True)


def fill_person(
    conn: Connection,
    tenant_id: str,
    person_id: str,
    first_name: str | None,
    last_name: str | None,
    company_id: str | None,
) -> None:
    """Fill the person's blank names (a stored name stays) and set their company."""
    conn.execute(
        "UPDATE persons SET first_name = COALESCE(first_name, ?),"
        " last_name = COALESCE(last_name, ?), company_id = ?"
        " WHERE tenant_id = ? AND person_id = ?",
        (first_name, last_name, company_id, tenant_id, person_id),
    )


def company_id_by_key(conn: Connection, tenant_id: str, name_key: str) -> str | None:
    """The id of the tenant's company with that folded name (``company_key``), or None."""
    row = conn.execute(
        "SELECT company_id FROM companies WHERE tenant_id = ? AND name_key = ?",
        (tenant_id, name_key),
    ).fetchone()
    return None if row is None else row["company_id"]


def insert_company(
    conn: Connection,
    tenant_id: str,
    company_id: str,
    name: str,
    name_key: str,
    source_touch_id: str | None,
    created_at: str,
) -> None:
    conn.execute(
        "INSERT INTO companies (tenant_id, company_id, name, name_key, source_touch_id,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (tenant_id, company_id, name, name_key, source_touch_id, created_at),
    )


def insert_submission(
    conn: Connection,
    *,
    tenant_id: str,
    submission_id: str,
    form_id: str,
    person_id: str,
    conversion_touch_id: str | None,
    fields: str,  # the validated values as JSON text
    submitted_at: str,
    content_hash: str,
    visitor_id: str | None,
    via: str,
) -> None:
    conn.execute(
        "INSERT INTO submissions (tenant_id, submission_id, form_id, person_id,"
        " conversion_touch_id, fields, submitted_at, content_hash, visitor_id, via)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            tenant_id,
            submission_id,
            form_id,
            person_id,
            conversion_touch_id,
            fields,
            submitted_at,
            content_hash,
            visitor_id,
            via,
        ),
    )


def insert_submission_touch(
    conn: Connection, tenant_id: str, submission_id: str, position: int, touch_id: str | None
) -> None:
    """One touch of the submission's history, at its position (0 the oldest)."""
    conn.execute(
        "INSERT INTO submission_touches (tenant_id, submission_id, position, touch_id)"
        " VALUES (?, ?, ?, ?)",
        (tenant_id, submission_id, position, touch_id),
    )


def insert_touch(
    conn: Connection,
    tenant_id: str,
    touch_id: str,
    source: tuple[Any, ...],  # touch.source_columns(): source ... referrer
    at: str,
) -> None:
    conn.execute(
        "INSERT INTO touches (tenant_id, touch_id, source, medium, campaign, term, content,"
        " utm_id, click_ids, landing_page, referrer, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (tenant_id, touch_id, *source, at),
    )
