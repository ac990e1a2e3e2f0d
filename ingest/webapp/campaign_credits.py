"""A campaign's share of the attribution reports: its contacts, deals and revenue credited
under the model the page's address chooses (``model``, default linear), from the kept
credits (``storage/attribution.attribution_report`` restricted to the campaign's values,
the 90-day lookback), over the page's period of the conversions' days. Each number links to
the Attribution page with the same choices, where the rows trace to their conversions.

The page's other counts are whole persons and deals by one touch (first touch or lead
creation); these are fractions: a deal whose journey had three touches, one of them the
campaign's, credits it a third under linear.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from ingest.domain.attribution import CONVERSIONS, DEFAULT_LOOKBACK_DAYS, UNIT, offered
from ingest.domain.attribution.names import CONVERSION_NAMES, MODEL_NAMES
from ingest.domain.campaigns import Choices
from ingest.domain.credits import report as rules
from ingest.domain.money import display

__all__ = ["MODEL_NAMES", "Credited", "credited"]


@dataclass(frozen=True)
class Credited:
    conversion: str
    label: str
    offered: bool
    credit: Decimal  # the sum of the campaign's credits, conversions' worth
    conversions: int  # conversions credited to the campaign at all
    revenue: str | None  # revenue only: the credited amount, in the tenant's currency
    href: str  # the Attribution page with these choices


def credited(
    conn: Any, tenant_id: str, values: Sequence[str], chosen: Choices, page: str
) -> list[Credited]:
    """Per conversion type, the campaign's credit under ``chosen.model`` (a type that does not
    offer the model is marked, with nothing read); ``page`` is the Attribution page's path."""
    found = []
    for conversion in CONVERSIONS:
        label = CONVERSION_NAMES[conversion]
        if chosen.model not in offered(conversion):
            found.append(Credited(conversion, label, False, Decimal(0), 0, None, ""))
            continue
        query = rules.Query(
            conversion, chosen.model, "campaign", chosen.period, DEFAULT_LOOKBACK_DAYS,
            tuple(values),
        )  # fmt: skip
        parts = cents = conversions = 0
        currency = ""
        if values:
            report = rules.run(conn, tenant_id, query)
            parts = sum(row.parts for row in report.rows)
            cents = sum(row.cents or 0 for row in report.rows)
            conversions, currency = report.conversions, report.currency or ""
        pairs = [*rules.params_of(query).items(), *(("campaign", value) for value in values)]
        found.append(
            Credited(
                conversion,
                label,
                True,
                (Decimal(parts) / UNIT).quantize(Decimal("0.01")),
                conversions,
                display(cents, currency) if conversion == "revenue" else None,
                f"{page}?{urlencode(pairs)}",
            )
        )
    return found
