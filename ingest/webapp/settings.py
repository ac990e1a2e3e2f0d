"""The settings page (admins): UTM data transfer, allowed website origins, the script tag and
its options, whether the script is installed, and the API keys.

Every change is its own small form posting to ``settings/<what>``; it redirects back to
``settings?saved=<what>`` (a fixed message per flag, never text from the URL), or renders the
page again with the error next to its field and the value kept (422). A new API key is kept
in the session only until the next page shows it, once; revoking one is confirmed on the
page first, and another tenant's key id (or an unknown one) is 404."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ingest.edge import snippets
from ingest.edge.sightings import normalised_origin
from ingest.edge.tracker import SCRIPT_OPTIONS, script_options
from ingest.errors import NotFound
from ingest.storage import admin, api_keys
from ingest.storage.reads import StoreError, Tenant
from ingest.storage.sightings import script_sightings
from ingest.webapp import access
from ingest.webapp.access import Member
from ingest.webapp.render import render

MAX_ORIGINS = 50
ORIGIN_MAX = 255
NEW_KEY = "new_api_key"  # the session's one-time slot for a new key: {"name", "key"}
SAVED = {
    "transfer-on": "UTM data transfer is on.",
    "transfer-off": "UTM data transfer is off.",
    "origin-added": "The origin was added.",
    "origin-removed": "The origin was removed.",
    "options": "The script's options were saved.",
    "key": "A new API key was made.",
    "revoked": "The API key was revoked: it no longer works.",
}


def website_origin(value: str) -> str:
    """An allowed origin as typed (``https://www.example.com``), checked like the CLI's
    ``--origin`` and normalised like the origins browsers send; ``ValueError`` says why not."""
    value = value.strip()
    if not value:
        raise ValueError("Enter an origin, like https://www.example.com")
    if len(value) > ORIGIN_MAX:
        raise ValueError(f"An origin has at most {ORIGIN_MAX} characters.")
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    origin = normalised_origin(value)
    if (
        parts is None
        or origin is None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or "@" in parts.netloc
    ):
        raise ValueError(
            "That is not an origin. Give the scheme and host only, like https://www.example.com"
        )
    return origin


def ago(iso: str, now: datetime) -> str:
    """``3 minutes ago``, ``just now``, ``2 days ago`` from a stored timestamp."""
    seconds = max(
        0, int((now - datetime.fromisoformat(iso.replace("Z", "+00:00"))).total_seconds())
    )
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'' if n == 1 else 's'} ago"
    return "just now"


async def _page(
    request: Request,
    member: Member,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    tenant_id = member.tenant_id
    tenant: Tenant = await request.state.db.read(admin.get_tenant, tenant_id)
    seen = await request.state.db.read(script_sightings, tenant_id)
    keys = await request.state.db.read(api_keys.list_keys, tenant_id)
    now = request.state.clock()
    new_key = request.session.pop(NEW_KEY, None) if status == 200 else None
    if not isinstance(new_key, dict):
        new_key = None
    context = {
        "tenant": tenant,
        "script_tag": snippets.script_tag(request.app.state.settings.base_url, tenant_id),
        "options": SCRIPT_OPTIONS,
        "sightings": [{**s, "ago": ago(s["last_seen_at"], now)} for s in seen],
        "saved": SAVED.get(request.query_params.get("saved", "")),
        "new_key": new_key,
        "keys": keys,
        "key_name_max": api_keys.NAME_MAX,
        "errors": errors or {},
        "values": values or {},
    }
    return render(request, "app/settings.html", context, viewer=member, status=status)


async def page(request: Request, member: Member) -> Response:
    return await _page(request, member)


def _back(member: Member, saved: str) -> Response:
    return RedirectResponse(member.url(f"settings?saved={saved}"), status_code=303)


async def _update(request: Request, member: Member, **changes: Any) -> None:
    await request.state.db.write(
        lambda conn: admin.update_tenant(conn, member.tenant_id, **changes)
    )
    request.state.settings_cache.forget(member.tenant_id)


async def transfer(request: Request, member: Member) -> Response:
    on = (await access.form(request)).get("utm_transfer") == "on"
    await _update(request, member, utm_transfer=on)
    return _back(member, "transfer-on" if on else "transfer-off")


async def origins(request: Request, member: Member) -> Response:
    form = await access.form(request)
    tenant: Tenant = await request.state.db.read(admin.get_tenant, member.tenant_id)
    current = list(tenant.origins)
    if "remove" in form:
        await _update(request, member, origins=[o for o in current if o != form["remove"]])
        return _back(member, "origin-removed")
    typed = form.get("origin", "")[: ORIGIN_MAX * 2]
    try:
        origin = website_origin(typed)
        if origin in current:
            raise ValueError(f"{origin} is in the list already.")
        if len(current) >= MAX_ORIGINS:
            raise ValueError(f"A tenant has at most {MAX_ORIGINS} origins; remove one first.")
    except ValueError as error:
        return await _page(
            request, member, errors={"origin": str(error)}, values={"origin": typed}, status=422
        )
    await _update(request, member, origins=[*current, origin])
    return _back(member, "origin-added")


async def script(request: Request, member: Member) -> Response:
    chosen = (await access.form(request)).getlist("option")
    try:
        options = script_options(chosen)
    except StoreError as error:
        return await _page(request, member, errors={"options": str(error)}, status=422)
    await _update(request, member, options=list(options))
    return _back(member, "options")


async def create_key(request: Request, member: Member) -> Response:
    typed = (await access.form(request)).get("name", "")[: api_keys.NAME_MAX * 2]
    try:
        name = api_keys.key_name(typed)
        _, key = await request.state.db.write(
            lambda conn: api_keys.create_key(conn, member.tenant_id, name, member.user.user_id)
        )
    except StoreError as error:
        return await _page(
            request, member, errors={"key_name": str(error)}, values={"key_name": typed}, status=422
        )
    request.session[NEW_KEY] = {"name": name, "key": key}
    return _back(member, "key")


async def revoke_key(request: Request, member: Member) -> Response:
    key_id = request.path_params["key_id"]
    if not await request.state.db.write(
        lambda conn: api_keys.revoke_key(conn, member.tenant_id, key_id)
    ):
        raise NotFound("No such API key.")
    return _back(member, "revoked")
