"""The Selections page: saved searches over the persons or companies list, shared in the
tenant. "Save as selection" on a list posts its query here; a selection opens as the list
with that query (re-run, so always current), exports as CSV, and is renamed or deleted by
its creator or an admin.

What is saved is the list's own address parameters (ids for statuses, categories and
groups, so a rename of one keeps the selection right; ``owner=me`` stays "me": whoever opens
the selection), checked by the list's parsing before it is kept.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from ingest.api import queries
from ingest.clock import utcnow
from ingest.domain import companies_csv
from ingest.domain.accounts import ADMIN
from ingest.errors import BadRequest, Forbidden, NotFound, Unavailable
from ingest.storage import WriterClosed, people
from ingest.storage import selections as store
from ingest.storage.reads import StoreError
from ingest.webapp import access, companies, persons
from ingest.webapp.access import Member
from ingest.webapp.persons import NO_STORE, csv_response, href
from ingest.webapp.render import render

FLASH = "selections_flash"
# What each kind's list keeps in its address (and so in a selection).
SAVED_PARAMS = {
    "persons": tuple(p for p in persons.LIST_PARAMS if p != "limit"),
    "companies": tuple(p for p in companies.PARAMS if p != "limit"),
}


def query_of(selection: store.Selection, me: str | None) -> Any:
    """The selection's query now, ``me`` being whoever "owner=me" means."""
    if selection.kind == "persons":
        return queries.app_person_query(selection.query, me)
    return queries.app_company_query(selection.query, me)


def list_href(member: Member, selection: store.Selection) -> str:
    return href(member.url(selection.kind), dict(selection.query))


def may_change(member: Member, selection: store.Selection) -> bool:
    return member.may(ADMIN) or selection.created_by == member.user.user_id


async def index(request: Request, member: Member) -> Response:
    if request.method == "POST":
        return await create(request, member)
    db = request.state.db
    found = await db.read(store.selections, member.tenant_id)
    rows = []
    for selection in found:
        try:
            query = query_of(selection, member.user.email)
            n: int | None = await db.read(store.count, member.tenant_id, selection, query)
        except (BadRequest, people.BadQuery):
            n = None  # a saved query this version no longer takes: shown, not counted
        rows.append(
            {
                "selection": selection,
                "count": n,
                "href": member.url("selections/" + quote(selection.selection_id, safe="")),
                "may_change": may_change(member, selection),
            }
        )
    return render(
        request,
        "app/selections.html",
        {
            "rows": rows,
            "cap": store.COUNT_CAP,
            "flash": request.session.pop(FLASH, None),
        },
        viewer=member,
        headers=NO_STORE,
    )


async def create(request: Request, member: Member) -> Response:
    """POST from a list's "Save as selection": the kind, a name and the list's parameters."""
    form = await access.form(request)
    kind = form.get("kind", "")
    if kind not in store.KINDS:
        request.session[FLASH] = "Not saved: save a selection from the persons or companies list."
        return RedirectResponse(member.url("selections"), status_code=303)
    query = {name: form[name] for name in SAVED_PARAMS[kind] if form.get(name)}
    back = href(member.url(kind), query)
    selection = store.Selection("", kind, "", query, None, None, "", "")
    try:  # checked as the list checks it: a query the list refuses is not kept
        parsed = replace(query_of(selection, member.user.email), limit=1)
        search = people.search_persons if kind == "persons" else people.search_companies
        await request.state.db.read(search, member.tenant_id, parsed)
    except (BadRequest, people.BadQuery) as error:
        raise BadRequest(str(error)) from None
    job = functools.partial(
        store.create,
        tenant_id=member.tenant_id,
        kind=kind,
        name=form.get("name", ""),
        query=query,
        user_id=member.user.user_id,
        at=utcnow(),
    )
    try:
        await request.state.db.write(job)
    except StoreError as error:
        request.session[persons.FLASH] = f"Not saved: {error}"
        return RedirectResponse(back, status_code=303)
    except WriterClosed:
        raise Unavailable("The service is shutting down; please try again.") from None
    request.session[FLASH] = f"Saved the selection {store.clean_name(form.get('name', ''))!r}."
    return RedirectResponse(member.url("selections"), status_code=303)


async def _selection(request: Request, member: Member) -> store.Selection:
    found = await request.state.db.read(
        store.get, member.tenant_id, request.path_params["selection_id"]
    )
    if found is None:
        raise NotFound("No such selection.")
    return found


async def open_selection(request: Request, member: Member) -> Response:
    """The list with the selection's query: re-run now."""
    selection = await _selection(request, member)
    return RedirectResponse(list_href(member, selection), status_code=303)


async def export(request: Request, member: Member) -> Response:
    selection = await _selection(request, member)
    query = query_of(selection, member.user.email)
    stem = f"selection-{selection.selection_id}"
    if selection.kind == "persons":
        return await csv_response(request, member.tenant_id, query, stem)
    try:
        await request.state.db.read(people.search_companies, member.tenant_id, query)
    except people.BadQuery as error:
        raise BadRequest(str(error)) from None
    return StreamingResponse(
        companies_csv.stream(request.state.db, member.tenant_id, query),
        media_type="text/csv; charset=utf-8",
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{stem}.csv"'},
    )


async def _changeable(request: Request, member: Member) -> store.Selection:
    selection = await _selection(request, member)
    if not may_change(member, selection):
        raise Forbidden("Only whoever made this selection, or an administrator, may change it.")
    return selection


async def _change(request: Request, member: Member, job: Any, done: str) -> Response:
    selection = await _changeable(request, member)
    try:
        await request.state.db.write(
            functools.partial(job, tenant_id=member.tenant_id, selection_id=selection.selection_id)
        )
        request.session[FLASH] = done.format(name=selection.name)
    except StoreError as error:
        request.session[FLASH] = f"Not changed: {error}"
    except WriterClosed:
        raise Unavailable("The service is shutting down; please try again.") from None
    return RedirectResponse(member.url("selections"), status_code=303)


async def rename(request: Request, member: Member) -> Response:
    name = (await access.form(request)).get("name", "")
    job = functools.partial(store.rename, name=name, at=utcnow())
    return await _change(request, member, job, "Renamed {name!r}.")


async def delete(request: Request, member: Member) -> Response:
    """Deletes with the button's ``confirm``; a post without it changes nothing."""
    if (await access.form(request)).get("confirm") != "delete":
        await _changeable(request, member)
        return RedirectResponse(member.url("selections"), status_code=303)
    return await _change(request, member, store.delete, "Deleted the selection {name!r}.")
