"""Running a report: its numbers, each with the address of the list that has exactly its
rows. One function per measure serves a tile's page and the API alike.

The report is first said as the list's own address parameters (``list_params``): the
period as ``created_from``/``created_to`` (a sale's and won revenue's as ``closed_from``/
``closed_to``), its filters by the list's names. That parameter set is parsed by the list's
own parsing (``queries.app_person_query``, ``deals.deal_query``) into the query the counts
run on; a row adds its group's parameter (``lead_creation_source=google``, ``(none)`` for
"without one") to the same set for its link. So the count a tile shows is the number of
rows of the list it links to, by construction (and by ``tests/test_reports.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from ingest.api import queries
from ingest.api.deals import deal_query
from ingest.domain.money import amount_text, display
from ingest.domain.reports.spec import DEALS, FUNNEL, OVER_TIME, Measure, Report
from ingest.errors import BadRequest
from ingest.storage import people
from ingest.storage.lead_lists import NONE
from ingest.storage.reports import counts

# A report filter -> the persons list's parameter, and the deals list's.
_PERSON_FILTER = {
    "owner": "owner",
    "category": "category",
    "category_group": "category_group",
    "channel": "lead_creation_channel",
    "via": "via",
}
_DEAL_FILTER = {"owner": "owner", "channel": "lead_creation_channel"}
# Groupings where one person may be in several groups (several forms, several ways in).
_OVERLAPPING = frozenset({"form", "via"})
# The deals measures: (status, the time the period is of).
_DEALS = {
    "new_deals": (None, "created"),
    "sales": ("won", "closed"),
    "pipeline": ("open", "created"),
    "won_revenue": ("won", "closed"),
}


@dataclass(frozen=True)
class Cell:
    value: int  # a count, or minor units of ``currency``
    text: str  # as shown
    href: str  # the list behind it (an app path)
    currency: str = ""


@dataclass(frozen=True)
class Row:
    key: str  # '' for "none"; "a / b" for source / medium
    label: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Result:
    report: Report
    columns: tuple[str, ...]  # a header per cell
    rows: list[Row]  # the top rows, largest first (time series: in time order)
    total: Row  # over the whole selection
    more: int  # groups left out by ``top``
    currency_note: str = ""
    total_columns: tuple[str, ...] = ()  # the total's headers when not ``columns``


def list_params(report: Report, me: str | None) -> dict[str, str]:
    """The report's selection as the list's address parameters (persons' or deals')."""
    period = report.period
    if report.measure.of == DEALS:
        status, time = _DEALS[report.measure.name]
        params = {f"{time}_from": period.first.isoformat(), f"{time}_to": period.last.isoformat()}
        if status:
            params["status"] = status
        names = _DEAL_FILTER
    else:
        params = {"created_from": period.first.isoformat(), "created_to": period.last.isoformat()}
        names = _PERSON_FILTER
        if report.by == "referring_site":  # its total: the leads from referrals
            params["lead_creation_medium"] = "referral"
    for name, value in sorted(report.filters.items()):
        if name == "owner" and value == queries.ME:
            if me is None:
                raise BadRequest("owner=me needs a user; name the owner's email.")
            value = me
        params[names[name]] = value
    return params


def _key_params(by: str, key: tuple[str, ...], bounds: tuple[str, date, date]) -> dict[str, str]:
    """A group's own list parameters; ``bounds``: the period's time name and days."""
    none = [v if v else NONE for v in key]
    if by in OVER_TIME:
        time, first, last = bounds
        start = date.fromisoformat(key[0] + ("-01" if by == "month" else ""))
        end = _month_end(start) if by == "month" else start
        return {
            f"{time}_from": max(start, first).isoformat(),
            f"{time}_to": min(end, last).isoformat(),
        }
    if by.endswith("_source_medium"):
        prefix = by.removesuffix("_source_medium")
        return {f"{prefix}_source": none[0], f"{prefix}_medium": none[1]}
    if by == "referring_site":
        return {"lead_creation_medium": "referral", "lead_creation_source": none[0]}
    if by == "form":
        return {"form": key[0]}
    return {by: none[0]}


def _month_end(start: date) -> date:
    following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def _href(base: str, params: dict[str, str]) -> str:
    return f"{base}?{urlencode(sorted(params.items()))}" if params else base


def _label(by: str, group: counts.Group) -> str:
    if group.label:
        return group.label
    if not group.key:
        return "Total"
    return " / ".join(v or NONE for v in group.key)


def _order(by: str, rows: list[Row]) -> list[Row]:
    if by in OVER_TIME:
        return sorted(rows, key=lambda r: r.key)
    return sorted(rows, key=lambda r: (-r.cells[0].value, r.key))


async def run(
    db: Any, tenant_id: str, report: Report, *, me: str | None, app: str, kept: bool = True
) -> Result:
    """The report's numbers. ``app``: the tenant's app path (``/app/{tenant}``), for links;
    ``me``: the signed-in user's email (None through the API). ``kept``: read the kept
    daily counts where they answer the report (``answered_by_kept``); False counts the
    lists' rows (the tests compare the two)."""
    params = list_params(report, me)
    measure = report.measure
    days = (report.period.first.isoformat(), report.period.last.isoformat())
    from_kept = days if kept and answered_by_kept(report) else None
    try:
        if measure.of == FUNNEL:
            return await _funnel(db, tenant_id, report, params, me, app, from_kept)
        if measure.of == DEALS:
            return await _deals(db, tenant_id, report, params, app, from_kept)
        return await _persons(db, tenant_id, report, params, me, app, from_kept)
    except people.BadQuery as error:
        raise BadRequest(str(error)) from None


