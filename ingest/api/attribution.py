"""``GET /api/v1/reports/attribution``: credits per source, medium, campaign, source / medium
or channel of the tenant's contact creations, deal creations or revenue (won deals) in a
range of UTC days, under one attribution model and lookback window. Scoped to the bearer
key's tenant. ``?format=csv`` gives the same rows as CSV. The parameters and the answer:
``ingest/domain/credits/report.py``; the sums: ``storage/attribution.attribution_report``
(kept rollups under the default 90 days, a bounded replay otherwise)."""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ingest.api.persons import NO_STORE, tenant_of_key
from ingest.domain.credits import report as rules
from ingest.domain.persons_csv import MEDIA_TYPE
from ingest.errors import BadRequest
from ingest.storage.attribution import ReportTooLarge


async def report(request: Request) -> Response:
    tenant_id = await tenant_of_key(request)
    params = request.query_params
    fmt = params.get("format") or "json"
    if fmt not in ("json", "csv"):
        raise BadRequest("format must be json or csv.")
    try:
        query = rules.read_query(params, today=request.state.clock().date())
    except rules.BadReport as error:
        raise BadRequest(f"{error}.") from None
    read = functools.partial(rules.run, query=query)
    try:
        found = await request.state.db.read(read, tenant_id)
    except ReportTooLarge as error:
        raise BadRequest(f"{error}.") from None
    if fmt == "csv":
        name = f"attribution-{query.conversion}-{query.model}-{query.by}.csv"
        return Response(
            rules.as_csv(found),
            media_type=MEDIA_TYPE,
            headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'},
        )
    return JSONResponse(rules.as_json(found), headers=NO_STORE)


ROUTES = [Route("/api/v1/reports/attribution", report, methods=["GET", "HEAD"])]
