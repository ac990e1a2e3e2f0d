"""The API: ``/api/v1/deals`` and ``/api/v1/pipeline-stages``, scoped to the tenant that owns
the bearer key: create, change, read and list deals (filters, sorts, keyset pages), and the
pipeline's stages. The rules are ``ingest/domain/deals.py``."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ingest.api import queries
from ingest.api.persons import NO_STORE, tenant_of_key
from ingest.clock import iso_time
from ingest.domain import deals as domain
from ingest.domain.touch import MAX_VALUE
from ingest.domain.validation import EMAIL_MAX, load_json
from ingest.edge.bodies import read_body
from ingest.errors import BadRequest, NotFound, Unavailable, UnsupportedMediaType
from ingest.storage import WriterClosed, people, stages
from ingest.storage import deals as store
from ingest.storage.campaigns import FIRST_TOUCH, LEAD_CREATION

BODY_MAX = 4096


def now(request: Request) -> str:
    """The app's clock (tests move it)."""
    return iso_time(request.state.clock())


def deal_query(params: Mapping[str, str]) -> store.DealQuery:
    """The deals list's query parameters (the API's and the Deals page's), each bounded."""
    filters = {}
    for name in store.SOURCE_FILTERS:
        value = queries._text(params, name, MAX_VALUE)
        if value is not None:
            filters[name] = value
    status = params.get("status")
    if status is not None and status not in store.STATUSES:
        raise BadRequest(f"status must be one of {', '.join(store.STATUSES)}.")
    return store.DealQuery(
        status=status,
        stage=queries._text(params, "stage", domain.STAGE_NAME_MAX),
        owner=queries._text(params, "owner", EMAIL_MAX),
        person_id=queries._text(params, "person_id", queries.ID_MAX),
        company_id=queries._text(params, "company_id", queries.ID_MAX),
        filters=filters,
        created_from=queries._date(params, "created_from"),
        created_to=queries._date(params, "created_to"),
        closed_from=queries._date(params, "closed_from"),
        closed_to=queries._date(params, "closed_to"),
        campaign=queries.campaign_filter(params, (LEAD_CREATION, FIRST_TOUCH)),
        sort=params.get("sort", "-created_at"),
        cursor=queries._text(params, "cursor", queries.CURSOR_MAX) or None,
        limit=queries.limit(params),
    )


async def list_deals(request: Request) -> Response:
    tenant_id = await tenant_of_key(request)
    query = deal_query(request.query_params)
    try:
        page = await request.state.db.read(store.search_deals, tenant_id, query)
    except people.BadQuery as error:
        raise BadRequest(str(error)) from None
    return JSONResponse({"items": page.items, "next_cursor": page.next_cursor}, headers=NO_STORE)


async def _json_body(request: Request) -> Any:
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise UnsupportedMediaType("Send the deal as application/json.")
    body = await read_body(request, BODY_MAX, "The deal is too large.")
    try:
        return load_json(body)
    except (ValueError, RecursionError):
        raise BadRequest("The body must be a JSON object.") from None


async def _write(request: Request, job: Any) -> Any:
    try:
        return await request.state.db.write(job)
    except (domain.DealNotFound, domain.PersonNotFound) as error:
        what = "deal" if isinstance(error, domain.DealNotFound) else "person"
        raise NotFound(f"No such {what}.") from None
    except WriterClosed:
        raise Unavailable("The service is shutting down; please try again.") from None


async def _answer(request: Request, tenant_id: str, deal_id: str, status: int = 200) -> Response:
    deal = await request.state.db.read(store.get_deal, tenant_id, deal_id)
    if deal is None:
        raise NotFound("No such deal.")
    return JSONResponse(deal, status_code=status, headers=NO_STORE)


async def create_deal(request: Request) -> Response:
    """``POST /api/v1/deals``: 201 with the deal; a person of another tenant is 404."""
    tenant_id = await tenant_of_key(request)
    body = await _json_body(request)
    # The person first: another tenant's (or no) person is 404 whatever else is sent.
    person_id = body.get("person_id") if isinstance(body, dict) else None
    if isinstance(person_id, str) and 0 < len(person_id.strip()) <= queries.ID_MAX:
        found = await request.state.db.read(store.person_of_deal, tenant_id, person_id.strip())
        if found is None:
            raise NotFound("No such person.")
    new = domain.validate_new(body)
    job = functools.partial(domain.create, tenant_id=tenant_id, new=new, now=now(request))
    deal_id = await _write(request, job)
    return await _answer(request, tenant_id, deal_id, 201)


async def deals(request: Request) -> Response:
    if request.method == "POST":
        return await create_deal(request)
    return await list_deals(request)


async def deal(request: Request) -> Response:
    tenant_id = await tenant_of_key(request)
    deal_id = request.path_params["deal_id"]
    if request.method == "PATCH":
        # Another tenant's id is 404 whatever the body says.
        if await request.state.db.read(store.get_deal, tenant_id, deal_id) is None:
            raise NotFound("No such deal.")
        changes = domain.validate_change(await _json_body(request))
        job = functools.partial(
            domain.change, tenant_id=tenant_id, deal_id=deal_id, changes=changes, now=now(request)
        )
        await _write(request, job)
    return await _answer(request, tenant_id, deal_id)


async def pipeline_stages(request: Request) -> Response:
    tenant_id = await tenant_of_key(request)
    found = await request.state.db.read(stages.stages, tenant_id)
    return JSONResponse({"items": [s.as_json() for s in found]}, headers=NO_STORE)


ROUTES = [
    Route("/api/v1/deals", deals, methods=["GET", "HEAD", "POST"]),
    Route("/api/v1/deals/{deal_id}", deal, methods=["GET", "HEAD", "PATCH"]),
    Route("/api/v1/pipeline-stages", pipeline_stages),
]
