"""The Campaigns pages in Chromium on generated demo data: a campaign made on the Links page
owning two of the generator's utm_campaign values, its page with plausible numbers, the
switch between first and last touch, the comparison, and a number followed to its list
(the same count). Screenshots go to ``$LEADSOURCE_SCREENSHOTS`` when set."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from .conftest import Service
from .test_app import app_context, new_user, sign_in, tenant  # noqa: F401
from .test_app_people import screenshot, shots


def number(page: Page, selector: str) -> int:
    return int(page.locator(selector).first.inner_text().replace(",", ""))


def rows_behind(page: Page, table: str) -> int:
    """Rows of a list, every page of it (following "Next page")."""
    total = page.locator(f"{table} tbody tr").count()
    while page.locator("#next-page").count():
        page.locator("#next-page").click()
        total += page.locator(f"{table} tbody tr").count()
    return total


def test_a_campaign_on_demo_data(
    service: Service,
    tenant: str,  # noqa: F811
    app_context: BrowserContext,  # noqa: F811
    tmp_path: Path,
) -> None:
    service.cli("generate", "--tenant", tenant, "--persons", "150", "--days", "60", "--seed", "3")
    email, password = new_user(service, tenant, "marketer")
    page = app_context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{service.url}/app/{tenant}/links")
    sign_in(page, email, password)
    page.get_by_label("Campaign name").fill("Paid social push")
    page.get_by_label("utm_campaign values, one a line").fill("retargeting\nspring_sale")
    page.get_by_role("button", name="Create campaign").click()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Campaigns").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Campaigns")
    expect(page.locator("#period-label")).to_contain_text("Year to date")
    row = page.locator("#campaigns tbody tr", has_text="Paid social push")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("retargeting")
    # The generator's other values are campaigns of their own, nobody's.
    expect(page.locator("#campaigns tbody tr", has_text="webinar_sept")).to_have_count(1)
    directory = shots() or tmp_path
    screenshot(page, directory, "campaigns")

    row.locator("a.campaign-name").click()
    expect(page.locator("#campaign-name")).to_have_text("Paid social push")
    first = number(page, "[data-measure=new_contacts]")
    influenced = number(page, "[data-measure=influenced]")
    sessions = number(page, "[data-measure=sessions]")
    assert 0 < first <= influenced < 150, (first, influenced)
    assert sessions > 0  # the generator sends page views
    expect(page.locator("#over-time svg")).to_be_visible()
    expect(page.locator("#traffic-table tbody tr")).not_to_have_count(0)
    screenshot(page, directory, "campaign")

    # Last touch (lead creation): another count, in the address; influenced stays.
    page.locator("#touch-switch a[data-touch=lead_creation]").click()
    expect(page).to_have_url(re.compile(r"touch=lead_creation"))
    last = number(page, "[data-measure=new_contacts]")
    assert 0 < last < 150
    assert number(page, "[data-measure=influenced]") == influenced

    # The number followed to its list: the same persons.
    page.locator("#new-contacts").click()
    expect(page).to_have_url(re.compile(r"/persons\?.*campaign_touch=lead_creation"))
    expect(page.locator("#campaign-filter")).to_contain_text("Paid social push")
    assert rows_behind(page, "#persons") == last
    page.go_back()
    page.locator("#influenced").click()
    expect(page.locator("#campaign-filter")).to_contain_text("any touch")
    assert rows_behind(page, "#persons") == influenced

    # Side by side with one of the values nobody owns.
    page.goto(f"{service.url}/app/{tenant}/campaigns")
    page.get_by_label("Compare Paid social push").check()
    page.get_by_label("Compare webinar_sept").check()
    page.locator("#compare").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare campaigns")
    expect(page.locator("#comparison thead th")).to_have_count(3)
    influenced_cells = page.locator("#comparison td[data-measure=influenced]")
    assert int(influenced_cells.first.inner_text().replace(",", "")) == influenced
    expect(page.locator("#over-time svg polyline")).to_have_count(2)
    screenshot(page, directory, "campaigns-compare")
