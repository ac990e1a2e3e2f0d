"""The date ranges reports are read over: a preset ("year to date", "last month", ...) or a
custom pair of days, each a whole number of UTC days (the clock's zone), first and last
included.

A report filters the conversion's time (a person's creation, a deal's creation or close)
with ``since() <= at < until()``: the stored times are the clock's text, which sorts as time,
so the comparison is plain text on both engines. ``from_params`` reads the address's
``from``/``to`` (a custom range) or ``period`` (a preset), the same names for the app's pages
and the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from ingest.clock import iso_time

PRESETS = (
    "year_to_date",
    "this_month",
    "last_month",
    "this_quarter",
    "last_quarter",
    "last_30_days",
    "last_90_days",
    "custom",
)
NAMES = {
    "year_to_date": "Year to date",
    "this_month": "This month",
    "last_month": "Last month",
    "this_quarter": "This quarter",
    "last_quarter": "Last quarter",
    "last_30_days": "Last 30 days",
    "last_90_days": "Last 90 days",
    "custom": "Custom",
}
DEFAULT = "year_to_date"
MAX_DAYS = 5 * 366 + 1  # a custom range longer than five years is refused


class PeriodError(ValueError):
    """A period the address asks for that cannot be: the message says why, for a 400."""


@dataclass(frozen=True)
class Period:
    key: str  # one of PRESETS
    first: date  # included
    last: date  # included

    @property
    def label(self) -> str:
        return f"{NAMES[self.key]} ({span(self.first, self.last)})"

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def since(self) -> str:
        """The clock's text of the first day's start, for ``at >= ?``."""
        return _start(self.first)

    def until(self) -> str:
        """The clock's text of the day after the last one, for ``at < ?``."""
        return _start(self.last + timedelta(days=1))

    def query(self) -> dict[str, str]:
        """The address parameters that give this period back (``from_params``)."""
        if self.key == "custom":
            return {"from": self.first.isoformat(), "to": self.last.isoformat()}
        return {"period": self.key}


def span(first: date, last: date) -> str:
    """``1 Jan - 2 Dec 2026``, ``1-31 Oct 2026``, ``3 Nov 2025 - 2 Feb 2026``."""
    if first == last:
        return _day(last)
    if first.year != last.year:
        return f"{_day(first)} - {_day(last)}"
    if first.month != last.month:
        return f"{first.day} {first:%b} - {_day(last)}"
    return f"{first.day}-{_day(last)}"


def period(
    key: str | None = None,
    *,
    today: date,
    first: str | date | None = None,
    last: str | date | None = None,
) -> Period:
    """The period a preset ``key`` names on ``today``, or a custom one from ``first`` to
    ``last`` (both days, ISO ``YYYY-MM-DD``; one of them alone means up to today or from
    that day on)."""
    if first is not None or last is not None or key == "custom":
        start = _parse(first, "from") if first is not None else None
        end = _parse(last, "to") if last is not None else today
        if start is None:
            start = date(end.year, 1, 1)
        if end < start:
            raise PeriodError(f"'to' ({end}) is before 'from' ({start})")
        if (end - start).days + 1 > MAX_DAYS:
            raise PeriodError("a period may cover at most five years")
        return Period("custom", start, end)
    key = key or DEFAULT
    if key not in PRESETS:
        raise PeriodError(f"unknown period {key!r}; one of {', '.join(PRESETS)}")
    month_start = today.replace(day=1)
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    match key:
        case "year_to_date":
            return Period(key, date(today.year, 1, 1), today)
        case "this_month":
            return Period(key, month_start, today)
        case "last_month":
            end = month_start - timedelta(days=1)
            return Period(key, end.replace(day=1), end)
        case "this_quarter":
            return Period(key, quarter_start, today)
        case "last_quarter":
            end = quarter_start - timedelta(days=1)
            return Period(key, date(end.year, end.month - 2, 1), end)
        case "last_30_days":
            return Period(key, today - timedelta(days=29), today)
        case _:  # last_90_days
            return Period(key, today - timedelta(days=89), today)


def from_params(params: Mapping[str, str], *, today: date) -> Period:
    """The period of an address: ``from``/``to`` make a custom one, else ``period`` names a
    preset; nothing means the default (year to date). Blank values count as absent, as an
    empty form field sends them."""
    first = (params.get("from") or "").strip() or None
    last = (params.get("to") or "").strip() or None
    key = (params.get("period") or "").strip() or None
    if key == "custom" and first is None and last is None:
        key = None  # "custom" picked without days: the default, not an error
    return period(key, today=today, first=first, last=last)


def today_utc() -> date:
    return datetime.now(UTC).date()


def _parse(value: str | date, name: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PeriodError(f"'{name}' must be a day as YYYY-MM-DD, not {value!r}") from None


def _start(day: date) -> str:
    return iso_time(datetime(day.year, day.month, day.day, tzinfo=UTC))


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"
