"""The People pages: the persons list (search, filters, sortable columns, keyset pages, CSV
of the selection), a person's card with its edit, and the privacy export and erasure.

The list's address is its query, in the JSON API's names (``ingest/api/queries.py``), so a
page can be bookmarked and its CSV is the same query at ``persons.csv``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from ingest.api import queries
from ingest.api.persons import export_response
from ingest.api.queries import CAMPAIGN_PARAMS
from ingest.clock import utcnow
from ingest.domain import erasure, persons_csv
from ingest.domain import persons as domain
from ingest.domain.accounts import ADMIN
from ingest.domain.channels import CHANNELS
from ingest.errors import BadRequest, NotFound, Unavailable, ValidationFailed
from ingest.storage import WriterClosed, lead_lists, lead_setup, people
from ingest.storage import leads as lead_store
from ingest.webapp import access, leads
from ingest.webapp import campaigns as campaign_pages
from ingest.webapp.access import Member
from ingest.webapp.render import render

NO_STORE = {"Cache-Control": "no-store"}
# The list's own parameters, kept from one link to the next (sort links, next page, CSV).
LIST_PARAMS = (
    "q",
    *people.PERSON_FILTERS,
    *lead_lists.PERSON_LEAD_FILTERS,
    "group",
    "form",
    "via",
    "reached_status",
    "created_from",
    "created_to",
    *CAMPAIGN_PARAMS,
    "sort",
    "limit",
)
# (parameter, label, choices) of the filter form: a text box, or a menu of the choices (the
# first one, blank, is no filter).
CHANNEL_CHOICES = (("", "Any"), *((name, name) for name in CHANNELS))
FILTER_FIELDS = (
    ("first_touch_channel", "First-touch channel", CHANNEL_CHOICES),
    ("first_touch_source", "First-touch source", None),
    ("first_touch_medium", "First-touch medium", None),
    ("first_touch_campaign", "First-touch campaign", None),
    ("lead_creation_channel", "Lead-creation channel", CHANNEL_CHOICES),
    ("lead_creation_source", "Lead-creation source", None),
    ("lead_creation_medium", "Lead-creation medium", None),
    ("lead_creation_campaign", "Lead-creation campaign", None),
    ("form", "Form id", None),
    ("via", "Came by", (("", "Any"), *((name, name) for name in queries.VIAS))),
    ("reached_status", "Ever had lead status", None),
)
COLUMNS = (  # (sort name, header) of the table
    ("email", "Email"),
    ("name", "Name"),
    ("company", "Company"),
    ("first_touch_source", "First touch"),
    ("first_touch_channel", "First-touch channel"),
    ("lead_creation_source", "Lead creation"),
    ("lead_creation_channel", "Lead-creation channel"),
    ("lead_status", "Lead status"),
    ("category", "Category"),
    ("owner", "Owner"),
    ("created_at", "Created"),
)
GROUPINGS = (
    ("", "No grouping"),
    ("lead_status", "Lead status"),
    ("category", "Category"),
    ("category_group", "Category group"),
)
# The filter form's sort menu (the column headers are hidden on a phone).
SORT_CHOICES = (
    ("-created_at", "Newest first"),
    ("created_at", "Oldest first"),
    ("email", "Email"),
    ("name", "Name"),
    ("company", "Company"),
    ("first_touch_source", "First-touch source"),
    ("first_touch_channel", "First-touch channel"),
    ("lead_creation_source", "Lead-creation source"),
    ("lead_creation_channel", "Lead-creation channel"),
    ("lead_status", "Lead status (in its order)"),
    ("-lead_status", "Lead status, last first"),
    ("category", "Category"),
    ("category_group", "Category group"),
    ("owner", "Owner"),
)
FLASH = "people_flash"
ERASERS = (ADMIN,)  # export and erase: privacy requests are the administrator's


@dataclass(frozen=True)
class Column:
    label: str
    href: str
    state: str  # "ascending", "descending" or "none" (aria-sort)


def kept(request: Request, **changes: str | None) -> dict[str, str]:
    """The list's parameters of this address, non-empty, with ``changes`` applied."""
    params = {
        name: request.query_params[name] for name in LIST_PARAMS if request.query_params.get(name)
    }
    for name, value in changes.items():
        if value:
            params[name] = value
        else:
            params.pop(name, None)
    return params


def href(path: str, params: dict[str, str]) -> str:
    return path + ("?" + urlencode(params) if params else "")


def sort_columns(
    request: Request, path: str, sort: str, columns: tuple, keep: Any = kept
) -> list[Column]:
    """Header links: a column sorts ascending, and its own header turns it around."""
    found = []
    for name, label in columns:
        state, target = "none", name
        if sort == name:
            state, target = "ascending", "-" + name
        elif sort == "-" + name:
            state = "descending"
        found.append(Column(label, href(path, keep(request, sort=target, cursor=None)), state))
    return found


