"""``POST /api/v1/leads``: a lead that did not come through one of the tenant's forms (a chat
widget, another system, an import), with how it came (``via``) and the visitor's touches as
utm.js gives them (``Leadsource.touches().history``, oldest first).

It is recorded as a submission without a form (``form_id`` ``""``), by the same job and the
same data-point rules as a form's: a new person's first touch is the oldest touch, lead
creation and conversion the latest non-direct one (the oldest when all are direct); a known
person only gains a conversion. ``submission_id`` makes retries harmless, as on forms."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ingest.api.bodies import json_object
from ingest.api.persons import NO_STORE, tenant_of_key
from ingest.domain.privacy import without_private_params
from ingest.domain.submissions import LEAD_VIA, Touches, record
from ingest.domain.touch import (
    DIRECT,
    MAX_RAW_HISTORY,
    Touch,
    touches_from_json,
)
from ingest.domain.validation import valid_submission_id, validate
from ingest.errors import NotFound, Unavailable, ValidationFailed
from ingest.storage import WriterClosed
from ingest.storage.reads import new_id

TEXT_FIELDS = ("email", "first_name", "last_name", "company")
BODY_MAX = 96 * 1024  # the touch history's bound and room for the rest


async def create_lead(request: Request) -> Response:
    tenant_id = await tenant_of_key(request)
    data = await json_object(request, BODY_MAX, "lead")
    tenant = await request.state.settings_cache.tenant(request.state.db, tenant_id)
    if tenant is None:  # deleted since the key was read
        raise NotFound("No such account.")
    errors: dict[str, str] = {}
    for name in data:
        if name not in (*TEXT_FIELDS, "via", "touches", "submission_id"):
            errors[str(name)[:64]] = "Not a field of a lead."
    raw: dict[str, str] = {}
    for name in TEXT_FIELDS:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            errors[name] = "Must be a string."
        elif value:
            raw[name] = value
    via = data.get("via", "api")
    if via not in LEAD_VIA:
        errors["via"] = f"Must be one of {', '.join(LEAD_VIA)}."
    submission_id = data.get("submission_id")
    if "submission_id" in data and not (
        isinstance(submission_id, str) and valid_submission_id(submission_id)
    ):
        errors["submission_id"] = "Must be 8-64 characters of A-Z, a-z, 0-9, _ and -."
    given_touches = data.get("touches", [])
    if not isinstance(given_touches, list):
        errors["touches"] = "Must be an array of touches, oldest first."
    elif len(json.dumps(given_touches, ensure_ascii=False)) > MAX_RAW_HISTORY:
        errors["touches"] = f"At most {MAX_RAW_HISTORY // 1024} KB of touches."
    clean = validate(raw, [])
    errors = {**clean.errors, **errors}
    if errors:
        raise ValidationFailed("Some fields need fixing.", errors)

    now = datetime.now(UTC)
    touches = lead_touches(given_touches, now, tenant.keep_params)
    job = functools.partial(
        record,
        tenant_id=tenant_id,
        form_id="",
        submission_id=submission_id or new_id("sub"),
        clean=clean,
        touches=touches,
        utm_transfer=tenant.utm_transfer,
        via=via,
    )
    try:
        recorded = await request.state.db.write(job, pipelined=True)
    except WriterClosed:
        raise Unavailable("The service is shutting down; please send it again.") from None
    return JSONResponse(
        {
            "person_id": recorded.person_id,
            "submission_id": recorded.submission_id,
            "created_person": recorded.created_person,
        },
        status_code=201,  # a retry too, as on forms: the lead is stored either way
        headers=NO_STORE,
    )


def lead_touches(given: list[Any], now: datetime, keep_params: tuple[str, ...]) -> Touches:
    """The data points' touches from a history, oldest first: the first touch is the oldest
    readable one, the conversion the latest that is not direct; the history kept is the
    newest ``MAX_HISTORY``, as for a form."""
    encoded = json.dumps(given, ensure_ascii=False)
    history = [without_private_params(t, keep_params) for t in touches_from_json(encoded, now)]
    readable = (touches_from_json(json.dumps([entry]), now) for entry in given)
    oldest = next((found[0] for found in readable if found), None)
    campaign: list[Touch] = [t for t in history if (t.source, t.medium) != DIRECT]
    return Touches(
        first=without_private_params(oldest, keep_params),
        latest=campaign[-1] if campaign else None,
        history=tuple(history),
    )
