"""Amounts of money, exact: stored as integer minor units (cents), read from and shown as
decimal text with two places. Never a float on the way in or out: JSON numbers are taken as
their shortest text (``repr``), so ``0.1`` is ten cents and ``0.30000000000000004`` is refused."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

MAX_MINOR = 99_999_999_999_999  # 999,999,999,999.99: within BIGINT with room for sums
_AMOUNT = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,2})?$")
CURRENCY = re.compile(r"^[A-Z]{3}$")


class BadAmount(ValueError):
    pass


def parse_amount(value: object) -> int:
    """Minor units of a non-negative amount with at most two decimals: a JSON number or a
    string such as ``"1234.5"``."""
    if isinstance(value, bool) or value is None:
        raise BadAmount("Must be a number such as 1234.50.")
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        text = repr(value)
        if "e" in text or "E" in text:  # 1e-05, 1e+16: not an amount of cents
            raise BadAmount("Must be a non-negative amount with at most 2 decimals.")
        if text.startswith("-0") and float(value) == 0:
            text = text[1:]
    elif isinstance(value, str):
        text = value
    else:
        raise BadAmount("Must be a number such as 1234.50.")
    if not _AMOUNT.match(text):
        if text.startswith("-"):
            raise BadAmount("Cannot be negative.")
        raise BadAmount("Must be a non-negative amount with at most 2 decimals, e.g. 1234.50.")
    minor = int(Decimal(text) * 100)
    if minor > MAX_MINOR:
        raise BadAmount("Can be at most 999999999999.99.")
    return minor


def amount_text(minor: int) -> str:
    """``123450`` -> ``"1234.50"``."""
    return f"{minor // 100}.{minor % 100:02d}"


def display(amount: str | int | Decimal | None, currency: str = "") -> str:
    """An amount for people: ``"1,234.50 EUR"``. Takes the API's text, minor units as an
    int, or a Decimal of major units (a weighted sum)."""
    if amount is None:
        return "—"
    value = Decimal(amount) / 100 if isinstance(amount, int) else Decimal(amount)
    text = f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"
    return f"{text} {currency}".strip()
