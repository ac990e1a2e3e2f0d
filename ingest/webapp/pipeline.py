"""The Pipeline pages: open deals in columns by stage (counts and sums, the biggest deals of
each column, the rest a link to the Deals list), each card a plain form to move it to another
stage or mark it won or lost (no JavaScript needed); and the admins' setup of the stages and
the default currency.
"""

from __future__ import annotations

import functools
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ingest.api.deals import now
from ingest.domain import stages as rules
from ingest.errors import Unavailable
from ingest.storage import WriterClosed, accounts, stages
from ingest.storage import deals as store
from ingest.webapp import access
from ingest.webapp.access import Member
from ingest.webapp.deals import SELLERS, list_query
from ingest.webapp.persons import NO_STORE, href, pop_flash
from ingest.webapp.render import render

PER_COLUMN = 50
FILTERS = ("owner", "lead_creation_source")
SETUP_FLASH = "pipeline_flash"


async def board(request: Request, member: Member) -> Response:
    tenant_id = member.tenant_id
    values = {n: request.query_params[n] for n in FILTERS if request.query_params.get(n)}
    query = list_query(request)
    query = store.DealQuery(owner=query.owner, filters=query.filters)
    all_stages = await request.state.db.read(stages.stages, tenant_id)
    sums = await request.state.db.read(store.pipeline_sums, tenant_id, query)
    columns = []
    for stage in all_stages:
        if not stage.active and stage.stage_id not in sums:
            continue
        totals = sums.get(stage.stage_id, [])
        count = sum(deals for _, deals, _ in totals)
        cards = (
            await request.state.db.read(
                store.pipeline_column, tenant_id, stage.stage_id, query, PER_COLUMN
            )
            if count
            else []
        )
        more = (
            href(
                member.url("deals"),
                {**values, "status": "open", "stage": stage.name, "sort": "-amount"},
            )
            if count > len(cards)
            else None
        )
        columns.append(
            {"stage": stage, "count": count, "totals": totals, "cards": cards, "more": more}
        )
    members = await request.state.db.read(accounts.members, tenant_id)
    return render(
        request,
        "app/pipeline.html",
        {
            "columns": columns,
            "targets": [s for s in all_stages if s.active],
            "values": values,
            "owners": [user.email for user, _ in members],
            "may_sell": member.may(*SELLERS),
            "may_setup": member.may("admin"),
            "flash": pop_flash(request),
        },
        viewer=member,
        headers=NO_STORE,
    )


async def setup(request: Request, member: Member) -> Response:
    """GET: the stages and the currency. POST ``action`` (add, edit, up, down, deactivate,
    activate, currency): done and back (303), or the page with the reason (422)."""
    if request.method == "POST":
        form = await access.form(request)
        job = _job(form, member.tenant_id, request)
        if job is None:
            return RedirectResponse(request.url.path, status_code=303)
        try:
            await request.state.db.write(job)
        except rules.StageRefused as error:
            return await _setup_page(request, member, error=str(error), status=422)
        except WriterClosed:
            raise Unavailable("The service is shutting down; please try again.") from None
        request.session[SETUP_FLASH] = "Saved."
        return RedirectResponse(request.url.path, status_code=303)
    return await _setup_page(request, member)


def _job(form: Any, tenant_id: str, request: Request) -> Any:
    action, stage_id = form.get("action"), form.get("stage_id", "")[:64]
    common = {"tenant_id": tenant_id}
    if action == "add":
        return functools.partial(
            rules.add_stage,
            **common,
            name=form.get("name", ""),
            probability=form.get("probability", ""),
            now=now(request),
        )
    if action == "edit":
        return functools.partial(
            rules.edit_stage,
            **common,
            stage_id=stage_id,
            name=form.get("name", ""),
            probability=form.get("probability", ""),
        )
    if action in ("up", "down"):
        offset = -1 if action == "up" else 1
        return functools.partial(rules.move_stage, **common, stage_id=stage_id, offset=offset)
    if action in ("deactivate", "activate"):
        active = action == "activate"
        return functools.partial(rules.set_active, **common, stage_id=stage_id, active=active)
    if action == "currency":
        return functools.partial(rules.set_currency, **common, currency=form.get("currency", ""))
    return None


async def _setup_page(
    request: Request, member: Member, *, error: str | None = None, status: int = 200
) -> Response:
    return render(
        request,
        "app/pipeline_setup.html",
        {
            "stages": await request.state.db.read(stages.stages, member.tenant_id),
            "currency": await request.state.db.read(stages.tenant_currency, member.tenant_id),
            "error": error,
            "flash": request.session.pop(SETUP_FLASH, None),
        },
        viewer=member,
        status=status,
        headers=NO_STORE,
    )
