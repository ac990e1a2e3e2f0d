"""Report periods: each preset on a few hand-picked days, custom ranges, and the refusals."""

from __future__ import annotations

from datetime import date

import pytest

from ingest.domain.periods import PRESETS, PeriodError, from_params, period

TODAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("key", "first", "last"),
    [
        ("year_to_date", date(2026, 1, 1), TODAY),
        ("this_month", date(2026, 12, 1), TODAY),
        ("last_month", date(2026, 11, 1), date(2026, 11, 30)),
        ("this_quarter", date(2026, 10, 1), TODAY),
        ("last_quarter", date(2026, 7, 1), date(2026, 9, 30)),
        ("last_30_days", date(2026, 11, 3), TODAY),
        ("last_90_days", date(2026, 9, 4), TODAY),
    ],
)
def test_presets(key: str, first: date, last: date) -> None:
    found = period(key, today=TODAY)
    assert (found.key, found.first, found.last) == (key, first, last)
    assert from_params(found.query(), today=TODAY) == found


def test_year_and_quarter_boundaries() -> None:
    new_year = date(2027, 1, 1)
    assert period("last_month", today=new_year).first == date(2026, 12, 1)
    assert period("last_quarter", today=new_year).first == date(2026, 10, 1)
    assert period("last_quarter", today=date(2026, 2, 14)).last == date(2025, 12, 31)
    assert period("year_to_date", today=new_year).days == 1
    assert period("last_30_days", today=TODAY).days == 30


def test_bounds_are_the_clocks_text_and_exclude_the_next_day() -> None:
    found = period("last_month", today=TODAY)
    assert found.since() == "2026-11-01T00:00:00.000Z"
    assert found.until() == "2026-12-01T00:00:00.000Z"
    assert found.since() <= "2026-11-30T23:59:59.999Z" < found.until()


def test_custom_from_the_address() -> None:
    found = from_params({"from": "2026-03-01", "to": "2026-03-31"}, today=TODAY)
    assert (found.key, found.first, found.last) == ("custom", date(2026, 3, 1), date(2026, 3, 31))
    assert found.label == "Custom (1-31 Mar 2026)"
    assert found.query() == {"from": "2026-03-01", "to": "2026-03-31"}
    # one end alone: up to today, or from the start of the end's year
    assert from_params({"from": "2026-11-20"}, today=TODAY).last == TODAY
    assert from_params({"to": "2025-06-30"}, today=TODAY).first == date(2025, 1, 1)
    # blank fields are no fields; "custom" without days is the default
    assert from_params({"from": " ", "to": "", "period": ""}, today=TODAY).key == "year_to_date"
    assert from_params({"period": "custom"}, today=TODAY).key == "year_to_date"
    assert from_params({}, today=TODAY).label == "Year to date (1 Jan - 2 Dec 2026)"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "forever"}, "unknown period"),
        ({"from": "2026-13-01"}, "'from' must be a day"),
        ({"to": "yesterday"}, "'to' must be a day"),
        ({"from": "2026-05-02", "to": "2026-05-01"}, "before"),
        ({"from": "2010-01-01", "to": "2026-01-01"}, "five years"),
    ],
)
def test_refusals_say_why(params: dict[str, str], message: str) -> None:
    with pytest.raises(PeriodError, match=message):
        from_params(params, today=TODAY)


def test_every_preset_has_a_name_and_a_nonempty_range() -> None:
    for key in PRESETS:
        if key == "custom":
            continue
        found = period(key, today=TODAY)
        assert found.first <= found.last <= TODAY
        assert found.label.startswith(found.label.split(" (")[0])
