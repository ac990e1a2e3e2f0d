"""Attribution: how much of one conversion each touch of the person's journey earns, exactly.

Pure rules, no storage: the store hands in a person's known touches (every submission's touch
history, its conversion touch, the person's first touch and lead-creation touch), the
conversion's time and, for deals, the deal's times and amount; ``credits`` answers with one
row per credited touch. ``journey.py`` defines the journey (the same touch, the order, the
window) and its positions; ``models.py`` the models and the exact split.

Conversions: ``contact_create`` (the person's creation), ``deal_create`` (the deal's
creation) and ``revenue`` (the deal's close as won, its amount split too). W-shaped is offered
for deals only, full path for revenue only (``offered``); anything else raises ``NotOffered``.

A journey with no touch in the window credits nothing: ``credits`` returns no rows, and a
report counts the conversion without a key to credit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ingest.domain.attribution.journey import (
    DEFAULT_LOOKBACK_DAYS,
    Moment,
    Positions,
    TouchLike,
    as_touch,
    distinct,
    identity,
    journey,
    positions,
)
from ingest.domain.attribution.models import (
    CONVERSIONS,
    MODELS,
    UNIT,
    NotOffered,
    check,
    largest_remainder,
    needs,
    offered,
    shares,
)
from ingest.domain.channels import channel
from ingest.domain.touch import Touch

__all__ = [
    "CONVERSIONS",
    "DEFAULT_LOOKBACK_DAYS",
    "GROUPINGS",
    "MODELS",
    "UNIT",
    "Credit",
    "NotOffered",
    "Positions",
    "as_touch",
    "check",
    "credits",
    "distinct",
    "identity",
    "journey",
    "largest_remainder",
    "offered",
    "positions",
    "shares",
]

# What a report can group credits by.
GROUPINGS = ("source", "medium", "campaign", "source_medium", "channel")


@dataclass(frozen=True)
class Credit:
    """One touch's credit for one conversion: ``parts`` of ``UNIT`` (a conversion's sum to
    exactly ``UNIT``) and, with an amount, ``cents`` of it (summing to exactly the amount)."""

    touch: Touch
    index: int  # in the journey, oldest 0
    positions: str  # the positions the touch holds ("FC", "L", "M"), whatever the model
    parts: int
    cents: int | None
    channel: str

    @property
    def source(self) -> str:
        return self.touch.source

    @property
    def medium(self) -> str:
        return self.touch.medium

    @property
    def campaign(self) -> str | None:
        return self.touch.campaign

    @property
    def source_medium(self) -> str:
        return f"{self.touch.source} / {self.touch.medium}"

    def key(self, by: str) -> str | None:
        """The value this credit is grouped under (``by`` one of ``GROUPINGS``)."""
        if by not in GROUPINGS:
            raise ValueError(f"cannot group by {by!r}; one of {', '.join(GROUPINGS)}")
        return getattr(self, by)

    @property
    def share(self) -> Fraction:
        return Fraction(self.parts, UNIT)

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.parts).scaleb(-9)  # exact: UNIT is 10**9

    @property
    def revenue(self) -> Decimal | None:
        return None if self.cents is None else Decimal(self.cents).scaleb(-2)


def credits(
    conversion: str,
    model: str,
    touches: Iterable[TouchLike],
    *,
    converted_at: Moment,
    lead_creation: TouchLike | None = None,
    deal_created_at: Moment | None = None,
    deal_closed_at: Moment | None = None,
    amount_cents: int | None = None,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
) -> list[Credit]:
    """The credits of one conversion under one model, oldest touch first; touches credited
    nothing are left out.

    ``converted_at`` is the person's creation (``contact_create``), the deal's creation
    (``deal_create``, the default of ``deal_created_at``) or its close (``revenue``, the
    default of ``deal_closed_at``). ``lead_creation`` is the person's lead-creation touch (C),
    counted in the journey too. ``amount_cents`` is required for revenue and split with it;
    a deal's creation may carry one (its pipeline value)."""
    check(conversion, model)
    if conversion == "contact_create":
        if deal_created_at is not None or deal_closed_at is not None or amount_cents is not None:
            raise ValueError("a contact's creation has no deal times or amount")
    elif conversion == "deal_create":
        if deal_created_at is None:
            deal_created_at = converted_at
        if deal_closed_at is not None:
            raise ValueError("a deal's creation has no close")
    else:
        if deal_closed_at is None:
            deal_closed_at = converted_at
        if amount_cents is None:
            raise ValueError("revenue needs the deal's amount (amount_cents)")
    if "D" in needs(model) and deal_created_at is None:
        raise ValueError(f"the {model} model needs the deal's creation time (deal_created_at)")
    if amount_cents is not None and (
        isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents < 0
    ):
        raise ValueError("amount_cents must be a whole, non-negative number of cents")

    known = list(touches)
    if lead_creation is not None:
        known.append(lead_creation)
    steps = journey(known, converted_at=converted_at, lookback_days=lookback_days)
    if not steps:
        return []
    where = positions(
        steps,
        lead_creation=lead_creation,
        deal_created_at=deal_created_at,
        deal_closed_at=deal_closed_at,
    )
    exact = shares(model, [t.at for t in steps], where, converted_at)
    parts = largest_remainder(exact, UNIT)
    cents = largest_remainder(exact, amount_cents) if amount_cents is not None else None
    rows = []
    for i, touch in enumerate(steps):
        touch_cents = cents[i] if cents is not None else None
        if parts[i] == 0 and not touch_cents:
            continue
        rows.append(
            Credit(
                touch=touch,
                index=i,
                positions=where.letters(i),
                parts=parts[i],
                cents=touch_cents,
                channel=channel(
                    touch.source, touch.medium, touch.campaign, touch.click_ids, touch.referrer
                ),
            )
        )
    return rows