def answered_by_kept(report: Report) -> bool:
    """Whether the kept daily counts (``storage/reports/kept.py``) answer the report: every
    grouping but a deal's owner, without filters (one total may have the way in). Filtered
    reports count the lists' rows."""
    filters = report.filters
    if report.measure.of == DEALS:
        return not filters and report.by in counts.KEPT_DEAL_GROUPINGS
    if report.measure.of == FUNNEL:
        return not filters
    if filters and not (not report.by and set(filters) == {"via"}):
        return False
    return report.by in counts.KEPT_PERSON_GROUPINGS


def _person_query(params: dict[str, str], me: str | None) -> people.PersonQuery:
    return replace(queries.app_person_query(params, me), limit=1)


async def _persons(
    db: Any,
    tenant_id: str,
    report: Report,
    params: dict[str, str],
    me: str | None,
    app: str,
    kept: tuple[str, str] | None,
) -> Result:
    by = report.by
    query = _person_query(params, me)

    async def persons_by(by: str) -> list[counts.Group]:
        if kept is not None:
            via = report.filters.get("via")
            return await db.read(counts.kept_persons_by, tenant_id, by, *kept, via=via)
        return await db.read(counts.persons_by, tenant_id, query, by)

    groups = await persons_by(by) if by else []
    if by and by not in _OVERLAPPING:  # each person in one group: the total is their sum
        total = [counts.Group((), "", sum(g.n for g in groups))]
    else:
        total = await persons_by("")
    bounds = ("created", report.period.first, report.period.last)
    deal_counts: dict[tuple[str, ...], int] = {}
    deal_params: dict[str, str] = {}
    if report.measure.two_columns:
        # The partner table: the deals of those persons' lead creation made in the period.
        deal_params = {k: v for k, v in params.items() if k in ("created_from", "created_to")}
        if "lead_creation_channel" in params:
            deal_params["lead_creation_channel"] = params["lead_creation_channel"]
        if kept is not None:
            found = await db.read(counts.kept_deals_by, tenant_id, "created", by, *kept)
        else:
            found = await db.read(counts.deals_by, tenant_id, deal_query(deal_params), by)
        for group in found:
            deal_counts[group.key] = deal_counts.get(group.key, 0) + group.n
    rows = []
    for group in groups:
        own = {**params, **_key_params(by, group.key, bounds)}
        cells = [Cell(group.n, f"{group.n:,}", _href(f"{app}/persons", own))]
        if report.measure.two_columns:
            n = deal_counts.get(group.key, 0)
            link = {**deal_params, **_key_params(by, group.key, bounds)}
            cells.append(Cell(n, f"{n:,}", _href(f"{app}/deals", link)))
        rows.append(Row(" / ".join(group.key), _label(by, group), tuple(cells)))
    n = total[0].n
    total_cells = [Cell(n, f"{n:,}", _href(f"{app}/persons", params))]
    if report.measure.two_columns:
        d = sum(deal_counts.values())
        total_cells.append(Cell(d, f"{d:,}", _href(f"{app}/deals", deal_params)))
    columns = ("Leads", "Deals") if report.measure.two_columns else ("Leads",)
    return _result(report, columns, rows, Row("", "Total", tuple(total_cells)))


def _result(report: Report, columns: tuple[str, ...], rows: list[Row], total: Row) -> Result:
    ordered = _order(report.by, rows)
    top = len(ordered) if report.by in OVER_TIME else report.top
    return Result(report, columns, ordered[:top], total, max(0, len(ordered) - top))


