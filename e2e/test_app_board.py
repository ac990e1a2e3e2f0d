"""The lead board in Chromium against the real service: a form submission for a company in
"Potential customer" makes an Open lead; a salesperson finds it on the board, drags it to
Contacting (``static/board.js``: the counts follow without a reload) and moves it on to
Qualified with the card's own form, by keyboard; the person card's history has both moves.
A screenshot of the board goes to ``$LEADSOURCE_SCREENSHOTS`` (default: the test's temporary
directory)."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import BrowserContext, expect

from .conftest import Service
from .hostile import INJECTED
from .test_app import app_context, new_user, sign_in, tenant  # noqa: F401
from .test_app_people import screenshot, shots, submit


def column(page, name: str):
    return page.locator("#lead-board .column").filter(
        has=page.get_by_role("heading", level=2, name=name, exact=True)
    )


def test_sales_moves_a_lead_by_drag_and_drop_and_by_keyboard(
    service: Service,
    tenant: str,  # noqa: F811
    app_context: BrowserContext,  # noqa: F811
    tmp_path: Path,
):
    form = service.cli("form", "create", tenant, "--name", "Contact us", "--publish")
    touch = {
        "utm_source": "linkedin",
        "utm_medium": "paid_social",
        "utm_campaign": "spring",
        "landing_page": "https://acme.example/?utm_source=linkedin",
        "at": "2026-11-01T10:00:00.000Z",
    }
    for email, first, company in (
        ("ingrid@fjord.example", "Ingrid", "Fjord Retail"),
        ("ola@nordlys.example", "Ola", "Nordlys"),
    ):
        body = {"email": email, "first_name": first, "company": company}
        submit(service, tenant, form["form_id"], {**body, "ls_first_touch": json.dumps(touch)})
    directory = shots() or tmp_path
    page = app_context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})

    sales, password = new_user(service, tenant, "sales")
    page.goto(f"{service.url}/app/{tenant}/board")
    sign_in(page, sales, password)
    expect(page.get_by_role("heading", level=1)).to_have_text("Board")
    assert page.evaluate(INJECTED, {"ours": None, "strict": True}) == []
    card = page.locator("#lead-board .lead-card").filter(has_text="Ingrid")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Fjord Retail")
    expect(card).to_contain_text("linkedin / paid_social")
    expect(card).to_contain_text("0 days in Open")
    expect(column(page, "Open").locator(".count")).to_have_text("2")
    expect(column(page, "Contacting").locator(".count")).to_have_text("0")
    expect(card).to_have_attribute("draggable", "true")
    screenshot(page, directory, "board")

    # Drag and drop: posted by fetch with the form's token, the board swapped in, no reload.
    page.evaluate("document.body.dataset.marker = 'same page'")
    card.drag_to(column(page, "Contacting"))
    expect(page.locator("#flash")).to_have_text("Moved Ingrid to Contacting.")
    expect(column(page, "Contacting").locator(".lead-card")).to_contain_text("Ingrid")
    expect(column(page, "Contacting").locator(".count")).to_have_text("1")
    expect(column(page, "Open").locator(".count")).to_have_text("1")
    assert page.evaluate("document.body.dataset.marker") == "same page"
    screenshot(page, directory, "board-moved")

    # The keyboard way: the card's own form, a select and Move, no pointer.
    status = page.get_by_label("Lead status of Ingrid")
    status.focus()
    status.select_option(label="Qualified")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Move")
    page.keyboard.press("Enter")
    expect(page.locator("#flash")).to_have_text("Moved Ingrid to Qualified.")
    expect(column(page, "Qualified").locator(".lead-card")).to_contain_text("Ingrid")
    expect(column(page, "Contacting").locator(".count")).to_have_text("0")

    # The person card's history: both moves, by the salesperson.
    column(page, "Qualified").get_by_role("link", name="Ingrid").click()
    history = page.locator("#status-history li")
    expect(history).to_have_count(3)
    expect(history.nth(0)).to_contain_text("Contacting → Qualified")
    expect(history.nth(1)).to_contain_text("Open → Contacting")
    expect(history.nth(0)).to_contain_text(f"by {sales}")
    expect(history.nth(1)).to_contain_text(f"by {sales}")
