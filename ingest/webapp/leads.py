"""The lead pages: the admin's Lead setup (category groups, categories, lead statuses: add,
rename, up and down, deactivate, move a category to another group, the category of new
companies), and the posts of the person card's lead status and owner and the company card's
category and owner. Plain forms: every change is a post and a 303 back, with a message."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ingest.clock import utcnow
from ingest.domain import leads
from ingest.errors import NotFound, Unavailable, ValidationFailed
from ingest.storage import WriterClosed
from ingest.storage import lead_setup as setup_store
from ingest.storage.reads import StoreError
from ingest.webapp import access
from ingest.webapp.access import Member
from ingest.webapp.render import render

FLASH = "lead_flash"  # (kind, message): "notice" or "alert"
NO_STORE = {"Cache-Control": "no-store"}


def flash(request: Request, message: str, kind: str = "notice") -> None:
    request.session[FLASH] = [kind, message]


def pop_flash(request: Request) -> tuple[str, str] | None:
    found = request.session.pop(FLASH, None)
    return (found[0], found[1]) if isinstance(found, list) and len(found) == 2 else None


async def _write(request: Request, job: Any) -> Any:
    try:
        return await request.state.db.write(job)
    except WriterClosed:
        raise Unavailable("The service is shutting down; please try again.") from None


# -- Lead setup --------------------------------------------------------------------------


async def setup_page(request: Request, member: Member) -> Response:
    if request.method == "POST":
        return await _setup_change(request, member)
    setup = await request.state.db.read(setup_store.setup, member.tenant_id)
    return render(
        request,
        "app/lead_setup.html",
        {"setup": setup, "flash": pop_flash(request), "name_max": setup_store.NAME_MAX},
        viewer=member,
        headers=NO_STORE,
    )


ACTIONS = {
    "add": "Added.",
    "rename": "Renamed.",
    "up": "Moved up.",
    "down": "Moved down.",
    "deactivate": "Deactivated.",
    "activate": "Activated again.",
    "move": "Moved to the group.",
    "lead_status_on": "Lead status is now enabled for the group's categories.",
    "lead_status_off": "Lead status is now off for the group's categories; persons keep theirs.",
    "default_category": "Saved the category of new companies.",
}


async def _setup_change(request: Request, member: Member) -> Response:
    form = await access.form(request)
    action, kind = form.get("action", ""), form.get("kind", "")
    item, name = form.get("id", ""), form.get("name", "")
    back = RedirectResponse(member.url("lead-setup"), status_code=303)
    if action not in ACTIONS or (kind not in setup_store.KINDS and action != "default_category"):
        return back
    tenant_id = member.tenant_id

    def job(conn: Any) -> None:
        if action == "add":
            setup_store.add(
                conn,
                tenant_id,
                kind,
                name,
                group_id=form.get("group_id"),
                lead_status_enabled=form.get("lead_status_enabled") == "on",
            )
        elif action == "rename":
            setup_store.rename(conn, tenant_id, kind, item, name)
        elif action in ("up", "down"):
            setup_store.move(conn, tenant_id, kind, item, -1 if action == "up" else 1)
        elif action in ("deactivate", "activate"):
            setup_store.set_active(conn, tenant_id, kind, item, action == "activate")
        elif action == "move" and kind == "category":
            setup_store.move_category(conn, tenant_id, item, form.get("group_id", ""))
        elif action in ("lead_status_on", "lead_status_off") and kind == "group":
            setup_store.set_lead_status_enabled(conn, tenant_id, item, action == "lead_status_on")
        elif action == "default_category":
            setup_store.set_default_category(conn, tenant_id, form.get("category_id") or None)

    try:
        await _write(request, job)
    except StoreError as error:
        flash(request, str(error), "alert")
        return back
    flash(request, ACTIONS[action])
    return back


# -- the cards' posts --------------------------------------------------------------------


async def person_lead(request: Request, member: Member) -> Response:
    """POST ``lead_status`` (a status id; sent only when editable) and ``owner`` (a user id,
    empty for nobody); back to the card."""
    person_id = request.path_params["person_id"]
    form = await access.form(request)
    changes: dict[str, Any] = {}
    if form.get("lead_status"):
        changes["status"] = form["lead_status"]
    if "owner" in form:
        changes["owner"] = form["owner"] or None
    return await _card_change(
        request,
        member,
        card="persons/" + quote(person_id, safe=""),
        job=functools.partial(leads.change_person, person_id=person_id, **changes),
        changed=bool(changes),
        missing=(leads.PersonNotFound, "No such person."),
        saved="Saved the lead status and owner.",
    )


async def company_lead(request: Request, member: Member) -> Response:
    """POST ``category`` (a category id, empty for none) and ``owner``; back to the card."""
    company_id = request.path_params["company_id"]
    form = await access.form(request)
    changes: dict[str, Any] = {}
    if "category" in form:
        changes["category"] = form["category"] or None
    if "owner" in form:
        changes["owner"] = form["owner"] or None
    return await _card_change(
        request,
        member,
        card="companies/" + quote(company_id, safe=""),
        job=functools.partial(leads.change_company, company_id=company_id, **changes),
        changed=bool(changes),
        missing=(leads.CompanyNotFound, "No such company."),
        saved="Saved the category and owner.",
    )


async def _card_change(
    request: Request,
    member: Member,
    *,
    card: str,
    job: functools.partial[Any],
    changed: bool,
    missing: tuple[type[Exception], str],
    saved: str,
) -> Response:
    """Run a card's lead change as the member, now; back to the card with what happened."""
    back = RedirectResponse(member.url(card), status_code=303)
    if not changed:
        return back
    try:
        await _write(
            request,
            functools.partial(
                job, tenant_id=member.tenant_id, user_id=member.user.user_id, now=utcnow()
            ),
        )
    except missing[0]:
        raise NotFound(missing[1]) from None
    except ValidationFailed as error:
        flash(request, error.message, "alert")
        return back
    flash(request, saved)
    return back
