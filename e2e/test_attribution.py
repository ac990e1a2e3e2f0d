"""The Attribution page in Chromium against the real service: a tenant filled by
``leadsource generate`` (demo-like history, deals, credits caught up), a marketer reading
contact creation by source, switching models (the numbers change, the statement says which
model and window), choosing revenue (the model kept when offered), a row followed to the
conversions behind it, and a lead from the API with hostile campaign names shown literally,
found by the follower in the background."""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

from playwright.sync_api import BrowserContext, expect

from .conftest import Service
from .hostile import Detector, payload
from .test_app import app_context, sign_in  # noqa: F401  (fixture)


def _table(page) -> dict[str, str]:
    rows = page.locator("#attribution-table tbody tr")
    found = {}
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td").all_inner_texts()
        found[cells[0]] = cells[1]
    return found


def test_the_page_on_generated_data(service: Service, app_context: BrowserContext):  # noqa: F811
    tenant = "attr-" + uuid.uuid4().hex[:8]
    service.cli("tenant", "create", tenant)
    made = service.cli("generate", "--tenant", tenant, "--persons", "300", "--seed", "14")
    assert made["persons"] == 300 and made["deals"] > 0
    email = f"mia-{uuid.uuid4().hex[:6]}@example.com"
    password = service.cli("user", "create", email, "--tenant", tenant, "--role", "marketer")[
        "password"
    ]
    page = app_context.new_page()
    year_ago = (datetime.now(UTC) - timedelta(days=365)).date().isoformat()
    page.goto(f"{service.url}/app/{tenant}/attribution")
    sign_in(page, email, password)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Attribution").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Attribution")
    # The last twelve months, by source, linear (the default model).
    page.locator("#from").fill(year_ago)
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#model-words")).to_contain_text("Linear: equal credit to every touch")
    expect(page.locator("#model-words")).to_contain_text("up to 90 days before each conversion")
    expect(page.locator("#chart svg")).to_be_visible()
    linear = _table(page)
    assert len(linear) >= 3
    count = int(page.locator("#conversion-count").inner_text())
    assert count >= 250
    total = sum(float(v.replace(",", "")) for v in linear.values())
    # Every conversion's credit sums to 1 (the page rounds each row to two decimals).
    assert abs(total - count) <= 0.005 * len(linear) + 1e-9
    # Switching the model changes the numbers, and the statement says so.
    page.locator("#model").select_option("first_touch")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#model-words")).to_contain_text("First touch")
    first = _table(page)
    assert first != linear
    assert int(page.locator("#conversion-count").inner_text()) == count
    # Revenue with W-shaped: offered, kept; then contact creation falls back to linear.
    page.locator("#conversion").select_option("revenue")
    page.locator("#model").select_option("u_shaped")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#model")).to_have_value("u_shaped")
    expect(page.locator("#attribution-table thead")).to_contain_text("Revenue")
    page.locator("#conversion").select_option("contact_create")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#model")).to_have_value("u_shaped")  # offered for contacts too
    # A row followed to the conversions behind it: persons, each with its credit.
    page.locator("#model").select_option("first_touch")
    page.get_by_role("button", name="Show").click()
    row = page.locator("#attribution-table tbody tr").first
    key, credit = row.locator("td").all_inner_texts()[:2]
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(key)
    listed = page.locator("#conversions tbody tr")
    expect(listed.first).to_be_visible()
    assert listed.count() == min(int(float(credit.replace(",", ""))), 200)  # first touch: 1 each
    listed.first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/app/{tenant}/persons/"))


def test_hostile_campaign_names_are_shown_literally(
    service: Service, hostile: tuple[BrowserContext, Detector]
):
    context, detector = hostile
    tenant = "attr-" + uuid.uuid4().hex[:8]
    api_key = service.cli("tenant", "create", tenant)["api_key"]
    email = f"mia-{uuid.uuid4().hex[:6]}@example.com"
    password = service.cli("user", "create", email, "--tenant", tenant, "--role", "marketer")[
        "password"
    ]
    now = datetime.now(UTC)
    names = {v: payload(v, "attr.campaign") for v in ("markup", "attribute", "script", "url")}
    for n, (variant, name) in enumerate(names.items()):
        at = (now - timedelta(days=3, minutes=n)).isoformat(timespec="milliseconds")
        lead = {
            "email": f"{variant}-{uuid.uuid4().hex[:6]}@example.com",
            "via": "chat",
            "touches": [
                {"utm_source": payload(variant, "attr.source"), "utm_medium": "cpc",
                 "utm_campaign": name, "at": at.replace("+00:00", "Z")},
            ],
        }  # fmt: skip
        request = urllib.request.Request(
            f"{service.url}/api/v1/leads",
            data=json.dumps(lead).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {api_key}"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 201
    page = context.new_page()
    page.goto(f"{service.url}/app/{tenant}/attribution")
    sign_in(page, email, password)
    address = f"{service.url}/app/{tenant}/attribution?by=campaign&model=linear&period=last_30_days"
    # The follower credits new persons in the background, every few seconds.
    for _ in range(20):
        page.goto(address)
        if page.locator("#attribution-table tbody tr").count() >= len(names):
            break
        page.wait_for_timeout(500)
    table = page.locator("#attribution-table")
    for name in names.values():
        expect(table.get_by_text(name, exact=True)).to_be_visible()
    detector.check(page, "attribution by hostile campaigns", strict=True)
    # Restricted to one hostile campaign (the campaign page's parameter), then its trace.
    one = names["attribute"]
    page.goto(address + "&" + urllib.parse.urlencode({"campaign": one}))
    expect(page.locator("#campaign-filter")).to_contain_text(one)
    assert page.locator("#attribution-table tbody tr").count() == 1
    detector.check(page, "attribution restricted to a hostile campaign", strict=True)
    page.locator("#attribution-table tbody tr a").first.click()
    expect(page.locator("#trace-key")).to_have_text(one)
    expect(page.locator("#conversions")).to_contain_text(payload("attribute", "attr.source"))
    detector.check(page, "the conversions behind a hostile row", strict=True)
