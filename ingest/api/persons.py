"""The API: ``/api/v1/persons``, scoped to the tenant that owns the bearer key: reading
persons, and a person's export and erasure for privacy requests."""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ingest.domain import erasure
from ingest.errors import BadRequest, NotFound, Unauthorized, Unavailable
from ingest.storage import Connection, WriterClosed
from ingest.storage import reads as store

MAX_LIMIT = 200
# Answers with personal data stay out of shared and browser caches.
NO_STORE = {"Cache-Control": "no-store"}


async def _tenant_id(request: Request) -> str:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("Send your API key as 'Authorization: Bearer <key>'.")
    tenant_id = await request.state.db.read(store.tenant_for_api_key, key.strip())
    if tenant_id is None:
        raise Unauthorized("That API key is not valid.")
    return tenant_id


async def list_persons(request: Request) -> Response:
    tenant_id = await _tenant_id(request)
    email = request.query_params.get("email")
    try:
        limit = int(request.query_params.get("limit", "50"))
    except ValueError:
        raise BadRequest("limit must be a whole number.") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}.")
    if email is not None and len(email) > 254:
        raise BadRequest("email can be at most 254 characters.")
    items = await request.state.db.read(store.find_persons, tenant_id, email=email, limit=limit)
    return JSONResponse({"items": items}, headers=NO_STORE)


async def person(request: Request) -> Response:
    if request.method == "DELETE":
        return await erase_person(request)
    return await get_person(request)


async def get_person(request: Request) -> Response:
    tenant_id = await _tenant_id(request)
    person = await request.state.db.read(
        store.get_person, tenant_id, request.path_params["person_id"]
    )
    if person is None:
        raise NotFound("No such person.")
    return JSONResponse(person, headers=NO_STORE)


async def export_person(request: Request) -> Response:
    """Everything stored about one person (a privacy access request), as one JSON document."""
    tenant_id = await _tenant_id(request)
    person_id = request.path_params["person_id"]
    work = functools.partial(erasure.export, tenant_id=tenant_id, person_id=person_id)
    try:
        # Many statements, one snapshot.
        data = await request.state.db.read(work)
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
    tenant_id = await _tenant_id(request)
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
    await request.state.db.read(_ping)
    return JSONResponse({"ok": True})


def _ping(conn: Connection) -> None:
    conn.execute("SELECT 1").fetchone()
