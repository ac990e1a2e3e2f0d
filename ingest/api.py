"""The read API: ``/api/v1/persons``, scoped to the tenant that owns the bearer key."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from . import store
from .errors import BadRequest, NotFound, Unauthorized

MAX_LIMIT = 200
# Answers with personal data stay out of shared and browser caches.
NO_STORE = {"Cache-Control": "no-store"}


async def _tenant_id(request: Request) -> str:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("Send your API key as 'Authorization: Bearer <key>'.")
    tenant_id = await store.tenant_for_api_key(request.state.reader, key.strip())
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
    items = await store.find_persons(request.state.reader, tenant_id, email=email, limit=limit)
    return JSONResponse({"items": items}, headers=NO_STORE)


async def get_person(request: Request) -> Response:
    tenant_id = await _tenant_id(request)
    person = await store.get_person(
        request.state.reader, tenant_id, request.path_params["person_id"]
    )
    if person is None:
        raise NotFound("No such person.")
    return JSONResponse(person, headers=NO_STORE)


async def health(request: Request) -> Response:
    async with request.state.reader.execute("SELECT 1") as cur:
        await cur.fetchone()
    return JSONResponse({"ok": True})
