"""The API of selections (saved searches of the app's lists): ``GET /api/v1/selections``,
every selection of the key's tenant, and ``GET /api/v1/selections/{id}/items``, a page of
what one selects now (the query is run again), in the shape of ``/api/v1/persons`` or
``/api/v1/companies``, with the same keyset cursor and limit.

A selection's query is the app list's address: ids or names, ``(none)`` for "without", and
``owner=me``, which through the API (an API key acts for no user) means the selection's
creator.
"""

from __future__ import annotations

from dataclasses import replace

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ingest.api import queries
from ingest.api.persons import NO_STORE, tenant_of_key
from ingest.errors import BadRequest, NotFound
from ingest.storage import people
from ingest.storage import selections as store


async def list_selections(request: Request) -> Response:
    tenant_id = await tenant_of_key(request)
    found = await request.state.db.read(store.selections, tenant_id)
    return JSONResponse({"items": [s.json() for s in found]}, headers=NO_STORE)


async def selection_items(request: Request) -> Response:
    tenant_id = await tenant_of_key(request)
    selection = await request.state.db.read(
        store.get, tenant_id, request.path_params["selection_id"]
    )
    if selection is None:
        raise NotFound("No such selection.")
    params = request.query_params
    page_params = {
        "cursor": queries._text(params, "cursor", queries.CURSOR_MAX) or None,
        "limit": queries.limit(params),
    }
    me = selection.created_by_email
    try:
        if selection.kind == "persons":
            query = replace(queries.app_person_query(selection.query, me), **page_params)
            page = await request.state.db.read(people.person_cards, tenant_id, query)
        else:
            company_query = replace(queries.app_company_query(selection.query, me), **page_params)
            page = await request.state.db.read(people.search_companies, tenant_id, company_query)
    except people.BadQuery as error:
        raise BadRequest(str(error)) from None
    return JSONResponse(
        {
            "selection": selection.json(),
            "items": page.items,
            "next_cursor": page.next_cursor,
        },
        headers=NO_STORE,
    )


ROUTES = [
    Route("/api/v1/selections", list_selections),
    Route("/api/v1/selections/{selection_id}/items", selection_items),
]
