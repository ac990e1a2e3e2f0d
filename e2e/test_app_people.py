"""The People pages in Chromium against the real service: a salesperson searches a person
and reads the card (first touch LinkedIn, lead creation Facebook); an administrator erases a
person after confirming. Screenshots of the list and a card, wide and phone-sized, go to
``$LEADSOURCE_SCREENSHOTS`` (default: the test's temporary directory)."""

from __future__ import annotations

import json
import os
import re
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from .conftest import Service
from .test_app import app_context, new_user, sign_in, tenant  # noqa: F401

PHONE = {"width": 390, "height": 844}


def touch(source: str, medium: str, campaign: str, at: str) -> dict[str, str]:
    return {
        "utm_source": source,
        "utm_medium": medium,
        "utm_campaign": campaign,
        "landing_page": f"https://fjord.example/?utm_source={source}&utm_campaign={campaign}",
        "referrer": f"https://www.{source}.com/",
        "at": at,
    }


def submit(service: Service, tenant_id: str, form_id: str, body: dict) -> None:
    request = urllib.request.Request(
        f"{service.url}/t/{tenant_id}/forms/{form_id}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201


@pytest.fixture
def people(service: Service, tenant: str) -> str:  # noqa: F811
    """Ingrid (LinkedIn first, Facebook at lead creation) among 30 generated persons."""
    form = service.cli("form", "create", tenant, "--name", "Contact us", "--publish")
    linkedin = touch("linkedin", "paid_social", "webinar_sept", "2026-09-10T09:00:00.000Z")
    facebook = touch("facebook", "paid_social", "retargeting", "2026-10-02T18:30:00.000Z")
    submit(
        service,
        tenant,
        form["form_id"],
        {
            "email": "ingrid@fjord.example",
            "first_name": "Ingrid",
            "last_name": "Dahl",
            "company": "Fjord Retail",
            "ls_first_touch": linkedin,
            "ls_latest_touch": facebook,
            "ls_touches": [linkedin, facebook],
        },
    )
    service.cli("generate", "--tenant", tenant, "--persons", "30")
    return tenant


def shots() -> Path | None:
    target = os.environ.get("LEADSOURCE_SCREENSHOTS")
    return Path(target) if target else None


def screenshot(page: Page, directory: Path, name: str) -> None:
    page.screenshot(path=str(directory / f"{name}.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(directory / f"{name}-phone.png"))
    page.set_viewport_size({"width": 1280, "height": 900})


def test_sales_searches_a_person_and_reads_the_card(
    service: Service,
    people: str,
    app_context: BrowserContext,  # noqa: F811
    tmp_path: Path,
):
    email, password = new_user(service, people, "sales")
    page = app_context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{service.url}/app/{people}/persons")
    sign_in(page, email, password)
    expect(page.locator("#persons tbody tr")).not_to_have_count(0)
    directory = shots() or tmp_path
    screenshot(page, directory, "persons")
    page.get_by_label("Search by email, name or company").fill("ingrid@fjord")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/persons\?q=ingrid"))
    expect(page.locator("#persons tbody tr")).to_have_count(1)
    page.get_by_role("link", name="ingrid@fjord.example").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ingrid@fjord.example")
    first, lead = page.locator("#first-touch"), page.locator("#lead-creation")
    expect(first).to_contain_text("linkedin")
    expect(first).to_contain_text("webinar_sept")
    expect(lead).to_contain_text("facebook")
    expect(lead).to_contain_text("retargeting")
    expect(page.locator("#history li")).to_have_count(2)
    # A salesperson may not erase: no button.
    expect(page.locator("#erase-person")).to_have_count(0)
    screenshot(page, directory, "person")
    # The name is theirs to correct.
    page.get_by_label("Last name").fill("Dahl-Berg")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#flash")).to_have_text("Saved.")
    expect(page.get_by_label("Last name")).to_have_value("Dahl-Berg")


def test_an_admin_erases_a_person_after_confirming(
    service: Service,
    people: str,
    app_context: BrowserContext,  # noqa: F811
):
    email, password = new_user(service, people, "admin")
    page = app_context.new_page()
    page.goto(f"{service.url}/app/{people}/persons?q=ingrid%40fjord")
    sign_in(page, email, password)
    page.get_by_role("link", name="ingrid@fjord.example").click()
    # First the export a privacy request asks for: everything stored about her, as JSON.
    with page.expect_download() as download:
        page.get_by_role("link", name="Export").click()
    exported = json.loads(Path(download.value.path()).read_text())
    assert exported["person"]["email"] == "ingrid@fjord.example"
    assert [s["person_id"] for s in exported["submissions"]] == [exported["person"]["person_id"]]
    assert {t["source"] for t in exported["touches"]} >= {"linkedin", "facebook"}
    page.get_by_role("link", name="Erase").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Erase ingrid@fjord.example?")
    page.get_by_role("button", name="Erase ingrid@fjord.example").click()
    expect(page).to_have_url(f"{service.url}/app/{people}/persons")
    expect(page.locator("#flash")).to_contain_text("Erased ingrid@fjord.example")
    page.get_by_label("Search by email, name or company").fill("ingrid@fjord")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#empty")).to_be_visible()


def test_a_forged_form_is_refused_and_changes_nothing(
    service: Service,
    people: str,
    app_context: BrowserContext,  # noqa: F811
):
    """A post whose CSRF token is not the session's (a page of another site posting to the
    app, say) gets 403 and leaves the person as it was."""
    email, password = new_user(service, people, "sales")
    page = app_context.new_page()
    page.goto(f"{service.url}/app/{people}/persons?q=ingrid%40fjord")
    sign_in(page, email, password)
    page.get_by_role("link", name="ingrid@fjord.example").click()
    card = page.url
    edit = page.locator("form", has=page.get_by_label("Last name"))
    edit.locator("input[name=csrf_token]").evaluate("input => input.value = 'forged'")
    page.get_by_label("Last name").fill("Forged")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Save").click()
    assert posted.value.status == 403
    expect(page.locator("body")).to_contain_text("form")  # the refusal page says what to do
    page.goto(card)
    expect(page.get_by_label("Last name")).to_have_value("Dahl")