def pop_flash(request: Request) -> str | None:
    return request.session.pop(FLASH, None)


def person_query(params: Mapping[str, str], me: str | None) -> people.PersonQuery:
    """The list's query: a blank box of the filter form is no filter, ``owner=me`` the
    signed-in user (``queries.app_params``)."""
    return queries.app_person_query(params, me)


def grouping(params: Mapping[str, str]) -> str:
    by = params.get("group", "")
    if by and by not in lead_lists.GROUPINGS:
        raise BadRequest(f"group must be one of {', '.join(lead_lists.GROUPINGS)}.")
    return by


async def lead_choices(request: Request, member: Member) -> dict[str, tuple[str, tuple]]:
    """The lead filters' menus, parameter -> (label, choices), ids as values so that a saved
    selection survives a rename; "None" is ``(none)``."""
    lead = await request.state.db.read(lead_setup.setup, member.tenant_id)
    owners = await request.state.db.read(lead_store.members, member.tenant_id)
    anyone, none = ("", "Any"), (lead_lists.NONE, "None")

    def menu(label: str, items: Any) -> tuple[str, tuple]:
        return label, (anyone, *items, none)

    return {
        "lead_status": menu("Lead status", ((s.status_id, s.name) for s in lead.statuses)),
        "category": menu("Category", ((c.category_id, c.name) for c in lead.categories)),
        "category_group": menu("Category group", ((g.group_id, g.name) for g in lead.groups)),
        "owner": menu("Owner", ((queries.ME, "Me"), *((e, e) for _, e in owners))),
    }


async def persons_list(request: Request, member: Member) -> Response:
    params = request.query_params
    query = person_query(params, member.user.email)
    by = grouping(params)
    db = request.state.db
    try:
        page = await db.read(people.search_persons, member.tenant_id, query)
        groups = await db.read(people.person_groups, member.tenant_id, query, by) if by else []
    except people.BadQuery as error:
        raise BadRequest(str(error)) from None
    path = member.url("persons")
    choices = await lead_choices(request, member)
    mine = params.get("owner") == queries.ME
    return render(
        request,
        "app/persons.html",
        {
            "page": page,
            "values": kept(request),
            "filters": FILTER_FIELDS,
            "lead_filters": [(name, *choices[name]) for name in lead_lists.PERSON_LEAD_FILTERS],
            # Grouped, the list goes by the group: a header's sort ungroups it.
            "columns": sort_columns(request, path, query.sort, COLUMNS, ungrouped if by else kept),
            "sort": query.sort,
            "sorts": SORT_CHOICES,
            "groupings": GROUPINGS,
            "group_by": by,
            "groups": [(g, group_href(request, path, by, g.key)) for g in groups],
            # Headings inside the table when it is sorted by the grouping.
            "group_rows": {g.key: g for g in groups} if query.sort.lstrip("-") == by else None,
            "my_leads": mine,
            "my_leads_href": href(
                path, kept(request, owner=None if mine else queries.ME, cursor=None)
            ),
            "filtered": bool(kept(request, sort=None, limit=None, group=None)),
            "filters_open": bool(
                kept(request, q=None, sort=None, limit=None, group=None, owner=None)
            ),
            "next_href": (
                href(path, kept(request, cursor=page.next_cursor)) if page.next_cursor else None
            ),
            "csv_href": href(member.url("persons.csv"), kept(request, limit=None)),
            "saved": kept(request, limit=None),
            "flash": pop_flash(request),
            "campaign_note": await campaign_pages.filter_note(request, member, query.campaign),
            "campaign_params": CAMPAIGN_PARAMS,
        },
        viewer=member,
        headers=NO_STORE,
    )


def ungrouped(request: Request, **changes: str | None) -> dict[str, str]:
    return kept(request, group=None, **changes)


def group_href(request: Request, path: str, by: str, key: str, keep: Any = kept) -> str:
    """The list filtered to one group (``(none)`` for those without one)."""
    return href(
        path, keep(request, group=None, cursor=None, sort=None, **{by: key or lead_lists.NONE})
    )


async def persons_csv_export(request: Request, member: Member) -> Response:
    query = person_query(request.query_params, member.user.email)
    return await csv_response(request, member.tenant_id, query, f"persons-{member.tenant_id}")


