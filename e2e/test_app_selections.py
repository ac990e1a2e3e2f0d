"""The persons list by lead fields and selections in Chromium against the real service: a
salesperson filters the list to their own Open leads, groups it by status, saves it as a
selection, opens it from the Selections page and exports it as CSV. Screenshots of the
grouped list go to ``$LEADSOURCE_SCREENSHOTS`` (default: the test's temporary directory)."""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.request
from pathlib import Path

from playwright.sync_api import BrowserContext, expect

from .conftest import Service
from .test_app import app_context, new_user, sign_in  # noqa: F401
from .test_app_people import screenshot, shots, submit


def api(service: Service, key: str, method: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"{service.url}{path}",
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_my_open_leads_grouped_saved_opened_and_exported(
    service: Service,
    app_context: BrowserContext,  # noqa: F811
    tmp_path: Path,
):
    tenant = "sel-" + re.sub(r"\W", "", str(tmp_path.name))[-10:].lower()
    key = service.cli("tenant", "create", tenant)["api_key"]
    form = service.cli("form", "create", tenant, "--name", "Contact us", "--publish")
    email, password = new_user(service, tenant, "sales")
    # Fjord AS is a Lead: its persons start Open. Mine: anna (Open), bo (Open), carl
    # (Contacting); dorte is Open but nobody's; erik has no company, so no status.
    for person, company in (
        ("anna@fjord.example", "Fjord AS"),
        ("bo@fjord.example", "Fjord AS"),
        ("carl@fjord.example", "Fjord AS"),
        ("dorte@fjord.example", "Fjord AS"),
        ("erik@solo.example", None),
    ):
        submit(service, tenant, form["form_id"],
               {"email": person, **({"company": company} if company else {})})  # fmt: skip
    for person, change in (
        ("anna@fjord.example", {"owner": email}),
        ("bo@fjord.example", {"owner": email}),
        ("carl@fjord.example", {"owner": email, "lead_status": "Contacting"}),
    ):
        person_id = service.person(key, person)["id"]
        api(service, key, "PATCH", f"/api/v1/persons/{person_id}", change)

    page = app_context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{service.url}/app/{tenant}/persons")
    sign_in(page, email, password)
    expect(page.locator("#persons tbody tr")).to_have_count(5)
    page.get_by_text("Filters and sort").click()
    # (A label around a menu names it with its options' text too: found by name instead.)
    page.locator("select[name=lead_status]").select_option(label="Open")
    page.locator("select[name=owner]").select_option(label="Me")
    page.locator("select[name=group]").select_option(label="Lead status")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"lead_status=sts_open"))
    expect(page.locator("#persons tbody tr:not(.group-row)")).to_have_count(2)
    expect(page.locator("#groups li")).to_have_text([re.compile(r"Open\s+2")])
    expect(page.locator("#persons .group-row")).to_contain_text("Open")
    expect(page.locator("#my-leads")).to_have_attribute("aria-pressed", "true")
    screenshot(page, shots() or tmp_path, "persons-grouped")

    # The whole list grouped: each status with its count, a link filtering to it.
    page.goto(f"{service.url}/app/{tenant}/persons?group=lead_status")
    expect(page.locator("#groups li")).to_have_text(
        [re.compile(r"Open\s+3"), re.compile(r"Contacting\s+1"), re.compile(r"None\s+1")]
    )
    screenshot(page, shots() or tmp_path, "persons-grouped-all")
    page.locator("#groups").get_by_role("link", name="Contacting").click()
    expect(page.locator("#persons tbody tr")).to_have_count(1)
    expect(page.locator("#persons")).to_contain_text("carl@fjord.example")
    page.go_back()
    page.go_back()

    page.get_by_label("Save this search as a selection").fill("My open leads")
    page.get_by_role("button", name="Save as selection").click()
    expect(page).to_have_url(f"{service.url}/app/{tenant}/selections")
    expect(page.locator("#flash")).to_have_text("Saved the selection 'My open leads'.")
    row = page.locator("#selections tbody tr", has_text="My open leads")
    expect(row.locator("td[data-label=Now]")).to_have_text("2")

    # Re-run when opened: bo moves on, and the selection has one row.
    bo = service.person(key, "bo@fjord.example")["id"]
    api(service, key, "PATCH", f"/api/v1/persons/{bo}", {"lead_status": "Qualified"})
    page.reload()
    expect(row.locator("td[data-label=Now]")).to_have_text("1")
    row.get_by_role("link", name="My open leads").click()
    expect(page).to_have_url(re.compile(r"/persons\?.*owner=me"))
    expect(page.locator("#persons tbody tr:not(.group-row)")).to_have_count(1)
    expect(page.locator("#persons")).to_contain_text("anna@fjord.example")

    page.get_by_role("link", name="Selections").click()
    with page.expect_download() as download:
        row.get_by_role("link", name="CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    table = list(csv.DictReader(io.StringIO(text)))
    assert [(r["email"], r["lead_status"], r["owner"]) for r in table] == [
        ("anna@fjord.example", "Open", email)
    ]
