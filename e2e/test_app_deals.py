"""Deals in Chromium against the real service: a salesperson opens a person's card, creates a
deal from it, moves it on the pipeline to Proposal with the card's own form (no drag and
drop needed), marks it won, and reads the history on the deal's card. Screenshots of the
deals list, the pipeline and the deal go to ``$LEADSOURCE_SCREENSHOTS`` (default: the test's
temporary directory)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import BrowserContext, expect

from .conftest import Service
from .test_app import app_context, new_user, sign_in, tenant  # noqa: F401
from .test_app_people import screenshot, shots, submit, touch


def test_a_salesperson_creates_a_deal_moves_it_and_wins_it(
    service: Service,
    tenant: str,  # noqa: F811
    app_context: BrowserContext,  # noqa: F811
    tmp_path: Path,
):
    form = service.cli("form", "create", tenant, "--name", "Contact us", "--publish")
    facebook = touch("facebook", "paid_social", "retargeting", "2026-10-02T18:30:00.000Z")
    submit(
        service,
        tenant,
        form["form_id"],
        {
            "email": "ingrid@fjord.example",
            "first_name": "Ingrid",
            "company": "Fjord Retail",
            "ls_latest_touch": facebook,
        },
    )
    email, password = new_user(service, tenant, "sales")
    page = app_context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{service.url}/app/{tenant}/persons?q=ingrid")
    sign_in(page, email, password)
    page.get_by_role("link", name="ingrid@fjord.example").click()
    page.get_by_role("link", name="New deal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New deal")
    page.get_by_label("Title").fill("Fjord rollout")
    page.get_by_label("Amount").fill("12500.50")
    page.get_by_role("button", name="Create deal").click()
    expect(page.locator("#flash")).to_have_text("Deal created.")
    expect(page.locator("#deal-amount")).to_have_text("12,500.50 EUR")
    expect(page.locator("#attribution")).to_contain_text("facebook")
    expect(page.locator("#deal-owner")).to_have_text(email)

    page.get_by_role("link", name="Pipeline").first.click()
    qualification = page.locator('section[data-stage="Qualification"]')
    card = qualification.locator(".deal-card", has_text="Fjord rollout")
    card.get_by_label("Stage of Fjord rollout").select_option("Proposal")
    card.get_by_role("button", name="Move").click()
    expect(page.locator("#flash")).to_have_text("Saved.")
    proposal = page.locator('section[data-stage="Proposal"]')
    expect(proposal.locator(".deal-card", has_text="Fjord rollout")).to_have_count(1)
    expect(proposal.locator(".column-sum")).to_contain_text("1 open · 12,500.50 EUR")
    expect(qualification.locator(".deal-card")).to_have_count(0)
    directory = shots() or tmp_path
    screenshot(page, directory, "pipeline")
    proposal.locator(".deal-card", has_text="Fjord rollout").get_by_role(
        "button", name="Won"
    ).click()
    expect(page.locator(".deal-card", has_text="Fjord rollout")).to_have_count(0)

    page.get_by_role("link", name="All deals").click()
    expect(page.locator("[data-total=count]")).to_have_text("1")
    screenshot(page, directory, "deals")
    page.get_by_role("link", name="Fjord rollout").click()
    expect(page.locator("#deal-status")).to_have_text("won")
    history = page.locator("#deal-history li")
    expect(history).to_have_count(5)
    expect(history.first).to_contain_text("status")
    expect(history.first).to_contain_text("open → won")
    expect(history.nth(1)).to_contain_text("Qualification → Proposal")
    expect(history.first).to_contain_text(email)
    screenshot(page, directory, "deal")
    # The person's card lists the deal.
    page.get_by_role("link", name="ingrid@fjord.example").click()
    expect(page.locator("#deals")).to_contain_text("Fjord rollout")
