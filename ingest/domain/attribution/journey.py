"""A person's journey: their distinct touches, oldest first, up to a conversion and within the
lookback window, and the positions in it (F, C, D, W, L).

**The same touch.** Two reports are the same touch when they have equal ``source``,
``medium``, ``campaign``, ``term``, ``content``, ``landing_page`` and ``referrer`` and the
same ``at`` (compared as instants: any ISO 8601 spelling of one millisecond is one time). An
empty string counts as no value. Click ids and ``utm_id`` are not part of the identity (a
script's history and a form's own fields may carry them or not); the touch kept has every
click id and the ``utm_id`` any report of it had, and where two reports disagree on one, the
smaller text, so the result does not depend on the order of the reports.

**Order.** Oldest first by ``at``; touches of the same millisecond are ordered by source,
medium, campaign, term, content, landing page and referrer (text by code point, no value
first). That order is arbitrary but fixed: the journey is a function of the set of touches,
never of the order they were read in, so a recomputation gives the credits that were kept.

**Window.** A touch is in the journey when ``converted_at - lookback_days <= at <=
converted_at`` (both ends included).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from ingest.clock import iso_time
from ingest.domain.touch import CLICK_IDS, DIRECT, Touch, referrer_source

DEFAULT_LOOKBACK_DAYS = 90
_TEXT_FIELDS = ("campaign", "term", "content", "utm_id", "landing_page", "referrer")

TouchLike = Touch | Mapping[str, object]
Moment = str | datetime


def moment(value: Moment) -> datetime:
    """An aware UTC datetime from a datetime or ISO 8601 text (UTC when it names no zone)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"not an ISO 8601 time: {value!r}") from None
    if not isinstance(value, datetime):
        raise TypeError(f"a time must be ISO 8601 text or a datetime, not {type(value).__name__}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def clock_time(value: Moment) -> str:
    """The time in the database's one format (``ingest/clock.py``), which sorts as time."""
    return iso_time(moment(value))


def as_touch(value: TouchLike) -> Touch:
    """A ``Touch`` with its identity normalised: ``at`` in the clock's format, empty texts as
    None, click ids a dict (a stored row's JSON text is read). A touch without a source takes
    one as ``touch.build_touch`` gives it: from its click ids, its referrer, else direct."""
    if isinstance(value, Touch):
        fields: dict[str, object] = {
            name: getattr(value, name)
            for name in ("source", "medium", *_TEXT_FIELDS, "click_ids", "at")
        }
    elif isinstance(value, Mapping):
        fields = dict(value)
    else:
        raise TypeError(f"a touch must be a Touch or a mapping, not {type(value).__name__}")
    text = {name: _text(fields.get(name)) for name in _TEXT_FIELDS}
    clicks = _click_ids(fields.get("click_ids"))
    source, medium = _text(fields.get("source")), _text(fields.get("medium"))
    if source is None:
        found = next((CLICK_IDS[key] for key in CLICK_IDS if key in clicks), None)
        source, medium = found or referrer_source(text["referrer"]) or DIRECT
    at = fields.get("at")
    if not at:
        raise ValueError("a touch needs its time (at)")
    return Touch(
        source=source,
        medium=medium or "(not set)",
        click_ids=clicks,
        at=clock_time(at),  # type: ignore[arg-type]
        **text,
    )


def identity(touch: Touch) -> tuple[str, ...]:
    """What makes two reports the same touch, in the order that breaks ties in time (the
    time first, so it sorts the journey too); no value sorts first."""
    return (
        touch.at,
        touch.source,
        touch.medium,
        touch.campaign or "",
        touch.term or "",
        touch.content or "",
        touch.landing_page or "",
        touch.referrer or "",
    )


def distinct(touches: Iterable[TouchLike]) -> list[Touch]:
    """Every distinct touch, oldest first (ties by ``identity``), duplicates merged."""
    seen: dict[tuple[str, ...], Touch] = {}
    for value in touches:
        touch = as_touch(value)
        key = identity(touch)
        known = seen.get(key)
        seen[key] = touch if known is None else _merge(known, touch)
    return [seen[key] for key in sorted(seen)]


def journey(
    touches: Iterable[TouchLike],
    *,
    converted_at: Moment,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
) -> list[Touch]:
    """The distinct touches from ``lookback_days`` before the conversion up to it, oldest
    first."""
    end = clock_time(converted_at)
    start = window_start(end, lookback_days)
    return [t for t in distinct(touches) if start <= t.at <= end]


def window_start(converted_at: Moment, lookback_days: int) -> str:
    if isinstance(lookback_days, bool) or not isinstance(lookback_days, int):
        raise TypeError("lookback_days must be a whole number of days")
    if lookback_days < 0:
        raise ValueError("lookback_days cannot be negative")
    try:
        return iso_time(moment(converted_at) - timedelta(days=lookback_days))
    except OverflowError:
        return ""  # before any time there is


@dataclass(frozen=True)
class Positions:
    """Indexes into the journey: F first, C lead creation, D the latest at or before the
    deal's creation, W the latest at or before its close (won), L last; None where the
    journey has no such touch (C outside the window, no touch before the deal, or no deal)."""

    first: int
    creation: int | None
    deal: int | None
    won: int | None
    last: int

    def anchors(self) -> dict[str, int | None]:
        return {"F": self.first, "C": self.creation, "D": self.deal, "W": self.won, "L": self.last}

    def letters(self, index: int) -> str:
        """The positions the touch at ``index`` holds, e.g. ``"FC"``, or ``"M"``."""
        return "".join(k for k, at in self.anchors().items() if at == index) or "M"


def positions(
    steps: list[Touch],
    *,
    lead_creation: TouchLike | None = None,
    deal_created_at: Moment | None = None,
    deal_closed_at: Moment | None = None,
) -> Positions:
    """The positions in a journey (non-empty, as ``journey`` gives it)."""
    if not steps:
        raise ValueError("an empty journey has no positions")
    creation = None
    if lead_creation is not None:
        key = identity(as_touch(lead_creation))
        creation = next((i for i, t in enumerate(steps) if identity(t) == key), None)
    return Positions(
        first=0,
        creation=creation,
        deal=_latest_until(steps, deal_created_at),
        won=_latest_until(steps, deal_closed_at),
        last=len(steps) - 1,
    )


def _latest_until(steps: list[Touch], until: Moment | None) -> int | None:
    if until is None:
        return None
    end = clock_time(until)
    found = None
    for i, touch in enumerate(steps):
        if touch.at > end:
            break
        found = i
    return found


def _merge(kept: Touch, other: Touch) -> Touch:
    clicks = dict(kept.click_ids)
    for key, value in other.click_ids.items():
        clicks[key] = min(clicks[key], value) if key in clicks else value
    ids = [v for v in (kept.utm_id, other.utm_id) if v is not None]
    return replace(kept, click_ids=dict(sorted(clicks.items())), utm_id=min(ids, default=None))


def _text(value: object) -> str | None:
    if value is None:
        return None
    return str(value) or None


def _click_ids(value: object) -> dict[str, str]:
    if isinstance(value, str):
        try:
            value = json.loads(value) if value else {}
        except ValueError:
            value = {}
    if not isinstance(value, Mapping):
        return {}
    return dict(sorted((str(k), str(v)) for k, v in value.items() if v))
