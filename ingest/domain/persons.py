"""A person's edit: the name and the company only.

A company named in an edit is matched like a submission's (``company_key``: case and runs of
spaces ignored) and, when new, created without a source: the company source is the touch
behind the submission that created the company (SPEC "Vocabulary"), and an edit has none.
The list's copies of name, company and search text are refreshed in the same job.
"""

from __future__ import annotations

from ingest.domain import person_keys
from ingest.domain.submissions import company_for
from ingest.domain.validation import STANDARD_FIELDS, strip_controls
from ingest.errors import ValidationFailed
from ingest.storage import Connection
from ingest.storage import persons as store
from ingest.storage.reports import kept

EDITABLE = {name: bound for name, _, bound in STANDARD_FIELDS if name != "email"}


class PersonNotFound(Exception):
    pass


def validate_update(body: object) -> dict[str, str | None]:
    """A PATCH body: an object of ``first_name``, ``last_name``, ``company``, each a string
    within its bound or null; a blank string is null (no name, no company)."""
    if not isinstance(body, dict):
        raise ValidationFailed("Send a JSON object.", {"body": "Must be a JSON object."})
    errors: dict[str, str] = {}
    changes: dict[str, str | None] = {}
    for name, value in body.items():
        bound = EDITABLE.get(name)
        if bound is None:
            errors[str(name)[:64]] = f"Not a field you can change ({', '.join(EDITABLE)})."
        elif value is not None and not isinstance(value, str):
            errors[name] = "Must be a string or null."
        elif value is not None and len(value) > bound:
            errors[name] = f"Can be at most {bound} characters."
        else:
            cleaned = strip_controls(value).strip() if value is not None else ""
            if name == "company":  # as a submission's company is kept
                cleaned = " ".join(cleaned.split())
            changes[name] = cleaned or None
    if errors:
        raise ValidationFailed("Some fields need fixing.", errors)
    if not changes:
        raise ValidationFailed(
            "Nothing to change.", {"body": f"Send at least one of {', '.join(EDITABLE)}."}
        )
    return changes


def update(
    conn: Connection, *, tenant_id: str, person_id: str, changes: dict[str, str | None], now: str
) -> None:
    """A writer job: apply ``validate_update``'s changes to one person of the tenant."""
    if store.company_of(conn, tenant_id, person_id) is None:
        raise PersonNotFound(person_id)
    values: dict[str, str | None] = {}
    for name in ("first_name", "last_name"):
        if name in changes:
            values[name] = changes[name]
    if "company" in changes:
        # A new company gets the tenant's category of new companies, as a submission's does.
        values["company_id"] = company_for(
            conn, tenant_id, changes["company"], None, now, categorize=True
        )
    before = kept.lead_of(conn, tenant_id, person_id)
    store.update_person(conn, tenant_id, person_id, values)
    # The reports count a lead by its company's category.
    kept.move_lead(conn, tenant_id, before, kept.lead_of(conn, tenant_id, person_id))
    person_keys.refresh(conn, tenant_id, person_id)
