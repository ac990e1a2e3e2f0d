"""Dashboards in Chromium against a real ``leadsource demo`` (its generated history, worked
leads and deals): the three default dashboards with numbers and charts; a number followed to
its list (the same count); a tile added, edited, moved and removed; a dashboard added and
reordered; a tile's CSV. Screenshots go to ``$LEADSOURCE_SCREENSHOTS`` (default: the test's
temporary directory)."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from ingest.domain.persons_csv import BOM, FORMULA_STARTS

from .test_app import sign_in
from .test_app_people import screenshot, shots
from .test_demo import read_until


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A demo on a fresh SQLite file: its app address and admin's sign-in."""
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ingest",
            "demo",
            "--port",
            "0",
            "--site-port",
            "0",
            "--db",
            str(db),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        banner = read_until(proc, "Ctrl-C", timeout=120)
        app = re.search(r"app\s+(http://\S+)/app/login", banner).group(1)
        email, password = re.search(r"\n\s+(\S+@\S+) / (\S+)\n", banner).groups()
        tenant = re.search(r"tenant\s+(\S+)", banner).group(1)
        yield {"url": app, "email": email, "password": password, "tenant": tenant}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def page(browser: Browser, demo: dict[str, str]) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{demo['url']}/app/{demo['tenant']}/dashboards")
    sign_in(page, demo["email"], demo["password"])
    yield page
    context.close()


def number(text: str) -> int:
    return int(text.replace(",", ""))


def rows_of_list(page: Page) -> int:
    """Every row of the persons or deals list the page shows, following "next page"."""
    found = 0
    while True:
        table = page.locator("table.list tbody tr:not(.group-row)")
        found += table.count()
        more = page.locator("#next-page")
        if more.count() == 0:
            return found
        more.click()
        page.wait_for_load_state()


def test_the_three_default_dashboards_show_numbers_and_charts(
    page: Page, demo: dict[str, str], tmp_path: Path
) -> None:
    expect(page.locator("#dashboard-name")).to_have_text("Marketing")
    tabs = page.locator(".dash-tabs a")
    expect(tabs).to_have_text(["Marketing", "Lead nurturing", "Sales", "Manage dashboards"])
    tiles = page.locator(".dash-tile")
    assert tiles.count() == 10
    expect(page.locator(".tile-error")).to_have_count(0)
    expect(page.locator(".dash-chart svg.chart").first).to_be_visible()
    total = number(page.locator(".dash-tile .dash-number a").first.inner_text())
    assert total > 0  # the demo's generated persons, this year
    screenshot(page, shots() or tmp_path, "dashboard-marketing")
    for name, charts in (("Lead nurturing", 3), ("Sales", 3)):
        tabs.filter(has_text=name).click()
        expect(page.locator("#dashboard-name")).to_have_text(name)
        expect(page.locator(".tile-error")).to_have_count(0)
        assert page.locator(".dash-chart svg.chart").count() == charts
        cells = page.locator(".dash-table tbody td a").all_inner_texts()
        assert cells and any(re.search(r"[1-9]", c) for c in cells), (name, cells)
        screenshot(page, shots() or tmp_path, "dashboard-" + name.lower().replace(" ", "-"))


def test_a_number_leads_to_its_list_with_the_same_count(page: Page) -> None:
    bars = page.locator(".dash-tile", has_text="New leads by lead-creation source")
    link = bars.locator(".dash-table tbody td a").first
    shown = number(link.inner_text())
    dashboard = page.url
    link.click()
    expect(page).to_have_url(re.compile(r"/persons\?.*created_from="))
    page.wait_for_selector("table.list")
    assert rows_of_list(page) == shown
    page.goto(dashboard)
    page.locator(".dash-tabs a", has_text="Sales").click()
    sales = page.locator(".dash-tile", has_text="Sales by lead-creation source")
    link = sales.locator(".dash-table tfoot td a")
    shown = number(link.inner_text())
    link.click()
    expect(page).to_have_url(re.compile(r"/deals\?.*status=won"))
    assert rows_of_list(page) == shown


def test_tiles_and_dashboards_are_added_edited_moved_and_removed(page: Page) -> None:
    page.locator(".dash-tabs a", has_text="Manage dashboards").click()
    page.locator("#new-name").fill("Partners")
    page.get_by_role("button", name="Add the dashboard").click()
    expect(page.locator("#flash")).to_have_text("Added the dashboard.")
    rows = page.locator("#dashboards tbody tr")
    expect(rows.locator("td:first-child")).to_have_text(
        ["Marketing", "Lead nurturing", "Sales", "Partners"]
    )
    rows.filter(has_text="Partners").get_by_role("button", name="Move up").click()
    expect(rows.locator("td:first-child")).to_have_text(
        ["Marketing", "Lead nurturing", "Partners", "Sales"]
    )
    page.locator("#dashboards a", has_text="Partners").click()
    expect(page.locator("#empty")).to_be_visible()

    # A tile that does not suit its settings is refused with why, nothing lost.
    page.locator("#add-tile").click()
    page.get_by_label("Title").fill("Leads by way in")
    page.get_by_label("Shown as").select_option("donut")
    page.get_by_label("What it counts").select_option("new_leads")
    page.get_by_label("Grouped by").select_option("")
    page.get_by_role("button", name="Add the tile").click()
    expect(page.locator("#error")).to_have_text("A donut tile needs a grouping.")
    expect(page.get_by_label("Title")).to_have_value("Leads by way in")
    page.get_by_label("Grouped by").select_option("via")
    page.get_by_role("button", name="Add the tile").click()
    expect(page.locator("#flash")).to_contain_text("Added the tile")
    expect(page.locator(".dash-tile svg.chart")).to_have_count(1)

    page.locator("#add-tile").click()
    page.get_by_label("Title").fill("Sales this quarter")
    page.get_by_label("Shown as").select_option("number")
    page.get_by_label("What it counts").select_option("sales")
    page.get_by_label("Period").select_option("this_quarter")
    page.get_by_role("button", name="Add the tile").click()
    titles = page.locator(".dash-tile h2")
    expect(titles).to_have_text(["Leads by way in", "Sales this quarter"])
    expect(page.locator(".dash-tile").nth(1).locator(".period")).to_contain_text("This quarter")

    # Edited: lines over time by month.
    page.locator(".dash-tile").first.get_by_role("link", name="Edit").click()
    page.get_by_label("Title").fill("New leads by month")
    page.get_by_label("Shown as").select_option("lines")
    page.get_by_label("Grouped by").select_option("month")
    page.get_by_role("button", name="Save the tile").click()
    expect(titles).to_have_text(["New leads by month", "Sales this quarter"])
    expect(page.locator(".dash-kind-lines svg.chart")).to_have_count(1)

    # Its CSV: the rows of its table and the total.
    href = page.locator(".dash-tile").first.locator(".csv-link").get_attribute("href")
    response = page.context.request.get(page.url.split("/app/")[0] + href)
    assert response.ok and response.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.text()[len(BOM) :])))
    assert table[0] == ["key", "label", "leads"] and table[-1][:2] == ["", "Total"]
    months = page.locator(".dash-tile").first.locator(".dash-table tbody tr").count()
    assert len(table) == months + 2
    assert not [c for row in table for c in row if c.startswith(FORMULA_STARTS)]

    # Moved, then removed.
    page.locator(".dash-tile").nth(1).get_by_role("button", name="Move up").click()
    expect(titles).to_have_text(["Sales this quarter", "New leads by month"])
    page.locator(".dash-tile").first.get_by_role("button", name="Remove").click()
    expect(titles).to_have_text(["New leads by month"])
