"""The lead rules of SPEC "Leads (seed 002)": a person's lead status and owner, a company's
category and owner. The statements are ``ingest/storage/leads.py``'s; these run as writer jobs.

- A person shows and edits a lead status only when their company's category is in a group
  with lead status enabled. A new person of such a company starts at the first active status
  (Open by default), written to the history from nothing, by nobody (the system).
- When the company's category leaves lead status, the person keeps the last status: read-only
  (a change is refused), still returned, searchable and counted. A category with lead status
  again makes it editable again. Each person has their own status.
- Every change of a status or a category is in the history (from, to, who, when). Changes
  lock the row first, so two at once are ordered: the last one wins, both are kept, and
  each "from" is the value it replaced.
- An owner is a member of the tenant (or nobody).
"""

from __future__ import annotations

from typing import Any

from ingest.domain.validation import EMAIL_MAX, strip_controls
from ingest.errors import ValidationFailed
from ingest.storage import Connection
from ingest.storage import lead_setup as setup_store
from ingest.storage import leads as store

KEEP: Any = object()  # "leave it as it is", unlike None ("none")
READ_ONLY = (
    "The person's company has a category without lead status: the kept lead status is "
    "read-only. Give the company a category with lead status to change it."
)


class PersonNotFound(Exception):
    pass


class CompanyNotFound(Exception):
    pass


def initial_status(conn: Connection, tenant_id: str, company_id: str | None) -> str | None:
    """Where a new person of this company starts: the first active status when the
    company's category has lead status, else None. At most one read."""
    return store.initial_status(conn, tenant_id, company_id) if company_id else None


def initial_lead(
    conn: Connection, tenant_id: str, company_id: str | None
) -> tuple[str | None, str]:
    """``initial_status`` and the company's category ('' for none), in at most one read."""
    return store.initial_lead(conn, tenant_id, company_id) if company_id else (None, "")


def started(conn: Connection, tenant_id: str, person_id: str, status: str, now: str) -> None:
    """The history of a new person inserted with its first status (``initial_lead``), which
    the reports' kept counts have as reached with the person (``kept.new_person``)."""
    store.add_status_history(
        conn, tenant_id, person_id, old=None, new=status, user_id=None, at=now, reached_counted=True
    )


def start_person(
    conn: Connection, tenant_id: str, person_id: str, company_id: str | None, now: str
) -> None:
    """A known person a submission gave a company: the first status when the company's
    category has lead status. At most one read when it has not."""
    status = initial_status(conn, tenant_id, company_id)
    if status is not None:
        store.set_status(conn, tenant_id, person_id, old=None, new=status, user_id=None, at=now)


def new_company(conn: Connection, tenant_id: str, company_id: str, now: str) -> None:
    """A company a submission just created gets the tenant's default category."""
    store.set_default_category(conn, tenant_id, company_id, now)


def change_person(
    conn: Connection,
    *,
    tenant_id: str,
    person_id: str,
    status: str | None = KEEP,
    owner: str | None = KEEP,
    user_id: str | None,
    now: str,
) -> None:
    """A writer job: the person's status (an id) and owner (a user id, None for nobody);
    ``user_id`` is who changes them (None: the system)."""
    row = store.lock_person(conn, tenant_id, person_id)
    if row is None:
        raise PersonNotFound(person_id)
    if owner is not KEEP and owner != row["owner_id"]:
        store.set_person_owner(conn, tenant_id, person_id, _owner(conn, tenant_id, owner))
    if status is KEEP or status == row["lead_status_id"]:
        return
    if not store.lead_enabled(conn, tenant_id, row["company_id"]):
        raise ValidationFailed(READ_ONLY, {"lead_status": READ_ONLY})
    found = store.lock_status(conn, tenant_id, status) if status else None
    if found is None or not found["active"]:
        raise ValidationFailed(
            "Choose one of the active lead statuses.",
            {"lead_status": "Not an active lead status of this account."},
        )
    store.set_status(
        conn,
        tenant_id,
        person_id,
        old=row["lead_status_id"],
        new=status,  # type: ignore[arg-type]
        user_id=user_id,
        at=now,
    )


