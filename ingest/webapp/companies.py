"""The Companies pages: the list (name search, sorts, keyset pages) and a company's card
(its source, its persons, their submissions)."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from ingest.api import queries
from ingest.errors import BadRequest, NotFound
from ingest.storage import lead_lists, people
from ingest.storage import leads as lead_store
from ingest.webapp import leads
from ingest.webapp.access import Member
from ingest.webapp.persons import NO_STORE, deals_of_card, href, lead_choices, sort_columns
from ingest.webapp.render import render

COLUMNS = (
    ("name", "Company"),
    ("category", "Category"),
    ("owner", "Owner"),
    ("created_at", "Created"),
)
PARAMS = ("q", *lead_lists.COMPANY_LEAD_FILTERS, "sort", "limit")


def _kept(request: Request, **changes: str | None) -> dict[str, str]:
    params = {n: request.query_params[n] for n in PARAMS if request.query_params.get(n)}
    for name, value in changes.items():
        if value:
            params[name] = value
        else:
            params.pop(name, None)
    return params


def company_query(params: Mapping[str, str], me: str | None) -> people.CompanyQuery:
    return queries.app_company_query(params, me)


async def companies_list(request: Request, member: Member) -> Response:
    query = company_query(request.query_params, member.user.email)
    try:
        page = await request.state.db.read(people.search_companies, member.tenant_id, query)
    except people.BadQuery as error:
        raise BadRequest(str(error)) from None
    path = member.url("companies")
    choices = await lead_choices(request, member)
    return render(
        request,
        "app/companies.html",
        {
            "page": page,
            "q": request.query_params.get("q", ""),
            "values": _kept(request),
            "lead_filters": [(name, *choices[name]) for name in lead_lists.COMPANY_LEAD_FILTERS],
            "sort": query.sort,
            "columns": sort_columns(request, path, query.sort, COLUMNS, _kept),
            "filtered": bool(_kept(request, sort=None, limit=None)),
            "next_href": (
                href(path, _kept(request, cursor=page.next_cursor)) if page.next_cursor else None
            ),
            "saved": _kept(request, limit=None),
        },
        viewer=member,
        headers=NO_STORE,
    )


async def company_card(request: Request, member: Member) -> Response:
    company = await request.state.db.read(
        people.get_company, member.tenant_id, request.path_params["company_id"]
    )
    if company is None:
        raise NotFound("No such company.")
    lead = await request.state.db.read(lead_store.company_view, member.tenant_id, company["id"])
    return render(
        request,
        "app/company.html",
        {
            "company": company,
            "shown": people.COMPANY_PERSONS_SHOWN,
            **await deals_of_card(request, member, company_id=company["id"]),
            "lead": lead,
            "lead_flash": leads.pop_flash(request),
        },
        viewer=member,
        headers=NO_STORE,
    )
