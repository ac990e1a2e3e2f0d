"""The Dashboards pages: a tenant's dashboards (the three of seed 004 made on the first
look), each a page of tiles run now; and the plain forms that add, rename, reorder and
remove dashboards and add, edit, reorder and remove tiles (no JavaScript; CSRF like every
app form; one post and a 303 each, a one-shot message saying what happened).

Every member may read and change the dashboards: they are shared in the tenant, as
selections are. A tile's settings are checked by ``domain/reports/tiles.check`` and its
report run once before they are kept, so a kept tile is one that shows.
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ingest.clock import utcnow
from ingest.domain.persons_csv import MEDIA_TYPE
from ingest.domain.reports import report_csv, run, spec, tiles
from ingest.errors import BadRequest, NotFound, Unavailable
from ingest.storage import WriterClosed, people, selections
from ingest.storage.reads import StoreError
from ingest.storage.reports import dashboards as store
from ingest.webapp import access, dashboard_tiles
from ingest.webapp.access import Member
from ingest.webapp.persons import NO_STORE
from ingest.webapp.render import render

FLASH = "dashboards_flash"
STEPS = {"up": -1, "down": 1}


def _url(member: Member, dashboard_id: str, *rest: str) -> str:
    return member.url("/".join(("dashboards", quote(dashboard_id, safe=""), *rest)))


async def _write(request: Request, job: Any, done: str, back: str) -> Response:
    try:
        await request.state.db.write(job)
        request.session[FLASH] = done
    except StoreError as error:
        request.session[FLASH] = f"Not changed: {error}"
    except WriterClosed:
        raise Unavailable("The service is shutting down; please try again.") from None
    return RedirectResponse(back, status_code=303)


async def index(request: Request, member: Member) -> Response:
    """GET: the first dashboard (or the list, when there is none); POST: a new one."""
    if request.method == "POST":
        name = (await access.form(request)).get("name", "")
        await tiles.dashboards(request.state.db, member.tenant_id, utcnow())  # the defaults first
        job = functools.partial(
            store.create_dashboard, tenant_id=member.tenant_id, name=name, at=utcnow()
        )
        return await _write(request, job, "Added the dashboard.", member.url("dashboards/manage"))
    found = await tiles.dashboards(request.state.db, member.tenant_id, utcnow())
    if found:
        return RedirectResponse(_url(member, found[0].dashboard_id), status_code=303)
    return RedirectResponse(member.url("dashboards/manage"), status_code=303)


async def manage(request: Request, member: Member) -> Response:
    found = await tiles.dashboards(request.state.db, member.tenant_id, utcnow())
    return render(
        request,
        "app/dashboards.html",
        {
            "dashboards": [(d, _url(member, d.dashboard_id)) for d in found],
            "flash": request.session.pop(FLASH, None),
            "name_max": store.NAME_MAX,
        },
        viewer=member,
        headers=NO_STORE,
    )


async def _dashboard(request: Request, member: Member) -> store.Dashboard:
    found = await request.state.db.read(
        store.get, member.tenant_id, request.path_params["dashboard_id"]
    )
    if found is None:
        raise NotFound("No such dashboard.")
    return found


async def show(request: Request, member: Member) -> Response:
    """A dashboard with every tile run now (one read each, in turn: the reads share the
    database's reader threads with every other request)."""
    dashboard = await _dashboard(request, member)
    every = await tiles.dashboards(request.state.db, member.tenant_id, utcnow())
    views = [await dashboard_tiles.view(request, member, tile) for tile in dashboard.tiles]
    return render(
        request,
        "app/dashboard.html",
        {
            "dashboard": dashboard,
            "tabs": [(d, _url(member, d.dashboard_id)) for d in every],
            "views": views,
            "base": _url(member, dashboard.dashboard_id),
            "flash": request.session.pop(FLASH, None),
            "groupings": spec.GROUPINGS,
        },
        viewer=member,
        headers=NO_STORE,
    )


async def change(request: Request, member: Member) -> Response:
    """POST ``action``: rename (with ``name``), up, down, or delete (with ``confirm``)."""
    dashboard = await _dashboard(request, member)
    form = await access.form(request)
    action = form.get("action", "")
    back = member.url("dashboards/manage")
    ids = {"tenant_id": member.tenant_id, "dashboard_id": dashboard.dashboard_id}
    if action == "rename":
        job = functools.partial(
            store.rename_dashboard, **ids, name=form.get("name", ""), at=utcnow()
        )
        return await _write(request, job, "Renamed the dashboard.", back)
    if action in STEPS:
        job = functools.partial(store.move_dashboard, **ids, step=STEPS[action])
        return await _write(request, job, f"Moved {dashboard.name!r} {action}.", back)
    if action == "delete" and form.get("confirm") == "delete":
        job = functools.partial(store.delete_dashboard, **ids)
        return await _write(request, job, f"Deleted the dashboard {dashboard.name!r}.", back)
    request.session[FLASH] = "Nothing changed: rename, move or delete (confirmed)."
    return RedirectResponse(back, status_code=303)


async def _tile(request: Request, member: Member, dashboard: store.Dashboard) -> store.Tile:
    tile_id = request.path_params["tile_id"]
    found = next((t for t in dashboard.tiles if t.tile_id == tile_id), None)
    if found is None:
        raise NotFound("No such tile.")
    return found


async def _checked(request: Request, member: Member, settings: store.TileSettings) -> None:
    """The tile's settings as ``tiles.check`` and a run of its report take them."""
    today = request.state.clock().date()
    found = tiles.check(settings, today=today)
    store.clean_name(settings.title, "A tile")
    if found is not None:
        try:
            await run.run(request.state.db, member.tenant_id, found, me=member.user.email, app="")
        except people.BadQuery as error:
            raise BadRequest(str(error)) from None
    else:
        saved = await request.state.db.read(selections.get, member.tenant_id, settings.selection_id)
        if saved is None or saved.kind != "persons":
            raise BadRequest("Choose one of the saved selections of persons.")


async def _tile_form(
    request: Request,
    member: Member,
    dashboard: store.Dashboard,
    settings: store.TileSettings,
    *,
    tile: store.Tile | None,
    error: str | None = None,
) -> Response:
    return render(
        request,
        "app/dashboard_tile.html",
        {
            "dashboard": dashboard,
            "tile": tile,
            "values": settings,
            "error": error,
            "base": _url(member, dashboard.dashboard_id),
            **(await dashboard_tiles.form_choices(request, member)),
        },
        viewer=member,
        status=422 if error else 200,
        headers=NO_STORE,
    )


async def tile_new(request: Request, member: Member) -> Response:
    """GET: the form of a new tile; POST: the tile, kept when it checks."""
    dashboard = await _dashboard(request, member)
    if request.method == "GET":
        blank = store.TileSettings(title="", kind="bar", measure="new_leads")
        return await _tile_form(request, member, dashboard, blank, tile=None)
    settings = tiles.settings_of(await access.form(request))
    try:
        await _checked(request, member, settings)
    except (BadRequest, StoreError) as error:
        return await _tile_form(request, member, dashboard, settings, tile=None, error=str(error))
    job = functools.partial(
        store.add_tile,
        tenant_id=member.tenant_id,
        dashboard_id=dashboard.dashboard_id,
        tile=settings,
        at=utcnow(),
    )
    back = _url(member, dashboard.dashboard_id)
    return await _write(request, job, f"Added the tile {settings.title.strip()!r}.", back)


async def tile_edit(request: Request, member: Member) -> Response:
    """GET: the tile's form; POST: its new settings, kept when they check."""
    dashboard = await _dashboard(request, member)
    tile = await _tile(request, member, dashboard)
    if request.method == "GET":
        return await _tile_form(request, member, dashboard, tile.settings, tile=tile)
    settings = tiles.settings_of(await access.form(request))
    try:
        await _checked(request, member, settings)
    except (BadRequest, StoreError) as error:
        return await _tile_form(request, member, dashboard, settings, tile=tile, error=str(error))
    job = functools.partial(
        store.update_tile,
        tenant_id=member.tenant_id,
        tile_id=tile.tile_id,
        tile=settings,
        at=utcnow(),
    )
    back = _url(member, dashboard.dashboard_id)
    return await _write(request, job, f"Saved the tile {settings.title.strip()!r}.", back)


async def tile_change(request: Request, member: Member) -> Response:
    """POST ``action``: up, down, or delete (with ``confirm``)."""
    dashboard = await _dashboard(request, member)
    tile = await _tile(request, member, dashboard)
    form = await access.form(request)
    action = form.get("action", "")
    back = _url(member, dashboard.dashboard_id)
    if action in STEPS:
        job = functools.partial(
            store.move_tile,
            tenant_id=member.tenant_id,
            dashboard_id=dashboard.dashboard_id,
            tile_id=tile.tile_id,
            step=STEPS[action],
        )
        return await _write(request, job, f"Moved {tile.settings.title!r} {action}.", back)
    if action == "delete" and form.get("confirm") == "delete":
        job = functools.partial(store.delete_tile, tenant_id=member.tenant_id, tile_id=tile.tile_id)
        return await _write(request, job, f"Removed the tile {tile.settings.title!r}.", back)
    request.session[FLASH] = "Nothing changed: move or remove (confirmed)."
    return RedirectResponse(back, status_code=303)


async def tile_csv(request: Request, member: Member) -> Response:
    """The tile's rows as CSV: the API's ``?format=csv`` of its report, formula-safe."""
    dashboard = await _dashboard(request, member)
    tile = await _tile(request, member, dashboard)
    shown = await dashboard_tiles.view(request, member, tile)
    if shown.result is None:
        raise BadRequest(shown.error or "A selection list tile exports from the Selections page.")
    report = shown.result.report
    name = f"{report.measure.name}-{report.period.first}-{report.period.last}.csv"
    return Response(
        report_csv.text(shown.result),
        media_type=MEDIA_TYPE,
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'},
    )
