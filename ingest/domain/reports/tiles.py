"""Tiles: what a tile may be (its kind must suit its measure and grouping), the report it
shows, its report's API address, and the three dashboards every tenant starts with (seed
004: Marketing, Lead nurturing, Sales)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import urlencode

from ingest.domain import periods
from ingest.domain.reports.spec import (
    DEFAULT_TOP,
    FILTERS,
    FUNNEL,
    MEASURES,
    OVER_TIME,
    Report,
    report,
)
from ingest.errors import BadRequest, Unavailable
from ingest.storage import WriterClosed
from ingest.storage.reports import dashboards as store
from ingest.storage.reports.dashboards import Dashboard, TileSettings

KINDS = {
    "number": "Number",
    "donut": "Donut",
    "bar": "Bars",
    "funnel": "Funnel",
    "lines": "Lines over time",
    "table": "Table",
    "selection": "Selection list",
}
SELECTION_ROWS = 10  # rows a selection list tile shows


def check(tile: TileSettings, *, today: date) -> Report | None:
    """The tile's report (None for a selection list), or a BadRequest saying what to fix."""
    if tile.kind not in KINDS:
        raise BadRequest(f"kind must be one of {', '.join(KINDS)}.")
    if tile.kind == "selection":
        if not tile.selection_id:
            raise BadRequest("A selection list tile shows a saved selection: choose one.")
        return None
    if not tile.measure:
        raise BadRequest("Choose what the tile counts (a measure).")
    try:
        period = periods.period(
            tile.period or None,
            today=today,
            first=tile.period_from or None,
            last=tile.period_to or None,
        )
    except periods.PeriodError as error:
        raise BadRequest(str(error)) from None
    found = report(
        tile.measure, by=tile.grouping, period=period, filters=tile.filters, top=tile.top
    )
    measure = found.measure
    if (tile.kind == "funnel") != (measure.of == FUNNEL):
        raise BadRequest("A funnel tile shows the qualification funnel, and that only as a funnel.")
    if tile.kind == "number" and found.by:
        raise BadRequest("A number tile shows one total: leave the grouping empty.")
    if tile.kind in ("donut", "bar", "table") and not found.by:
        raise BadRequest(f"A {KINDS[tile.kind].lower()} tile needs a grouping.")
    if tile.kind == "lines" and found.by not in OVER_TIME:
        raise BadRequest("A lines-over-time tile is grouped by day or month.")
    if tile.kind in ("donut", "bar") and found.by in OVER_TIME:
        raise BadRequest("Days and months are shown as lines over time or a table.")
    if measure.two_columns and tile.kind != "table":
        raise BadRequest(f"{measure.label} has two numbers per row: show it as a table.")
    return found


def settings_of(form: Mapping[str, str]) -> TileSettings:
    """A tile's settings from the tile form (every value bounded by ``check`` and storage)."""
    try:
        top = int(form.get("top") or DEFAULT_TOP)
    except ValueError:
        raise BadRequest("Top rows must be a whole number.") from None
    return TileSettings(
        title=form.get("title", ""),
        kind=form.get("kind", ""),
        measure=form.get("measure", ""),
        grouping=form.get("grouping", ""),
        period=form.get("period") or "year_to_date",
        period_from=form.get("period_from", "") if form.get("period") == "custom" else "",
        period_to=form.get("period_to", "") if form.get("period") == "custom" else "",
        filters={name: form[name] for name in FILTERS if form.get(name)},
        top=top,
        selection_id=form.get("selection_id", "") if form.get("kind") == "selection" else "",
    )


def api_url(tile: TileSettings, found: Report | None) -> str | None:
    """The address of the tile's data in the JSON API."""
    if found is None:
        return f"/api/v1/selections/{tile.selection_id}/items"
    return f"/api/v1/reports/{found.measure.name}?{urlencode(found.query())}"


def _tile(title: str, kind: str, measure: str, by: str = "", **extra: object) -> TileSettings:
    return TileSettings(title=title, kind=kind, measure=measure, grouping=by, **extra)  # type: ignore[arg-type]


OPEN_LEADS = ("Open leads", {"lead_status": "sts_open", "sort": "-created_at"})
DEFAULTS: list[tuple[str, list[TileSettings]]] = [
    (
        "Marketing",
        [
            _tile("New leads year to date", "number", "new_leads"),
            _tile("New leads by campaign", "donut", "new_leads", "lead_creation_campaign"),
            _tile(
                "New leads by lead-creation source", "donut", "new_leads", "lead_creation_source"
            ),
            _tile("New leads by first-touch source", "donut", "new_leads", "first_touch_source"),
            _tile("New leads from chat", "number", "new_leads", filters={"via": "chat"}),
            _tile("New leads from forms", "number", "new_leads", filters={"via": "form"}),
            _tile("Top referring sites", "bar", "new_leads", "referring_site"),
            _tile("Top 10 forms", "bar", "new_leads", "form"),
            _tile(
                "Partners: leads and deals by source / medium",
                "table",
                "leads_and_deals",
                "lead_creation_source_medium",
                top=20,
            ),
            _tile("New leads by month", "lines", "new_leads", "month"),
        ],
    ),
    (
        "Lead nurturing",
        [
            _tile("Lead qualification funnel", "funnel", "qualification"),
            _tile("Leads by status", "donut", "new_leads", "lead_status"),
            _tile("Leads by category", "bar", "new_leads", "category"),
            TileSettings(title="Open leads", kind="selection"),
        ],
    ),
    (
        "Sales",
        [
            _tile("Sales by lead-creation source", "bar", "sales", "lead_creation_source"),
            _tile("Pipeline by lead-creation source", "bar", "pipeline", "lead_creation_source"),
            _tile("Won revenue by channel", "donut", "won_revenue", "lead_creation_channel"),
            _tile("Won revenue", "number", "won_revenue"),
        ],
    ),
]

MEASURE_CHOICES = tuple((m.name, m.label) for m in MEASURES.values())


async def dashboards(db: Any, tenant_id: str, at: str) -> list[Dashboard]:
    """The tenant's dashboards, the three defaults made first if they never were (a tenant
    made before dashboards existed gets them on its first look; deleted ones stay gone)."""
    if not await db.read(store.defaults_made, tenant_id):
        try:
            await db.write(
                functools.partial(
                    store.make_defaults,
                    tenant_id=tenant_id,
                    defaults=DEFAULTS,
                    selection=OPEN_LEADS,
                    at=at,
                )
            )
        except WriterClosed:
            raise Unavailable("The service is shutting down; please try again.") from None
    return await db.read(store.dashboards, tenant_id)
