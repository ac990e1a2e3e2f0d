"""Leads in Chromium against the real service: an admin renames and adds lead statuses on
the Lead setup page; a salesperson moves a form's new lead from Open to Contacting on the
person card and reads the history; the company's category changes to Customer and the
status stays, read-only. Screenshots of the Lead setup page and the person card go to
``$LEADSOURCE_SCREENSHOTS`` (default: the test's temporary directory)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import BrowserContext, expect

from .conftest import Service
from .test_app import app_context, new_user, sign_in, tenant  # noqa: F401
from .test_app_people import screenshot, shots, submit


def test_lead_setup_status_change_and_a_category_without_lead_status(
    service: Service,
    tenant: str,  # noqa: F811
    app_context: BrowserContext,  # noqa: F811
    tmp_path: Path,
):
    form = service.cli("form", "create", tenant, "--name", "Contact us", "--publish")
    submit(
        service,
        tenant,
        form["form_id"],
        {"email": "ingrid@fjord.example", "first_name": "Ingrid", "company": "Fjord Retail"},
    )
    directory = shots() or tmp_path
    page = app_context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})

    # The admin: Qualified becomes "Sales qualified (SQL)", and Nurturing is added.
    admin, admin_password = new_user(service, tenant, "admin")
    page.goto(f"{service.url}/app/{tenant}/lead-setup")
    sign_in(page, admin, admin_password)
    expect(page.get_by_role("heading", level=1)).to_have_text("Lead setup")
    qualified = page.locator("#status-sts_qualified")
    qualified.get_by_label("Name of the lead status Qualified").fill("Sales qualified (SQL)")
    qualified.get_by_role("button", name="Rename").click()
    expect(page.locator("#flash")).to_have_text("Renamed.")
    page.get_by_label("New lead status").fill("Nurturing")
    page.get_by_role("button", name="Add status").click()
    expect(page.locator("#flash")).to_have_text("Added.")
    names = page.locator("#statuses input[name=name]")
    expect(names).to_have_count(6)
    expect(names.nth(4)).to_have_value("Sales qualified (SQL)")
    expect(names.nth(5)).to_have_value("Nurturing")
    # Open is in use (Ingrid has it): refused, with the reason.
    page.locator("#status-sts_open").get_by_role("button", name="Deactivate").click()
    expect(page.locator("#flash")).to_contain_text("persons have this lead status")
    screenshot(page, directory, "lead-setup")

    # The salesperson: Ingrid is an Open lead; Contacting, with who and when in the history.
    app_context.clear_cookies()
    sales, sales_password = new_user(service, tenant, "sales")
    page.goto(f"{service.url}/app/{tenant}/persons?q=ingrid")
    sign_in(page, sales, sales_password)
    page.get_by_role("link", name="ingrid@fjord.example").click()
    person_url = page.url
    status = page.get_by_label("Lead status")
    expect(status).to_have_value("sts_open")
    expect(status.locator("option")).to_have_count(6)
    status.select_option(label="Contacting")
    page.get_by_label("Owner").select_option(label=sales)
    page.get_by_role("button", name="Update lead").click()
    expect(page.locator("#lead-flash")).to_have_text("Saved the lead status and owner.")
    expect(page.get_by_label("Lead status")).to_have_value("sts_contacting")
    history = page.locator("#status-history li")
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("Open → Contacting")
    expect(history.first).to_contain_text(f"by {sales}")
    expect(history.last).to_contain_text("none → Open")
    expect(history.last).to_contain_text("by the system")
    screenshot(page, directory, "person-lead")

    # The company becomes a customer: the status is kept, shown, and no longer editable.
    page.locator("#company").get_by_role("link", name="Fjord Retail").click()
    page.locator("#category").select_option(label="Customer")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#lead-flash")).to_have_text("Saved the category and owner.")
    expect(page.locator("#category-history li").first).to_contain_text("Lead → Customer")
    page.goto(person_url)
    expect(page.locator("#lead-status")).to_have_count(0)
    expect(page.locator("#lead-status-value")).to_have_text("Contacting")
    expect(page.locator("#lead-status-why")).to_contain_text("Kept, not editable")
    screenshot(page, directory, "person-lead-kept")
