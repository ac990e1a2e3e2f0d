"""The API's lead setup and company edits: ``GET /api/v1/categories`` (with their groups),
``GET /api/v1/lead-statuses``, and ``PATCH /api/v1/companies/{id}`` (category and owner),
scoped to the tenant that owns the bearer key. A person's lead status and owner are changed
through ``PATCH /api/v1/persons/{id}`` (``api/persons.py``)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ingest.api.companies import get_company
from ingest.api.persons import EDIT_BODY_MAX, NO_STORE, tenant_of_key
from ingest.clock import utcnow
from ingest.domain import leads
from ingest.domain.validation import load_json
from ingest.edge.bodies import read_body
from ingest.errors import BadRequest, NotFound, Unavailable, UnsupportedMediaType, ValidationFailed
from ingest.storage import WriterClosed
from ingest.storage import lead_setup as setup_store
from ingest.storage import leads as store

COMPANY_FIELDS = ("category", "owner")


async def list_categories(request: Request) -> Response:
    """Every category group in order, each with its categories; inactive ones included
    (``active``: false), as companies may still have them."""
    tenant_id = await tenant_of_key(request)
    setup = await request.state.db.read(setup_store.setup, tenant_id)
    default = setup.category(setup.default_category_id)
    return JSONResponse(
        {
            "groups": [
                {
                    "name": group.name,
                    "lead_status_enabled": group.lead_status_enabled,
                    "active": group.active,
                    "categories": [{"name": c.name, "active": c.active} for c in group.categories],
                }
                for group in setup.groups
            ],
            "default_category": default.name if default else None,
        },
        headers=NO_STORE,
    )


async def list_statuses(request: Request) -> Response:
    """The lead statuses in order; a new lead starts at the first active one."""
    tenant_id = await tenant_of_key(request)
    statuses = await request.state.db.read(setup_store.statuses, tenant_id)
    return JSONResponse(
        {"items": [{"name": s.name, "active": s.active} for s in statuses]}, headers=NO_STORE
    )


async def company(request: Request) -> Response:
    if request.method == "PATCH":
        return await update_company(request)
    return await get_company(request)


async def update_company(request: Request) -> Response:
    """``{"category": name or null, "owner": email or null}``; answers the whole company."""
    tenant_id = await tenant_of_key(request)
    company_id = request.path_params["company_id"]
    # Another tenant's id is 404 whatever the body says.
    if await request.state.db.read(store.company_lead, tenant_id, company_id) is None:
        raise NotFound("No such company.")
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise UnsupportedMediaType("Send the change as application/json.")
    body = await read_body(request, EDIT_BODY_MAX, "The change is too large.")
    try:
        data = load_json(body)
    except (ValueError, RecursionError):
        raise BadRequest("The body must be a JSON object.") from None
    if not isinstance(data, dict):
        raise ValidationFailed("Send a JSON object.", {"body": "Must be a JSON object."})
    unknown = {str(k)[:64]: "Not a field you can change (category, owner)." for k in data
               if k not in COMPANY_FIELDS}  # fmt: skip
    if unknown or not data:
        raise ValidationFailed(
            "Some fields need fixing.", unknown or {"body": "Send category, owner or both."}
        )
    changes = leads.read_body(data, COMPANY_FIELDS)
    now = utcnow()

    def job(conn: Any) -> None:
        leads.change_company(
            conn,
            tenant_id=tenant_id,
            company_id=company_id,
            **leads.by_name(conn, tenant_id, changes),
            user_id=None,
            now=now,
        )

    try:
        await request.state.db.write(job)
    except leads.CompanyNotFound:
        raise NotFound("No such company.") from None
    except WriterClosed:
        raise Unavailable("The service is shutting down; please try again.") from None
    return await get_company(request)
