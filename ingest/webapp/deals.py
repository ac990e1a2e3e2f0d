"""The Deals pages: the list (filters, sorts, keyset pages, totals of the whole selection),
a deal's card with its edit and history, and a new deal from a person's or a company's card.

The list's address is its query, in the API's names (``api/deals.py``'s ``deal_query``). An
edit sends only what its user changed (each field travels with the value the form showed),
so two people editing one deal at once do not undo each other's other fields; the last
change of a field wins and both are in the history.
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ingest.api.deals import deal_query, now
from ingest.api.queries import CAMPAIGN_PARAMS
from ingest.domain import deals as domain
from ingest.domain.accounts import ADMIN, SALES
from ingest.domain.erasure import PersonNotFound, find_person
from ingest.errors import BadRequest, NotFound, Unavailable, ValidationFailed
from ingest.storage import WriterClosed, accounts, people, stages
from ingest.storage import deals as store
from ingest.storage.lead_lists import NONE
from ingest.webapp import access
from ingest.webapp import campaigns as campaign_pages
from ingest.webapp.access import Member
from ingest.webapp.persons import NO_STORE, href, pop_flash, sort_columns
from ingest.webapp.render import render

SELLERS = (ADMIN, SALES)  # create and change deals; marketers read
FLASH = "people_flash"  # the People pages' one-shot message
LIST_PARAMS = (
    "status",
    "stage",
    "owner",
    *store.SOURCE_FILTERS,
    "person_id",
    "company_id",
    "created_from",
    "created_to",
    *CAMPAIGN_PARAMS,
    "closed_from",
    "closed_to",
    "sort",
    "limit",
)
COLUMNS = (
    ("title", "Deal"),
    ("amount", "Amount"),
    ("expected_close", "Expected close"),
    ("created_at", "Created"),
)
SORT_CHOICES = (
    ("-created_at", "Newest first"),
    ("created_at", "Oldest first"),
    ("-amount", "Largest amount"),
    ("amount", "Smallest amount"),
    ("title", "Title"),
    ("expected_close", "Expected close"),
)
EDITABLE = ("title", "amount", "stage", "status", "expected_close", "owner")


def kept(request: Request, **changes: str | None) -> dict[str, str]:
    params = {n: request.query_params[n] for n in LIST_PARAMS if request.query_params.get(n)}
    for name, value in changes.items():
        if value:
            params[name] = value
        else:
            params.pop(name, None)
    return params


def list_query(request: Request) -> store.DealQuery:
    """A blank box of the filter form is no filter; ``(none)`` asks for deals without one
    (an owner, a lead-creation source: a report's row of those links here)."""
    return deal_query(
        {k: "" if v == NONE else v for k, v in request.query_params.items() if v != ""}
    )


async def _choices(request: Request, tenant_id: str) -> dict[str, Any]:
    """The stages and members the forms offer."""
    found = await request.state.db.read(stages.stages, tenant_id)
    members = await request.state.db.read(accounts.members, tenant_id)
    return {"stages": found, "owners": [user.email for user, _ in members]}


async def deals_list(request: Request, member: Member) -> Response:
    query = list_query(request)
    try:
        page = await request.state.db.read(store.search_deals, member.tenant_id, query)
        totals = await request.state.db.read(store.totals, member.tenant_id, query)
    except people.BadQuery as error:
        raise BadRequest(str(error)) from None
    path = member.url("deals")
    return render(
        request,
        "app/deals.html",
        {
            "page": page,
            "totals": totals,
            "values": kept(request),
            "columns": sort_columns(request, path, query.sort, COLUMNS, kept),
            "sort": query.sort,
            "sorts": SORT_CHOICES,
            "statuses": store.STATUSES,
            "filtered": bool(kept(request, sort=None, limit=None)),
            "next_href": (
                href(path, kept(request, cursor=page.next_cursor)) if page.next_cursor else None
            ),
            "may_sell": member.may(*SELLERS),
            "flash": pop_flash(request),
            "campaign_note": await campaign_pages.filter_note(
                request, member, query.campaign, deals=True
            ),
            "campaign_params": CAMPAIGN_PARAMS,
            **await _choices(request, member.tenant_id),
        },
        viewer=member,
        headers=NO_STORE,
    )


async def deal_card(
    request: Request,
    member: Member,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    deal = await request.state.db.read(
        store.get_deal, member.tenant_id, request.path_params["deal_id"]
    )
    if deal is None:
        raise NotFound("No such deal.")
    shown = {
        "title": deal["title"],
        "amount": deal["amount"],
        "stage": deal["stage"] or "",
        "status": deal["status"],
        "expected_close": deal["expected_close"] or "",
        "owner": deal["owner"] or "",
    }
    return render(
        request,
        "app/deal.html",
        {
            "deal": deal,
            "shown": shown,
            "values": {**shown, **(values or {})},
            "errors": errors or {},
            "statuses": store.STATUSES,
            "may_sell": member.may(*SELLERS),
            "flash": pop_flash(request),
            **await _choices(request, member.tenant_id),
        },
        viewer=member,
        status=status,
        headers=NO_STORE,
    )


def _changes(form: Any) -> dict[str, Any]:
    """The fields this user changed: each one sent that differs from the value its form
    showed (``shown_<field>``); a field sent without it (the pipeline's buttons) counts."""
    changes: dict[str, Any] = {}
    for name in EDITABLE:
        if name not in form:
            continue
        value = form[name]
        if f"shown_{name}" in form and form[f"shown_{name}"] == value:
            continue
        changes[name] = None if name in ("owner", "expected_close") and value == "" else value
    return changes


async def deal_edit(request: Request, member: Member) -> Response:
    """POST changed fields; back to the card (or the pipeline, ``next=pipeline``), or the
    card with what to fix."""
    deal_id = request.path_params["deal_id"]
    form = await access.form(request)
    back = (
        member.url("pipeline")
        if form.get("next") == "pipeline"
        else member.url("deals/" + quote(deal_id, safe=""))
    )
    changes = _changes(form)
    if not changes:
        if await request.state.db.read(store.get_deal, member.tenant_id, deal_id) is None:
            raise NotFound("No such deal.")
        return RedirectResponse(back, status_code=303)
    try:
        cleaned = domain.validate_change(changes)
        job = functools.partial(
            domain.change,
            tenant_id=member.tenant_id,
            deal_id=deal_id,
            changes=cleaned,
            now=now(request),
            user_id=member.user.user_id,
        )
        await request.state.db.write(job)
    except ValidationFailed as error:
        return await deal_card(
            request, member, errors=error.fields or {}, values=changes, status=422
        )
    except domain.DealNotFound:
        raise NotFound("No such deal.") from None
    except WriterClosed:
        raise Unavailable("The service is shutting down; please try again.") from None
    request.session[FLASH] = "Saved."
    return RedirectResponse(back, status_code=303)


async def deal_new(request: Request, member: Member) -> Response:
    """GET: the form, for ``?person=ID`` or one of ``?company=ID``'s persons (or a person's
    email). POST: create, then the deal's card."""
    if request.method == "POST":
        return await _create(request, member)
    return await _new_form(request, member, dict(request.query_params))


async def _new_form(
    request: Request,
    member: Member,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    tenant_id = member.tenant_id
    person = company = None
    candidates: list[dict[str, Any]] = []
    if values.get("person"):
        person = await request.state.db.read(store.person_of_deal, tenant_id, values["person"])
        if person is None:
            raise NotFound("No such person.")
    elif values.get("company"):
        company = await request.state.db.read(people.get_company, tenant_id, values["company"])
        if company is None:
            raise NotFound("No such company.")
        candidates = await request.state.db.read(store.company_persons, tenant_id, company["id"])
    choices = await _choices(request, tenant_id)
    defaults = {
        "title": "",
        "amount": "",
        "stage": next((s.name for s in choices["stages"] if s.active), ""),
        "status": "open",
        "expected_close": "",
        "owner": member.user.email,
        "email": "",
    }
    return render(
        request,
        "app/deal_new.html",
        {
            "person": person,
            "company": company,
            "candidates": candidates,
            "values": {**defaults, **{k: v for k, v in values.items() if isinstance(v, str)}},
            "errors": errors or {},
            "statuses": store.STATUSES,
            **choices,
        },
        viewer=member,
        status=status,
        headers=NO_STORE,
    )


async def _create(request: Request, member: Member) -> Response:
    form = await access.form(request)
    values = {name: form.get(name, "") for name in (*EDITABLE, "person", "company", "email")}
    body: dict[str, Any] = {
        name: values[name] for name in ("title", "amount", "status", "stage") if values[name]
    }
    for name in ("title", "amount", "status"):
        body.setdefault(name, values[name])
    if values["expected_close"]:
        body["expected_close"] = values["expected_close"]
    if values["owner"]:
        body["owner"] = values["owner"]
    if values["company"]:
        body["company_id"] = values["company"]
    person_id = values["person"]
    if not person_id and values["email"].strip():
        try:
            person_id = await request.state.db.read(
                find_person, member.tenant_id, values["email"][:320]
            )
        except PersonNotFound:
            return await _new_form(
                request, member, values, {"email": "No person with that email."}, 422
            )
    if not person_id:
        return await _new_form(request, member, values, {"email": "Choose the person."}, 422)
    body["person_id"] = person_id
    try:
        new = domain.validate_new(body)
        job = functools.partial(
            domain.create,
            tenant_id=member.tenant_id,
            new=new,
            now=now(request),
            user_id=member.user.user_id,
        )
        deal_id = await request.state.db.write(job)
    except ValidationFailed as error:
        return await _new_form(request, member, values, error.fields or {}, 422)
    except domain.PersonNotFound:
        raise NotFound("No such person.") from None
    except WriterClosed:
        raise Unavailable("The service is shutting down; please try again.") from None
    request.session[FLASH] = "Deal created."
    return RedirectResponse(member.url("deals/" + quote(deal_id, safe="")), status_code=303)
