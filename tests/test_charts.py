"""The SVG charts: hostile labels escaped, every value and share present as text, links only
where asked, no inline style (the app's CSP forbids it), well-formed XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from markupsafe import Markup

from ingest.webapp import charts
from ingest.webapp.charts import Item, Series

HOSTILE = '<script>alert(1)</script>"onload="x'
SVG = "{http://www.w3.org/2000/svg}"


def parsed(chart: Markup) -> ET.Element:
    assert isinstance(chart, Markup)
    assert "style=" not in chart and "<script" not in chart
    return ET.fromstring(str(chart).replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def texts(root: ET.Element) -> str:
    return " ".join("".join(node.itertext()) for node in root.iter(f"{SVG}text"))


ITEMS = [
    Item("google / cpc", 1200, href="/app/t/persons?x=1"),
    Item(HOSTILE, 300),
    Item("newsletter", Decimal("12.5"), text="12.50 EUR"),
]


@pytest.mark.parametrize("draw", [charts.bars, charts.donut, charts.funnel])
def test_items_charts_escape_and_show_every_value(draw) -> None:
    chart = draw(ITEMS, title=f"Leads {HOSTILE}")
    root = parsed(chart)
    shown = texts(root)
    assert "1,200" in shown and "300" in shown and "12.50 EUR" in shown
    assert "google / cpc" in shown
    # the hostile label is text, cut to its first characters, the whole of it in a tooltip
    assert "<script>" in "".join(root.itertext())
    assert root.find(f"{SVG}title").text == f"Leads {HOSTILE}"
    links = [a.get("href") for a in root.iter(f"{SVG}a")]
    assert links == ["/app/t/persons?x=1"]


def test_donut_numbers_slices_and_gives_shares() -> None:
    root = parsed(charts.donut([Item("a", 3), Item("b", 1)], title="t"))
    shown = texts(root)
    assert "1. a 3 (75%)" in shown and "2. b 1 (25%)" in shown
    assert "4" in shown  # the total in the middle


def test_funnel_gives_share_of_first_and_previous() -> None:
    root = parsed(
        charts.funnel([Item("Open", 200), Item("Contacting", 50), Item("Qualified", 5)], title="f")
    )
    shown = texts(root)
    assert "25% of first, 25% of previous" in shown
    assert "2.5% of first, 10% of previous" in shown


def test_bars_scale_to_the_largest_value() -> None:
    root = parsed(charts.bars([Item("a", 10), Item("b", 5), Item("c", 0)], title="b"))
    widths = [float(rect.get("width")) for rect in root.iter(f"{SVG}rect")]
    assert widths[0] == pytest.approx(2 * widths[1]) and widths[2] == 0


def test_lines_have_a_legend_marker_and_dashes_per_series() -> None:
    chart = charts.lines(
        ["2026-01", "2026-02", "2026-03"],
        [Series("Contacts", [1, 4, 2]), Series(HOSTILE, [0, 1, 3])],
        title="Over time",
    )
    root = parsed(chart)
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 2 and lines[0].get("stroke-dasharray") is None
    assert lines[1].get("stroke-dasharray")
    shown = texts(root)
    assert "Contacts" in shown and "2026-01" in shown and "2026-03" in shown
    assert len(list(root.iter(f"{SVG}circle"))) == 4  # three points and the legend's marker
    with pytest.raises(ValueError, match="has 2 values"):
        charts.lines(["a", "b", "c"], [Series("s", [1, 2])], title="x")


@pytest.mark.parametrize(
    "chart",
    [
        charts.bars([], title="t"),
        charts.donut([Item("a", 0)], title="t"),
        charts.funnel([], title="t"),
        charts.lines([], [], title="t"),
    ],
)
def test_no_data_says_so(chart: Markup) -> None:
    assert "No data for this period." in texts(parsed(chart))


def test_number_formatting() -> None:
    assert charts.number(1234567) == "1,234,567"
    assert charts.number(Decimal("2.50")) == "2.5"
    assert charts.number(0.3333) == "0.33"
    assert charts.percent(1, 3) == "33%" and charts.percent(1, 40) == "2.5%"
    assert charts.percent(1, 0) == "0%"