async def csv_response(
    request: Request, tenant_id: str, query: people.PersonQuery, stem: str
) -> Response:
    """The selection's persons as a CSV download (``persons_csv``)."""
    try:  # a bad sort or filter is a page of its own, not a broken download
        await request.state.db.read(people.search_persons, tenant_id, _one_row(query))
    except people.BadQuery as error:
        raise BadRequest(str(error)) from None
    name = f"{stem}-{date.today().isoformat()}.csv"
    return StreamingResponse(
        persons_csv.stream(request.state.db, tenant_id, query),
        media_type=persons_csv.MEDIA_TYPE,
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'},
    )


def _one_row(query: people.PersonQuery) -> people.PersonQuery:
    return replace(query, cursor=None, limit=1)


async def _card(request: Request, member: Member) -> dict[str, Any]:
    card = await request.state.db.read(
        people.person_card, member.tenant_id, request.path_params["person_id"]
    )
    if card is None:
        raise NotFound("No such person.")
    return card


def timeline(card: dict[str, Any]) -> list[dict[str, Any]]:
    """The visitor's touches across every submission's history, once each, oldest first."""
    seen: dict[tuple, dict[str, Any]] = {}
    for submission in card["submissions"]:
        for touch in submission["touches"]:
            key = (
                touch.get("at"),
                touch.get("source"),
                touch.get("medium"),
                touch.get("campaign"),
                touch.get("landing_page"),
            )
            seen.setdefault(key, touch)
    return sorted(seen.values(), key=lambda touch: touch.get("at") or "")


async def person_card(
    request: Request,
    member: Member,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    card = await _card(request, member)
    lead = await request.state.db.read(lead_store.person_view, member.tenant_id, card["id"])
    if values is None:
        values = {
            "first_name": card["first_name"] or "",
            "last_name": card["last_name"] or "",
            "company": (card["company"] or {}).get("name") or "",
        }
    return render(
        request,
        "app/person.html",
        {
            "person": card,
            "timeline": timeline(card),
            "values": values,
            "errors": errors or {},
            "may_erase": member.may(*ERASERS),
            "flash": pop_flash(request),
            **await deals_of_card(request, member, person_id=card["id"]),
            "lead": lead,
            "lead_flash": leads.pop_flash(request),
        },
        viewer=member,
        status=status,
        headers=NO_STORE,
    )


async def deals_of_card(request: Request, member: Member, **whose: str) -> dict[str, Any]:
    """A person's or a company's deals for its card, and whether this member may add one."""
    from ingest.storage import deals
    from ingest.webapp.deals import SELLERS

    found = await request.state.db.read(deals.deals_of, member.tenant_id, **whose)
    return {"deals": found, "may_sell": member.may(*SELLERS)}


async def person_edit(request: Request, member: Member) -> Response:
    """POST the name and company; back to the card (303), or the card with what to fix."""
    person_id = request.path_params["person_id"]
    card_url = member.url("persons/" + quote(person_id, safe=""))
    form = await access.form(request)
    changes = {name: form[name] for name in domain.EDITABLE if name in form}
    if not changes:
        return RedirectResponse(card_url, status_code=303)
    try:
        cleaned = domain.validate_update(changes)
    except ValidationFailed as error:
        return await person_card(
            request, member, errors=error.fields or {}, values=changes, status=422
        )
    job = functools.partial(
        domain.update,
        tenant_id=member.tenant_id,
        person_id=person_id,
        changes=cleaned,
        now=utcnow(),
    )
    try:
        await request.state.db.write(job)
    except domain.PersonNotFound:
        raise NotFound("No such person.") from None
    except WriterClosed:
        raise Unavailable("The service is shutting down; please try again.") from None
    request.session[FLASH] = "Saved."
    return RedirectResponse(card_url, status_code=303)


async def person_export(request: Request, member: Member) -> Response:
    """Everything stored about the person, as the JSON document of a privacy request."""
    return await export_response(
        request.state.db, member.tenant_id, request.path_params["person_id"]
    )


async def person_erase(request: Request, member: Member) -> Response:
    """GET: "Erase <email>?" with a button. POST (the button's ``confirm``): erase, then the
    list with a message. A post without ``confirm`` goes back to the question."""
    card = await _card(request, member)
    if request.method == "POST" and (await access.form(request)).get("confirm") == "erase":
        job = functools.partial(erasure.erase, tenant_id=member.tenant_id, person_id=card["id"])
        try:
            await request.state.db.write(job)
        except erasure.PersonNotFound:
            raise NotFound("No such person.") from None
        except WriterClosed:
            raise Unavailable("The service is shutting down; please try again.") from None
        request.session[FLASH] = f"Erased {card['email']} and everything stored about them."
        return RedirectResponse(member.url("persons"), status_code=303)
    if request.method == "POST":
        return RedirectResponse(request.url.path, status_code=303)
    return render(request, "app/person_erase.html", {"person": card}, viewer=member)
