"""The reports API: ``GET /api/v1/reports/<measure>`` (every dashboard tile's data; the
parameters are ``domain/reports/spec.py``'s, ``?format=csv`` the same rows as CSV) and
``GET /api/v1/dashboards`` (the dashboards, their tiles and each tile's report address),
scoped to the bearer key's tenant. The numbers are ``domain/reports/run.py``'s, as the
tiles show them; each carries the app's list behind it (``*_list``)."""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ingest.api.persons import NO_STORE, tenant_of_key
from ingest.clock import iso_time
from ingest.domain.persons_csv import MEDIA_TYPE
from ingest.domain.reports import report_csv, run, spec, tiles
from ingest.errors import BadRequest


def _today(request: Request) -> datetime:
    return request.state.clock()


async def report(request: Request) -> Response:
    tenant_id = await tenant_of_key(request)
    params = request.query_params
    output = params.get("format", "json")
    if output not in ("json", "csv"):
        raise BadRequest("format must be json or csv.")
    found = spec.from_params(request.path_params["measure"], params, today=_today(request).date())
    result = await run.run(request.state.db, tenant_id, found, me=None, app=f"/app/{tenant_id}")
    if output == "csv":
        name = f"{found.measure.name}-{found.period.first}-{found.period.last}.csv"
        return Response(
            report_csv.text(result),
            media_type=MEDIA_TYPE,
            headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'},
        )
    return JSONResponse(run.json_of(result), headers=NO_STORE)


async def list_dashboards(request: Request) -> Response:
    tenant_id = await tenant_of_key(request)
    now = _today(request)
    found = await tiles.dashboards(request.state.db, tenant_id, iso_time(now))
    items = []
    for dashboard in found:
        shown = []
        for tile in dashboard.tiles:
            settings = tile.settings
            try:
                checked = tiles.check(settings, today=now.date())
                url: str | None = tiles.api_url(settings, checked)
            except BadRequest:
                url = None  # a tile this version no longer takes: listed, without data
            shown.append(
                {
                    "id": tile.tile_id,
                    "title": settings.title,
                    "kind": settings.kind,
                    "measure": settings.measure or None,
                    "by": settings.grouping or None,
                    "period": settings.period,
                    "filters": settings.filters,
                    "selection_id": settings.selection_id or None,
                    "report_url": url,
                }
            )
        items.append({"id": dashboard.dashboard_id, "name": dashboard.name, "tiles": shown})
    return JSONResponse({"items": items}, headers=NO_STORE)


ROUTES = [
    Route("/api/v1/reports/{measure}", report),
    Route("/api/v1/dashboards", list_dashboards),
]
