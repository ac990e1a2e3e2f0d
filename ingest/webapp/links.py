"""Campaign links in the app (seed 001, step 3): the UTM builder (the tenant's naming rule,
the channel the link falls into, its warnings), the saved tracking URLs with what each
brought, and campaigns with the ``utm_campaign`` values they own."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ingest.domain import links as rules
from ingest.domain.channels import channel
from ingest.storage import links as store
from ingest.storage.reads import StoreError
from ingest.webapp import access
from ingest.webapp.access import Member
from ingest.webapp.render import render

INPUTS = ("page_url", *rules.FIELDS)
SEARCH_MAX = store.SEARCH_MAX


async def index(request: Request, member: Member) -> Response:
    tenant_id = member.tenant_id
    values = {key: "" for key in INPUTS}
    built = None
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        posted = await access.form(request)
        if "action" not in posted:  # no button pressed: nothing asked
            return RedirectResponse(member.url("links"), status_code=303)
        values = {key: posted.get(key, "")[: rules.URL_MAX] for key in INPUTS}
        try:
            built = await _build(request, tenant_id, values)
        except rules.LinkError as exc:
            errors, status = exc.errors, 400
        else:
            if posted.get("action") == "save":
                link = built
                email = member.user.email
                url_id = await request.state.db.write(
                    lambda conn: store.save_link(conn, tenant_id, link, email)
                )
                return RedirectResponse(member.url(f"links?saved={url_id}"), status_code=303)
    return await _page(request, member, values, built, errors, status=status)


async def campaigns(request: Request, member: Member) -> Response:
    tenant_id = member.tenant_id
    posted = await access.form(request)
    if "name" not in posted:  # nothing asked: nothing to do
        return RedirectResponse(member.url("links#campaigns"), status_code=303)
    name = posted.get("name", "")[:300]
    raw = posted.get("values", "")[:5000]
    owned = [rules.normalize(v) for v in raw.replace(",", "\n").splitlines()]
    owned = [v for v in owned if v]
    error = None
    if not owned:
        error = "Give the campaign at least one utm_campaign value."
    elif any(len(v) > rules.VALUE_MAX for v in owned):
        error = f"A utm_campaign value can be at most {rules.VALUE_MAX} characters."
    else:
        try:
            await request.state.db.write(
                lambda conn: store.create_campaign(conn, tenant_id, name, owned)
            )
        except StoreError as exc:
            message = str(exc)
            error = message[:1].upper() + message[1:] + "."
        else:
            return RedirectResponse(member.url("links#campaigns"), status_code=303)
    campaign = {"name": name, "values": raw, "error": error}
    return await _page(
        request, member, {key: "" for key in INPUTS}, None, {}, campaign=campaign, status=400
    )


async def _build(request: Request, tenant_id: str, values: dict[str, str]) -> rules.Link:
    tenant = await request.state.settings_cache.tenant(request.state.db, tenant_id)
    known = await request.state.db.read(store.campaign_names, tenant_id)
    return rules.build(
        values["page_url"],
        values,
        origins=tenant.origins if tenant else (),
        own_origin=request.state.settings.public_origin,
        known_campaigns=known,
        channel_of=lambda source, medium: channel(source, medium),
    )


async def _page(
    request: Request,
    member: Member,
    values: dict[str, str],
    built: rules.Link | None,
    errors: dict[str, str],
    *,
    campaign: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    tenant_id = member.tenant_id
    search = request.query_params.get("q", "")[:SEARCH_MAX]
    saved = await request.state.db.read(store.list_links, tenant_id, search=search)
    return render(
        request,
        "app/links.html",
        {
            "values": values,
            "labels": {"page_url": "Page address", **rules.LABELS},
            "required": ("page_url", *rules.REQUIRED),
            "built": built,
            "errors": errors,
            "search": search,
            "saved": saved,
            "just_saved": request.query_params.get("saved"),
            "campaigns": await request.state.db.read(store.list_campaigns, tenant_id),
            "campaign": campaign or {"name": "", "values": "", "error": None},
        },
        viewer=member,
        status=status,
    )
