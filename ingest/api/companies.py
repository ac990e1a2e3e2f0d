"""The API: ``/api/v1/companies``, scoped to the tenant that owns the bearer key: the
companies list (name search, sorts, keyset pages) and a company card."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ingest.api import queries
from ingest.api.persons import NO_STORE, tenant_of_key
from ingest.errors import BadRequest, NotFound
from ingest.storage import leads, people


async def list_companies(request: Request) -> Response:
    tenant_id = await tenant_of_key(request)
    query = queries.company_query(request.query_params)
    try:
        page = await request.state.db.read(people.search_companies, tenant_id, query)
    except people.BadQuery as error:
        raise BadRequest(str(error)) from None
    return JSONResponse({"items": page.items, "next_cursor": page.next_cursor}, headers=NO_STORE)


async def get_company(request: Request) -> Response:
    tenant_id = await tenant_of_key(request)
    company = await request.state.db.read(
        leads.company_card, tenant_id, request.path_params["company_id"]
    )
    if company is None:
        raise NotFound("No such company.")
    return JSONResponse(company, headers=NO_STORE)
