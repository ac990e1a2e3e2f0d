"""Importing contacts in Chromium: a marketer uploads a semicolon-separated file, sees the
columns guessed and what each row will do (the dry run), imports with the rows in error
skipped, and finds an imported person. A screenshot of the dry run goes to
``$LEADSOURCE_SCREENSHOTS`` (default: the test's temporary directory)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import BrowserContext, expect

from .conftest import Service
from .test_app import app_context, new_user, sign_in, tenant  # noqa: F401
from .test_app_people import shots

CONTACTS = (
    "E-post;Fornavn;Etternavn;Firma\n"
    "kari@fjord.example;Kari;Nordmann;Fjord AS\n"
    "ola@fjord.example;Ola;Nordmann;Fjord AS\n"
    "not-an-email;Per;Feil;\n"
)


def test_a_marketer_imports_contacts_after_a_dry_run(
    service: Service,
    tenant: str,  # noqa: F811
    app_context: BrowserContext,  # noqa: F811
    tmp_path: Path,
):
    email, password = new_user(service, tenant, "marketer")
    page = app_context.new_page()
    page.goto(f"{service.url}/app/{tenant}/import")
    sign_in(page, email, password)
    file = tmp_path / "contacts.csv"
    file.write_text(CONTACTS, encoding="utf-8")
    page.get_by_label("CSV file").set_input_files(str(file))
    page.get_by_role("button", name="Read file").click()
    expect(page.get_by_label("Email *")).to_have_value("0")
    expect(page.get_by_label("Company")).to_have_value("3")
    plan = page.locator("#plan")
    expect(plan.locator("[data-count=new]")).to_have_text("2")
    expect(plan.locator("[data-count=error]")).to_have_text("1")
    expect(page.locator("#errors")).to_contain_text("not-an-email")
    page.screenshot(path=str((shots() or tmp_path) / "import.png"), full_page=True)
    # Without the last name the plan is checked again; then imported, the error skipped.
    page.get_by_label("Last name").select_option("")
    page.get_by_role("button", name="Check again").click()
    expect(page.locator("#rows")).not_to_contain_text("Nordmann")
    page.get_by_label("Skip the 1 row with errors").check()
    page.get_by_role("button", name="Import 2 persons").click()
    expect(page.locator("#flash")).to_have_text("Imported 2 new person(s).")
    page.get_by_role("link", name="Persons").click()
    page.get_by_label("Search by email, name or company").fill("kari@")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="kari@fjord.example").click()
    expect(page.locator("#company")).to_contain_text("Fjord AS")
    expect(page.get_by_role("heading", name=re.compile(r"· Import$"))).to_be_visible()
