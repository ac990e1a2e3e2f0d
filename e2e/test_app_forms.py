"""The marketer's forms and links pages in Chromium: a marketer builds a form with a number
field and a choice, publishes it and takes its embed code and hosted link; builds a campaign
link (seeing its channel and a warning), saves it, follows it to the site, sends the
embedded form, and sees it arrive in the live view (no reload), its card's sources, and the
link's new person. Screenshots of both pages, desktop and phone,
go to ``$LEADSOURCE_SCREENSHOTS`` (default: the test's temporary directory)."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

from playwright.sync_api import Browser, expect

from .conftest import Service, Site
from .test_app import sign_in


def marketer(service: Service, tenant_id: str) -> tuple[str, str]:
    email = f"mia-{uuid.uuid4().hex[:8]}@example.com"
    created = service.cli("user", "create", email, "--tenant", tenant_id, "--role", "marketer")
    return email, created["password"]


def test_app_marketer_publishes_a_form_and_a_link_that_brings_a_person(
    service: Service, pages_site: Site, make_tenant, browser: Browser, tmp_path: Path
):
    tenant = make_tenant(pages_site)
    email, password = marketer(service, tenant.tenant_id)
    ctx = browser.new_context()
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    app = f"{service.url}/app/{tenant.tenant_id}"
    page.goto(f"{app}/forms")
    sign_in(page, email, password)
    expect(page).to_have_url(f"{app}/forms")

    # A form with a number field and a choice, published.
    page.get_by_label("Name").fill("Trial request")
    page.get_by_role("button", name="Create form").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trial request")
    page.locator("#label_0").fill("Team size")
    page.locator("#type_0").select_option("number")
    page.get_by_role("button", name="Add another field").click()
    expect(page.locator("#label_1")).to_be_visible()
    expect(page.locator("#label_0")).to_have_value("Team size")
    page.locator("#label_1").fill("Plan")
    page.locator("#type_1").select_option("select")
    page.locator("#options_1").fill("Basic\nPro")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    preview = page.locator(".preview-form")
    expect(preview.get_by_label("Team size")).to_have_attribute("type", "number")
    expect(preview.get_by_label("Plan")).to_contain_text("Pro")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("Published")
    page.get_by_role("button", name="Copy embed code").click()  # the clipboard may be absent
    embed = page.get_by_label("Embed code").input_value()
    assert 'name="team_size"' in embed and "<option>Pro</option>" in embed
    hosted = page.get_by_label("Hosted link").input_value()
    shots = Path(os.environ.get("LEADSOURCE_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    form_page = page.url
    visitor = browser.new_context().new_page()
    visitor.goto(hosted)
    expect(visitor.get_by_label("Team size")).to_be_visible()
    expect(visitor.get_by_label("Plan")).to_be_visible()
    visitor.context.close()

    # A campaign link: its channel, a warning for a page off the tenant's sites, saved.
    page.get_by_role("link", name="Links").click()
    page.get_by_label("Page address").fill(pages_site.at("localhost") + "/page.html")
    page.get_by_label("Source").fill("Newsletter")
    page.get_by_label("Medium").fill("email")
    page.get_by_label("Campaign *").fill("Spring Sale")
    page.get_by_role("button", name="Build").click()
    expect(page.locator("#channel")).to_have_text("Email")
    expect(page.locator("#warnings")).to_contain_text("is not one of this account's websites")
    assert "utm_campaign=spring_sale" in page.get_by_label("Tracking URL").input_value()
    page.get_by_label("Page address").fill(pages_site.url + "/page.html")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    row = page.locator("#links tbody tr").first
    expect(row).to_contain_text("spring_sale")
    expect(row).to_contain_text(email)
    link = row.locator("input").input_value()
    assert link.startswith(pages_site.url + "/page.html?") and "utm_source=newsletter" in link

    # The live view is open while a visitor follows the link and sends the embedded form.
    live = ctx.new_page()
    live.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    live.goto(f"{app}/live")
    expect(live.locator("#live-status")).to_contain_text("Updates every")
    live.evaluate("window.notReloaded = true")
    visitor = browser.new_context().new_page()
    visitor.goto(link)
    visitor.locator("#ls-email").fill("lead@example.com")
    visitor.locator("form.leadsource-form button[type=submit]").click()
    visitor.wait_for_url("**/thanks.html**")
    visitor.context.close()
    assert service.person(tenant.api_key, "lead@example.com")["first_touch"]["campaign"] == (
        "spring_sale"
    )
    # It arrives in the live view without a reload, marked new, with its sources...
    arrived = live.locator(".live-item", has_text="lead@example.com")
    expect(arrived).to_have_class(re.compile(r"\bfresh\b"), timeout=15_000)
    expect(arrived).to_contain_text("new person")
    expect(arrived).to_contain_text("newsletter")
    assert live.evaluate("window.notReloaded") is True
    # ...and its card shows the first touch and lead creation the link gave.
    arrived.get_by_role("link", name="lead@example.com").click()
    for section in ("#first-touch", "#lead-creation"):
        expect(live.locator(section)).to_contain_text("newsletter")
        expect(live.locator(section)).to_contain_text("spring_sale")
        expect(live.locator(section)).to_contain_text("Email")  # the channel
    live.close()
    page.reload()
    expect(page.locator("#links tbody tr").first.locator("[data-count=new_persons]")).to_have_text(
        "1"
    )
    assert [e for e in errors if not e.startswith("Failed to load resource")] == []

    for name, viewport in (("desktop", {"width": 1200, "height": 800}), ("phone", None)):
        shot = browser.new_context(
            viewport=viewport or {"width": 390, "height": 800},
            device_scale_factor=1 if viewport else 2,
        )
        shot.add_cookies(ctx.cookies())
        view = shot.new_page()
        for label, url in (("form", form_page.split("?")[0]), ("links", f"{app}/links")):
            view.goto(url)
            view.screenshot(path=str(shots / f"app-{label}-{name}.png"), full_page=True)
        shot.close()
    ctx.close()
