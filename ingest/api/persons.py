"""The API: ``/api/v1/persons``, scoped to the tenant that owns the bearer key: the persons
list (search, filters, sorts, keyset pages: ``ingest/api/queries.py``), reading and editing a
person, and a person's export and erasure for privacy requests."""

from __future__ import annotations

import functools
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ingest.api import queries
from ingest.api.bodies import json_object
from ingest.clock import utcnow
from ingest.domain import erasure, leads
from ingest.domain import persons as domain
from ingest.errors import (
    BadRequest,
    NotFound,
    Unauthorized,
    Unavailable,
)
from ingest.storage import WriterClosed, api_keys, people
from ingest.storage import reads as store

# The largest valid change (every field at its bound, each character an escaped astral one)
# is about 9 KB.
EDIT_BODY_MAX = 16 * 1024
# Answers with personal data stay out of shared and browser caches.
NO_STORE = {"Cache-Control": "no-store"}


async def tenant_of_key(request: Request) -> str:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("Send your API key as 'Authorization: Bearer <key>'.")
    owner = await request.state.db.read(api_keys.key_owner, key.strip())
    if owner is None:
        raise Unauthorized("That API key is not valid.")
    tenant_id, key_id, revoked = owner
    if revoked:
        raise Unauthorized("That API key was revoked. Ask an administrator for another.")
    request.state.key_uses.note(tenant_id, key_id, request.state.clock())
    return tenant_id


async def list_persons(request: Request) -> Response:
    """A page of the tenant's persons, each the whole person (as ``GET`` of one answers),
    and the cursor of the next page (``null`` on the last)."""
    tenant_id = await tenant_of_key(request)
    query = queries.person_query(request.query_params)
    try:
        page = await request.state.db.read(people.person_cards, tenant_id, query)
    except people.BadQuery as error:
        raise BadRequest(str(error)) from None
    return JSONResponse({"items": page.items, "next_cursor": page.next_cursor}, headers=NO_STORE)


async def person(request: Request) -> Response:
    if request.method == "DELETE":
        return await erase_person(request)
    if request.method == "PATCH":
        return await update_person(request)
    return await get_person(request)


async def get_person(request: Request) -> Response:
    tenant_id = await tenant_of_key(request)
    person = await request.state.db.read(
        store.get_person, tenant_id, request.path_params["person_id"]
    )
    if person is None:
        raise NotFound("No such person.")
    return JSONResponse(person, headers=NO_STORE)


LEAD_FIELDS = ("lead_status", "owner")


async def update_person(request: Request) -> Response:
    """Change a person's name or company (JSON object of ``first_name``, ``last_name``,
    ``company``; null or blank clears), lead status (a name) and owner (an email, null for
    nobody); answers the whole person. All of it or nothing, in one job."""
    tenant_id = await tenant_of_key(request)
    person_id = request.path_params["person_id"]
    # Another tenant's id is 404 whatever the body says.
    if not await request.state.db.read(people.person_exists, tenant_id, person_id):
        raise NotFound("No such person.")
    data = await json_object(request, EDIT_BODY_MAX, "change")
    lead = leads.read_body(data, LEAD_FIELDS)
    rest = {k: v for k, v in data.items() if k not in LEAD_FIELDS}
    changes = domain.validate_update(rest) if rest or not lead else {}
    now = utcnow()

    def job(conn: Any) -> None:
        if changes:
            domain.update(conn, tenant_id=tenant_id, person_id=person_id, changes=changes, now=now)
        if lead:
            # The API key acts for no user: its changes are the system's in the history.
            leads.change_person(
                conn,
                tenant_id=tenant_id,
                person_id=person_id,
                **leads.by_name(conn, tenant_id, lead),
                user_id=None,
                now=now,
            )

    try:
        await request.state.db.write(job)
    except (domain.PersonNotFound, leads.PersonNotFound):
        raise NotFound("No such person.") from None
    except WriterClosed:
        raise Unavailable("The service is shutting down; please try again.") from None
    return await get_person(request)


async def export_person(request: Request) -> Response:
    """Everything stored about one person (a privacy access request), as one JSON document."""
    tenant_id = await tenant_of_key(request)
    return await export_response(request.state.db, tenant_id, request.path_params["person_id"])


async def export_response(db: Any, tenant_id: str, person_id: str) -> Response:
    """A person's export as a JSON download (the API's and the app's), 404 if unknown."""
    work = functools.partial(erasure.export, tenant_id=tenant_id, person_id=person_id)
    try:
        # Many statements, one snapshot.
        data = await db.read(work)
    except erasure.PersonNotFound:
        raise NotFound("No such person.") from None
    return JSONResponse(
        data,
        headers={
            **NO_STORE,
            "Content-Disposition": f'attachment; filename="person-{person_id}.json"',
        },
    )


async def erase_person(request: Request) -> Response:
    """Delete one person and everything that is theirs (a privacy erasure request), as one
    writer job: all of it or nothing."""
    tenant_id = await tenant_of_key(request)
    job = functools.partial(
        erasure.erase, tenant_id=tenant_id, person_id=request.path_params["person_id"]
    )
    try:
        erased = await request.state.db.write(job)
    except erasure.PersonNotFound:
        raise NotFound("No such person.") from None
    except WriterClosed:
        raise Unavailable("The service is shutting down; please try again.") from None
    return JSONResponse(erased, headers=NO_STORE)


async def health(request: Request) -> Response:
    await request.state.db.read(store.ping)
    return JSONResponse({"ok": True})