def change_company(
    conn: Connection,
    *,
    tenant_id: str,
    company_id: str,
    category: str | None = KEEP,
    owner: str | None = KEEP,
    user_id: str | None,
    now: str,
) -> None:
    """A writer job: the company's category (an id, None for none) and owner."""
    row = store.lock_company(conn, tenant_id, company_id)
    if row is None:
        raise CompanyNotFound(company_id)
    if owner is not KEEP and owner != row["owner_id"]:
        store.set_company_owner(conn, tenant_id, company_id, _owner(conn, tenant_id, owner))
    if category is KEEP or category == row["category_id"]:
        return
    if category is not None:
        found = store.lock_category(conn, tenant_id, category)
        if found is None or not found["active"]:
            raise ValidationFailed(
                "Choose one of the active categories.",
                {"category": "Not an active category of this account."},
            )
    store.set_category(
        conn,
        tenant_id,
        company_id,
        old=row["category_id"],
        new=category,
        user_id=user_id,
        at=now,
    )


def _owner(conn: Connection, tenant_id: str, user_id: str | None) -> str | None:
    if user_id is None:
        return None
    member = store.member_id(conn, tenant_id, user_id=user_id)
    if member is None:
        raise ValidationFailed(
            "The owner must be a user of this account.",
            {"owner": "Not a user of this account."},
        )
    return member


# -- the API's names ---------------------------------------------------------------------

NAME_MAX = setup_store.NAME_MAX


def read_body(body: dict[str, Any], names: tuple[str, ...]) -> dict[str, str | None]:
    """The lead fields of a PATCH body (``names``: which it may hold), each a string within
    its bound or null; what else the body holds is someone else's."""
    errors: dict[str, str] = {}
    found: dict[str, str | None] = {}
    for name in names:
        if name not in body:
            continue
        value = body[name]
        bound = EMAIL_MAX if name == "owner" else NAME_MAX
        if value is not None and not isinstance(value, str):
            errors[name] = "Must be a string or null."
        elif value is not None and len(value) > bound:
            errors[name] = f"Can be at most {bound} characters."
        else:
            cleaned = " ".join(strip_controls(value).split()) if value else ""
            found[name] = cleaned or None
    if errors:
        raise ValidationFailed("Some fields need fixing.", errors)
    return found


def by_name(conn: Connection, tenant_id: str, body: dict[str, str | None]) -> dict[str, Any]:
    """Names (a status, a category: any case) and an owner's email as ids, in the job's
    transaction; an unknown one is a 422 naming the field."""
    ids: dict[str, Any] = {}
    setup = setup_store.setup(conn, tenant_id) if {"lead_status", "category"} & set(body) else None
    if "lead_status" in body:
        name = body["lead_status"]
        if name is None:
            raise ValidationFailed(
                "A lead status cannot be removed.", {"lead_status": "Choose a lead status."}
            )
        ids["status"] = _named(name, [(s.status_id, s.name) for s in setup.statuses], "lead_status")  # type: ignore[union-attr]
    if "category" in body:
        name = body["category"]
        ids["category"] = (
            None
            if name is None
            else _named(name, [(c.category_id, c.name) for c in setup.categories], "category")  # type: ignore[union-attr]
        )
    if "owner" in body:
        email = body["owner"]
        ids["owner"] = None if email is None else store.member_id(conn, tenant_id, email=email)
        if email is not None and ids["owner"] is None:
            raise ValidationFailed(
                "The owner must be a user of this account.",
                {"owner": "No user of this account has that email."},
            )
    return ids


def _named(name: str, items: list[tuple[str, str]], field: str) -> str:
    for item_id, item_name in items:
        if item_name.casefold() == name.casefold():
            return item_id
    known = ", ".join(n for _, n in items)
    raise ValidationFailed("Some fields need fixing.", {field: f"Not one of: {known}."[:500]})
