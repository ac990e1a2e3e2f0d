"""A dashboard tile as the page shows it: its report run (``domain/reports/run.py``, the
API's numbers), drawn as a number, a chart (``charts.py``) with its table beside it, or a
saved selection's first rows; and the tile form's choices.

A tile that cannot be shown (a filter naming a category since deleted, a selection since
removed) shows why instead of its numbers; the page and the other tiles still work.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from ingest.domain import periods
from ingest.domain.channels import CHANNELS
from ingest.domain.money import display
from ingest.domain.reports import run, spec, tiles
from ingest.domain.reports.run import Cell, Result
from ingest.errors import BadRequest
from ingest.storage import accounts, lead_setup, people, selections
from ingest.storage.reports.dashboards import Tile, TileSettings
from ingest.webapp import charts
from ingest.webapp.access import Member


@dataclass(frozen=True)
class SelectionView:
    name: str
    href: str
    count: int
    cap: int
    items: list[dict[str, Any]]


@dataclass(frozen=True)
class TileView:
    tile: Tile
    result: Result | None = None
    chart: Markup | None = None
    selection: SelectionView | None = None
    error: str | None = None
    api_url: str | None = None
    period_label: str = ""

    @property
    def settings(self) -> TileSettings:
        return self.tile.settings


def _item(label: str, cell: Cell) -> charts.Item:
    value: int | Decimal = Decimal(cell.value) / 100 if cell.currency else cell.value
    return charts.Item(label, value, cell.text, cell.href)


def chart_of(kind: str, result: Result, title: str) -> Markup | None:
    """The tile's chart (the table beside it is the template's)."""
    items = [_item(row.label, row.cells[0]) for row in result.rows]
    if kind == "donut":
        # The groups past the top ones as one slice, so the shares are of the whole (not
        # for forms and ways in, where one person may count in several groups).
        total = result.total.cells[0]
        rest = total.value - sum(row.cells[0].value for row in result.rows)
        if result.more and rest > 0 and result.report.by not in ("form", "via"):
            text = display(rest, total.currency) if total.currency else f"{rest:,}"
            other = Cell(rest, text, "", total.currency)
            items.append(replace(_item(f"Others ({result.more})", other), href=None))
        return charts.donut(items, title=title)
    if kind == "bar":
        return charts.bars(items, title=title)
    if kind == "funnel":
        way = [
            i
            for i, row in zip(items, result.rows, strict=True)
            if row.key not in spec.FUNNEL_BRANCHES
        ]
        return charts.funnel(way, title=title)
    if kind == "lines":
        values = [i.value for i in items]
        series = [charts.Series(result.report.measure.label, values)]
        return charts.lines([row.label for row in result.rows], series, title=title)
    return None


async def view(request: Any, member: Member, tile: Tile) -> TileView:
    """One tile, run now."""
    db = request.state.db
    settings = tile.settings
    today = request.state.clock().date()
    try:
        found = tiles.check(settings, today=today)
        if found is None:
            return TileView(tile, selection=await _selection(db, member, settings.selection_id))
        result = await run.run(
            db, member.tenant_id, found, me=member.user.email, app=member.url().rstrip("/")
        )
    except (BadRequest, people.BadQuery) as error:
        return TileView(tile, error=str(error))
    return TileView(
        tile,
        result=result,
        chart=chart_of(settings.kind, result, settings.title),
        api_url=tiles.api_url(settings, found),
        period_label=found.period.label,
    )


async def _selection(db: Any, member: Member, selection_id: str) -> SelectionView:
    from ingest.webapp.selections import list_href, query_of

    selection = await db.read(selections.get, member.tenant_id, selection_id)
    if selection is None:
        raise BadRequest("Its selection was deleted: choose another one.")
    query = query_of(selection, member.user.email)
    if selection.kind != "persons":
        raise BadRequest("A selection list tile shows a selection of persons.")
    page = await db.read(
        people.search_persons, member.tenant_id, replace(query, limit=tiles.SELECTION_ROWS)
    )
    count = await db.read(selections.count, member.tenant_id, selection, query)
    items = [
        {**item, "href": member.url("persons/" + quote(item["id"], safe=""))} for item in page.items
    ]
    return SelectionView(
        selection.name, list_href(member, selection), count, selections.COUNT_CAP, items
    )


async def form_choices(request: Any, member: Member) -> dict[str, Any]:
    """What the tile form offers: kinds, measures, groupings, periods, filter values and
    the saved selections of persons."""
    db = request.state.db
    found = await db.read(lead_setup.setup, member.tenant_id)
    members = await db.read(accounts.members, member.tenant_id)
    saved = await db.read(selections.selections, member.tenant_id)
    none = ("(none)", "Nobody / none")
    return {
        "kinds": list(tiles.KINDS.items()),
        "measures": [(m.name, m.label) for m in spec.MEASURES.values()],
        "groupings": [("", "No grouping (one total)"), *spec.GROUPINGS.items()],
        "periods": [(key, periods.NAMES[key]) for key in periods.PRESETS],
        "filters": [
            ("owner", "Owner", [("me", "Me"), none, *((u.email, u.email) for u, _ in members)]),
            ("category", "Category", [none, *((c.category_id, c.name) for c in found.categories)]),
            (
                "category_group",
                "Category group",
                [none, *((g.group_id, g.name) for g in found.groups)],
            ),
            ("channel", "Lead-creation channel", [(c, c) for c in CHANNELS]),
            ("via", "Came by", [(v, v) for v in spec.VIAS]),
        ],  # fmt: skip
        "selections": [(s.selection_id, s.name) for s in saved if s.kind == "persons"],
        "top_max": spec.TOP_MAX,
    }
