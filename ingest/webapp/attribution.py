"""The Attribution page: contact creations, deal creations or revenue credited to sources,
mediums, campaigns, source / medium pairs or channels under a chosen model and lookback, over
a period of the conversions' days; its model and window stated in words; a bar chart and the
table (key, credit, revenue, share). Every row links to the conversions behind it
(``attribution/conversions``): persons with their credit and the touches credited, or deals.

The numbers are ``storage/attribution.attribution_report``'s, as the API's are; the
parameters are the API's too (``domain/credits/report.read_query``), plus ``campaign``
(repeated) to restrict to a campaign's utm_campaign values. A model not offered for the
chosen conversion (after switching it) falls back to linear, said on the page; the choice is
kept whenever it is offered.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ingest.domain import periods
from ingest.domain.attribution import CONVERSIONS, DEFAULT_LOOKBACK_DAYS, GROUPINGS, offered
from ingest.domain.attribution.names import CONVERSION_NAMES, GROUPING_NAMES, MODEL_NAMES
from ingest.domain.credits import report as rules
from ingest.domain.money import amount_text
from ingest.errors import BadRequest
from ingest.storage import attribution as store
from ingest.webapp import charts
from ingest.webapp.access import Member
from ingest.webapp.persons import NO_STORE
from ingest.webapp.render import render

CHART_ROWS = 12
CENT = Decimal("0.01")
NONE_KEY = "(no touch in the window)"


def _query(request: Request) -> tuple[rules.Query, str | None]:
    """The page's query, and a note when the model asked for was not offered."""
    params = request.query_params
    note = None
    conversion = params.get("conversion") or rules.DEFAULTS["conversion"]
    model = params.get("model") or rules.DEFAULTS["model"]
    if conversion in CONVERSIONS and model not in offered(conversion):
        note = (
            f"The {MODEL_NAMES.get(model, 'chosen')} model is not offered for"
            f" {CONVERSION_NAMES[conversion].lower()}: showing Linear."
        )
        items = [(k, v) for k, v in params.multi_items() if k != "model"]
        params = ImmutableMultiDict([*items, ("model", "linear")])
    try:
        return rules.read_query(params, today=request.state.clock().date()), note
    except rules.BadReport as error:
        raise BadRequest(f"{error}.") from None


def _href(member: Member, path: str, params: dict[str, str], campaign: Any) -> str:
    pairs = list(params.items()) + [("campaign", c) for c in campaign or ()]
    return member.url(path) + ("?" + urlencode(pairs) if pairs else "")


async def page(request: Request, member: Member) -> Response:
    query, note = _query(request)
    read = functools.partial(rules.run, query=query)
    try:
        found = await request.state.db.read(read, member.tenant_id)
    except store.ReportTooLarge as error:
        raise BadRequest(f"{error}.") from None
    total = sum(r.parts for r in found.rows) or 1
    revenue = query.conversion == "revenue"
    rows, items = [], []
    traced = query.lookback_days == DEFAULT_LOOKBACK_DAYS
    for row in found.rows:
        trace = rules.params_of(query)
        trace = {**trace, **({"key": row.key} if row.key is not None else {"untouched": "1"})}
        href = _href(member, "attribution/conversions", trace, query.campaign) if traced else None
        rows.append(
            {
                "key": row.key,
                # Two decimals on the page; the API and its CSV give the exact sum.
                "credit": charts.number(Decimal(row.parts).scaleb(-9).quantize(CENT)),
                "revenue": amount_text(row.cents or 0) if revenue else None,
                "share": charts.percent(row.parts, total),
                "href": href,
            }
        )
        if len(items) < CHART_ROWS:
            value = row.cents / 100 if revenue and row.cents is not None else row.parts / 1e9
            shown = amount_text(row.cents or 0) if revenue else charts.number(row.parts / 1e9)
            items.append(charts.Item(row.key or NONE_KEY, value, shown, href))
    what = CONVERSION_NAMES[query.conversion]
    title = f"{what} by {GROUPING_NAMES[query.by].lower()}: {MODEL_NAMES[query.model]}"
    return render(
        request,
        "app/attribution.html",
        {
            "query": query,
            "report": found,
            "rows": rows,
            "chart": charts.bars(items, title=title) if items else None,
            "title": title,
            "in_words": rules.in_words(query),
            "note": note,
            "traced": traced,
            "currency": found.currency,
            "conversions": CONVERSIONS,
            "conversion_names": CONVERSION_NAMES,
            "models": offered(query.conversion),
            "model_names": MODEL_NAMES,
            "groupings": GROUPINGS,
            "grouping_names": GROUPING_NAMES,
            "presets": [(k, periods.NAMES[k]) for k in periods.PRESETS],
            "period_key": query.period.key,
            "campaigns": query.campaign or (),
        },
        viewer=member,
        headers=NO_STORE,
    )


async def conversions(request: Request, member: Member) -> Response:
    """The conversions behind one row of the report (kept credits, the default window)."""
    query, _ = _query(request)
    params = request.query_params
    untouched = params.get("untouched") == "1"
    key = None if untouched else params.get("key")
    if key is None and not untouched:
        # No row named: the report itself, with the same choices.
        back = _href(member, "attribution", dict(rules.params_of(query)), query.campaign)
        return RedirectResponse(back, status_code=303)
    if key is not None and len(key) > 1000:
        raise BadRequest("The key is too long.")
    read = functools.partial(
        store.conversions_behind,
        conversion=query.conversion,
        model=query.model,
        by=query.by,
        key=key,
        first_day=query.first_day,
        last_day=query.last_day,
        campaign=query.campaign,
    )
    found = await request.state.db.read(read, member.tenant_id)
    items = []
    for f in found:
        items.append(
            {
                **f,
                "credit": charts.number(Decimal(f["parts"]).scaleb(-9).quantize(CENT)),
                "revenue": amount_text(f["cents"]) if f.get("cents") is not None else None,
                "day": (f.get("converted_at") or "")[:10],
            }
        )
    back = _href(member, "attribution", dict(rules.params_of(query)), query.campaign)
    return render(
        request,
        "app/attribution_conversions.html",
        {
            "query": query,
            "key": key,
            "none_key": NONE_KEY,
            "items": items,
            "limit": store.TRACE_LIMIT,
            "back": back,
            "in_words": rules.in_words(query),
            "conversion_name": CONVERSION_NAMES[query.conversion],
            "grouping_name": GROUPING_NAMES[query.by],
            "model_name": MODEL_NAMES[query.model],
            "currency": "",
        },
        viewer=member,
        headers=NO_STORE,
    )
