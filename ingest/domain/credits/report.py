"""An attribution report as the API and the pages read it: the query's parameters checked
(400s with a clear message), the numbers as exact decimal text, the CSV (formula-safe).

- ``credit``: the sum of the credits, exact (parts of 10^9 per conversion), as decimal text
  (``"12.5"``, ``"3"``).
- ``revenue``: for revenue only, the sum of the credited cents as decimal text like the
  deals API's amounts (``"1234.50"``), in the tenant's currency.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ingest.domain import periods
from ingest.domain.attribution import (
    CONVERSIONS,
    DEFAULT_LOOKBACK_DAYS,
    GROUPINGS,
    NotOffered,
    check,
)
from ingest.domain.money import amount_text
from ingest.domain.persons_csv import BOM, lines, neutralise
from ingest.storage.attribution import MAX_CAMPAIGNS, MAX_LOOKBACK, Report, attribution_report

DEFAULTS = {"conversion": "contact_create", "model": "linear", "by": "source"}
CAMPAIGN_MAX = 500  # characters of one campaign value


class BadReport(ValueError):
    """What a report's address asks for cannot be: the message says why (a 400)."""


@dataclass(frozen=True)
class Query:
    conversion: str
    model: str
    by: str
    period: periods.Period
    lookback_days: int
    campaign: tuple[str, ...] | None

    @property
    def first_day(self) -> date:
        return self.period.first

    @property
    def last_day(self) -> date:
        return self.period.last


def run(conn: Any, tenant_id: str, query: Query) -> Report:
    """The report a query asks for: the API's and the Attribution page's one read
    (``storage/attribution.attribution_report``; ``ReportTooLarge`` for a replay over more
    conversions than it may take)."""
    return attribution_report(
        conn,
        tenant_id,
        conversion=query.conversion,
        model=query.model,
        by=query.by,
        first_day=query.first_day,
        last_day=query.last_day,
        lookback_days=query.lookback_days,
        campaign=query.campaign,
    )


def read_query(params: Any, *, today: date) -> Query:
    """The report's parameters (``conversion``, ``model``, ``by``, ``from``/``to`` or
    ``period``, ``lookback_days``, ``campaign`` repeated), each checked."""
    get = params.get
    conversion = (get("conversion") or DEFAULTS["conversion"]).strip()
    model = (get("model") or DEFAULTS["model"]).strip()
    by = (get("by") or DEFAULTS["by"]).strip()
    if conversion not in CONVERSIONS:
        raise BadReport(f"unknown conversion {conversion[:64]!r}; one of {', '.join(CONVERSIONS)}")
    try:
        check(conversion, model)
    except NotOffered as error:
        raise BadReport(str(error)) from None
    if by not in GROUPINGS:
        raise BadReport(f"unknown grouping (by) {by[:64]!r}; one of {', '.join(GROUPINGS)}")
    lookback = _days(get("lookback_days") or "")
    try:
        period = periods.from_params(params, today=today)
    except periods.PeriodError as error:
        raise BadReport(str(error)) from None
    campaign = None
    if hasattr(params, "getlist"):
        values = [v for v in params.getlist("campaign") if v.strip()]
        if len(values) > MAX_CAMPAIGNS:
            raise BadReport(f"at most {MAX_CAMPAIGNS} campaign values")
        if any(len(v) > CAMPAIGN_MAX for v in values):
            raise BadReport(f"a campaign value has at most {CAMPAIGN_MAX} characters")
        campaign = tuple(values) or None
    return Query(conversion, model, by, period, lookback, campaign)


def _days(text: str) -> int:
    """A whole number of days, 0-MAX_LOOKBACK (``30``, or ``30.0`` as JSON may spell it)."""
    text = text.strip()
    if not text:
        return DEFAULT_LOOKBACK_DAYS
    try:
        value = Decimal(text) if text.isascii() and len(text) <= 20 else None
    except ArithmeticError:
        value = None
    if value is None or not value.is_finite() or value != value.to_integral_value():
        raise BadReport(f"lookback_days must be a whole number of days, 0-{MAX_LOOKBACK}")
    if not 0 <= value <= MAX_LOOKBACK:
        raise BadReport(f"lookback_days must be a whole number of days, 0-{MAX_LOOKBACK}")
    return int(value)


def credit_text(parts: int) -> str:
    """Parts of UNIT as exact decimal text: ``"12.5"``, ``"3"``."""
    value = Decimal(parts).scaleb(-9)
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def share(parts: int, total: int) -> Decimal:
    return Decimal(0) if not total else (Decimal(parts) * 100 / Decimal(total))


def as_json(report: Report) -> dict[str, Any]:
    rows = []
    for row in report.rows:
        item: dict[str, Any] = {"key": row.key, "credit": credit_text(row.parts)}
        if report.conversion == "revenue":
            item["revenue"] = amount_text(row.cents or 0)
        rows.append(item)
    return {
        "conversion": report.conversion,
        "model": report.model,
        "by": report.by,
        "from": report.first_day.isoformat(),
        "to": report.last_day.isoformat(),
        "lookback_days": report.lookback_days,
        "rows": rows,
        "conversions": report.conversions,
    }


def as_csv(report: Report) -> str:
    """The same rows as CSV (UTF-8 with BOM, formula prefixes neutralised)."""
    header = ["key", "credit"] + (["revenue"] if report.conversion == "revenue" else [])
    body = []
    for item in as_json(report)["rows"]:
        body.append([neutralise(item[name]) for name in header])
    return BOM + lines([header, *body])


def total_parts(rows: Sequence[Any]) -> int:
    return sum(r.parts for r in rows)


def in_words(query: Query | Report) -> str:
    """The model and lookback window in words, as every report states them."""
    names = {
        "first_touch": "First touch: all credit to the first touch",
        "last_touch": "Last touch: all credit to the latest touch",
        "linear": "Linear: equal credit to every touch",
        "u_shaped": "U-shaped: 40% first touch, 40% lead creation, 20% the others",
        "w_shaped": "W-shaped: 30% first touch, 30% lead creation, 30% deal creation,"
        " 10% the others",
        "full_path": "Full path: 22.5% each to first touch, lead creation, deal creation and"
        " close, 10% the others",
        "time_decay": "Time decay: more credit to touches nearer the conversion (half-life 7 days)",
        "j_shaped": "J-shaped: 20% first touch, 60% latest touch, 20% the others",
        "inverse_j": "Inverse J: 60% first touch, 20% latest touch, 20% the others",
    }
    days = query.lookback_days
    window = f"touches up to {days} day{'s' if days != 1 else ''} before each conversion"
    return f"{names[query.model]}; {window}."


def params_of(query: Query, **changes: Any) -> Mapping[str, str]:
    """The address parameters that give this query back (with ``changes``)."""
    out: dict[str, str] = {
        "conversion": query.conversion,
        "model": query.model,
        "by": query.by,
        **query.period.query(),
    }
    if query.lookback_days != DEFAULT_LOOKBACK_DAYS:
        out["lookback_days"] = str(query.lookback_days)
    out.update({k: str(v) for k, v in changes.items() if v is not None})
    return out
