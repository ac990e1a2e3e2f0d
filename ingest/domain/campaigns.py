"""The campaign pages' rules that are not SQL: the steps of "over time" (day, week, month)
cut from a period, a day-by-day count rolled up into them, and the choices a page's address
may make (which touch makes a contact new, which step, which sort)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from ingest.domain.attribution import MODELS
from ingest.domain.periods import Period, from_params
from ingest.storage.campaigns import FIRST_TOUCH, LEAD_CREATION, TOUCHES

TOUCH_LABELS = {FIRST_TOUCH: "First touch", LEAD_CREATION: "Last touch (lead creation)"}
STEPS = ("day", "week", "month")
SORTS = ("name", "sessions", "new_contacts", "influenced", "deals", "won_deals", "revenue")
COMPARE_MIN, COMPARE_MAX = 2, 4
DEFAULT_MODEL = "linear"


class ChoiceError(ValueError):
    """A choice the address makes that the page does not offer: the message says which."""


@dataclass(frozen=True)
class Step:
    label: str  # "2026-11-02", "Week of 2026-11-02", "2026-11"
    first: date
    last: date  # included, within the period


@dataclass(frozen=True)
class Choices:
    """What an address chose: the period, the touch that makes a contact new, the step."""

    period: Period
    touch: str
    every: str
    model: str = DEFAULT_MODEL  # the attribution model of deals and revenue credited

    def query(self, **extra: str) -> dict[str, str]:
        return {
            **self.period.query(),
            "touch": self.touch,
            "every": self.every,
            "model": self.model,
            **extra,
        }


def choose(params: Mapping[str, str], *, today: date) -> Choices:
    """The period (``periods.from_params``), ``touch`` and ``every`` of an address; raises
    ``PeriodError`` or ``ChoiceError``."""
    period = from_params(params, today=today)
    touch = choice(params, "touch", TOUCHES, FIRST_TOUCH)
    every = choice(params, "every", STEPS, default_step(period.days))
    model = choice(params, "model", MODELS, DEFAULT_MODEL)
    return Choices(period, touch, every, model)


def choice(params: Mapping[str, str], name: str, offered: tuple[str, ...], default: str) -> str:
    value = (params.get(name) or "").strip() or default
    if value not in offered:
        raise ChoiceError(f"{name} must be one of {', '.join(offered)}.")
    return value


def default_step(days: int) -> str:
    """Daily for a month or less, weekly up to half a year, else monthly."""
    return "day" if days <= 31 else "week" if days <= 183 else "month"


def steps(first: date, last: date, every: str) -> list[Step]:
    """The period cut into days, ISO weeks (from Monday) or calendar months; the first and
    last step end at the period's own bounds."""
    found = []
    start = first
    while start <= last:
        if every == "day":
            end = start
            label = start.isoformat()
        elif every == "week":
            end = start + timedelta(days=6 - start.weekday())
            label = f"Week of {(start - timedelta(days=start.weekday())).isoformat()}"
        else:
            following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
            end = following - timedelta(days=1)
            label = f"{start:%Y-%m}"
        end = min(end, last)
        found.append(Step(label, start, end))
        start = end + timedelta(days=1)
    return found


def rolled_up(days: Mapping[str, Mapping[str, int]], cut: list[Step], key: str) -> list[int]:
    """Per step, the sum of ``key`` over its days (``days``: ``YYYY-MM-DD`` -> counts)."""
    totals = [0] * len(cut)
    index = 0
    for day in sorted(days):
        when = date.fromisoformat(day)
        while index < len(cut) and cut[index].last < when:
            index += 1
        if index == len(cut):
            break
        if cut[index].first <= when:
            totals[index] += days[day].get(key, 0)
    return totals