async def _funnel(
    db: Any,
    tenant_id: str,
    report: Report,
    params: dict[str, str],
    me: str | None,
    app: str,
    kept: tuple[str, str] | None,
) -> Result:
    query = _person_query(params, me)
    if kept is not None:
        steps = await db.read(counts.kept_funnel, tenant_id, *kept)
        total = await db.read(counts.kept_persons_by, tenant_id, "", *kept)
    else:
        steps = await db.read(counts.funnel, tenant_id, query)
        total = await db.read(counts.persons_by, tenant_id, query, "")
    persons = f"{app}/persons"
    rows = [
        Row(
            status_id,
            name,
            (
                Cell(
                    reached, f"{reached:,}", _href(persons, {**params, "reached_status": status_id})
                ),
                Cell(now, f"{now:,}", _href(persons, {**params, "lead_status": status_id})),
            ),
        )
        for status_id, name, reached, now in steps
    ]
    n = total[0].n
    total_row = Row("", "New leads", (Cell(n, f"{n:,}", _href(f"{app}/persons", params)),))
    return Result(report, ("Ever reached", "In it now"), rows, total_row, 0, "", ("Leads",))


async def _deals(
    db: Any,
    tenant_id: str,
    report: Report,
    params: dict[str, str],
    app: str,
    kept: tuple[str, str] | None,
) -> Result:
    by = report.by
    measure: Measure = report.measure
    status, time = _DEALS[measure.name]
    if kept is not None:
        kind = status or "created"  # 'open' and 'won' are kept as kinds of their own
        groups = await db.read(counts.kept_deals_by, tenant_id, kind, by, *kept)
    else:
        query = deal_query(params)
        groups = await db.read(counts.deals_by, tenant_id, query, by, time_column=f"{time}_at")
    bounds = (time, report.period.first, report.period.last)
    merged: dict[tuple[tuple[str, ...], str], counts.Group] = {}
    for g in groups:  # counts add up over currencies; sums stay per currency
        currency = g.currency if measure.money else ""
        before = merged.get((g.key, currency))
        merged[(g.key, currency)] = (
            g if before is None
            else counts.Group(g.key, g.label, before.n + g.n, currency, before.amount + g.amount)
        )  # fmt: skip
    rows = []
    totals: dict[str, tuple[int, int]] = {}
    for (key, currency), g in merged.items():
        if by:
            link = _href(f"{app}/deals", {**params, **_key_params(by, key, bounds)})
            rows.append(
                Row(
                    " / ".join(key),
                    _label(by, g),
                    (_deal_cell(measure, g.n, g.amount, currency, link),),
                )
            )
        n, amount = totals.get(currency, (0, 0))
        totals[currency] = (n + g.n, amount + g.amount)
    link = _href(f"{app}/deals", params)
    total_cells = tuple(
        _deal_cell(measure, n, amount, currency, link)
        for currency, (n, amount) in sorted(totals.items())
    ) or (_deal_cell(measure, 0, 0, "", link),)
    columns = ("Amount",) if measure.money else ("Deals",)
    note = "Amounts are per currency; each is a row of its own." if len(totals) > 1 else ""
    result = _result(report, columns, rows, Row("", "Total", total_cells[:1]))
    return replace(result, currency_note=note, total=Row("", "Total", total_cells[:1]))


def _deal_cell(measure: Measure, n: int, amount: int, currency: str, href: str) -> Cell:
    if measure.money:
        return Cell(amount, display(amount, currency), href, currency)
    return Cell(n, f"{n:,}", href)


def json_of(result: Result) -> dict[str, Any]:
    """The API's answer."""
    report = result.report

    def cells(row: Row, columns: tuple[str, ...] = result.columns) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for column, cell in zip(columns, row.cells, strict=True):
            name = column.lower().replace(" ", "_")
            if cell.currency:
                found[name] = amount_text(cell.value)
                found["currency"] = cell.currency
            else:
                found[name] = cell.value
            found[f"{name}_list"] = cell.href
        return found

    return {
        "measure": report.measure.name,
        "label": report.measure.label,
        "by": report.by or None,
        "period": {
            "key": report.period.key,
            "from": report.period.first.isoformat(),
            "to": report.period.last.isoformat(),
            "label": report.period.label,
        },
        "filters": report.filters,
        "columns": [c.lower().replace(" ", "_") for c in result.columns],
        "rows": [{"key": r.key, "label": r.label, **cells(r)} for r in result.rows],
        "more": result.more,
        "total": cells(result.total, result.total_columns or result.columns),
    }
