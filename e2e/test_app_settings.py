"""Settings and users in Chromium, as an admin: UTM data transfer off and on by its
accessible name, an origin added, "Not seen yet" until a page with the script is opened and
then "Seen on ...", a marketer invited who then signs in with the password shown once.
Screenshots of the settings page (desktop and phone) go to ``$LEADSOURCE_SCREENSHOTS``."""

from __future__ import annotations

import os
import re
import time
import uuid
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, expect

from .conftest import Service, Site
from .test_app import app_context, new_user, sign_in  # noqa: F401  (app_context: a fixture)


def signed_in_admin(service: Service, tenant_id: str, ctx: BrowserContext) -> Page:
    email, password = new_user(service, tenant_id, "admin")
    page = ctx.new_page()
    page.goto(f"{service.url}/app/{tenant_id}/settings")
    sign_in(page, email, password)
    expect(page).to_have_url(f"{service.url}/app/{tenant_id}/settings")
    return page


def test_an_admin_sets_up_tracking_and_invites_a_marketer(
    service: Service,
    pages_site: Site,
    make_tenant,
    app_context: BrowserContext,  # noqa: F811
):
    tenant = make_tenant(pages_site)
    page = signed_in_admin(service, tenant.tenant_id, app_context)
    switch = page.get_by_role("checkbox", name="UTM data transfer", exact=True)
    expect(switch).to_be_checked()
    switch.uncheck()
    page.locator("#transfer").get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("UTM data transfer is off.")
    expect(switch).not_to_be_checked()
    switch.check()
    page.locator("#transfer").get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("UTM data transfer is on.")
    expect(switch).to_be_checked()

    # An origin: a mistake first, shown next to the field, then the right one.
    page.get_by_label("Add an origin").fill("https://www.example.com/contact")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#origin-error")).to_contain_text("not an origin")
    expect(page.get_by_label("Add an origin")).to_have_value("https://www.example.com/contact")
    page.get_by_label("Add an origin").fill("https://www.example.com")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("The origin was added.")
    expect(page.locator("#origin-list")).to_contain_text("https://www.example.com")
    expect(page.locator("#origin-list")).to_contain_text(pages_site.url)

    # The script tag, and the copy button the vendored script shows.
    expect(page.get_by_role("textbox", name="Script tag")).to_have_value(tenant.form["script_tag"])
    expect(page.locator("#script").get_by_role("button", name="Copy")).to_be_visible()

    # Not seen until a page with the script is opened; then seen on the site's origin.
    expect(page.locator("#installed")).to_contain_text("Not seen yet.")
    visitor = app_context.browser.new_context()  # type: ignore[union-attr]
    visitor.new_page().goto(f"{pages_site.url}/page.html")
    visitor.close()
    deadline = time.monotonic() + 20
    while "Seen on" not in page.locator("#installed").inner_text():
        assert time.monotonic() < deadline, "the script was never seen"
        time.sleep(1)
        page.reload()
    expect(page.locator("#installed")).to_contain_text(f"Seen on {pages_site.url}")
    expect(page.locator("#installed")).to_contain_text(re.compile(r"just now|minute"))

    # Invite a marketer: the password is shown once, and works.
    page.get_by_role("link", name="Users").click()
    email = f"marketer-{uuid.uuid4().hex[:8]}@example.com"
    page.get_by_label("Email").fill(email)
    page.get_by_label("Role", exact=True).select_option("marketer")
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_role("status")).to_have_text("The user was added.")
    password = page.get_by_label(f"Password for {email}").input_value()
    expect(page.locator("#members")).to_contain_text(email)
    page.reload()
    expect(page.get_by_label(f"Password for {email}")).to_have_count(0)
    marketer = app_context.browser.new_context()  # type: ignore[union-attr]
    other = marketer.new_page()
    other.goto(f"{service.url}/app/login")
    sign_in(other, email, password)
    expect(other).to_have_url(f"{service.url}/app/{tenant.tenant_id}/")
    marketer.close()

    # Change the marketer's role, then remove them (confirmed first).
    page.get_by_label(f"Role of {email}").select_option("sales")
    page.locator("#members li", has_text=email).get_by_role("button", name="Change role").click()
    expect(page.get_by_role("status")).to_have_text("The role was changed.")
    expect(page.get_by_label(f"Role of {email}")).to_have_value("sales")
    row = page.locator("#members li", has_text=email)
    expect(row.get_by_role("button", name=f"Remove {email}")).to_be_hidden()
    row.get_by_text("Remove…").click()
    row.get_by_role("button", name=f"Remove {email}").click()
    expect(page.get_by_role("status")).to_have_text("The user was removed from this account.")
    expect(page.locator("#members")).not_to_contain_text(email)


def test_settings_screenshots(
    service: Service, pages_site: Site, make_tenant, browser: Browser, tmp_path: Path
):
    directory = Path(os.environ.get("LEADSOURCE_SCREENSHOTS") or tmp_path)
    directory.mkdir(parents=True, exist_ok=True)
    tenant = make_tenant(pages_site)
    email, password = new_user(service, tenant.tenant_id, "admin")
    new_user(service, tenant.tenant_id, "sales")
    for name, viewport in (("desktop", {"width": 1200, "height": 760}), ("phone", None)):
        ctx = browser.new_context(
            viewport=viewport or {"width": 390, "height": 780},
            device_scale_factor=1 if viewport else 2,
        )
        page = ctx.new_page()
        page.goto(f"{service.url}/app/{tenant.tenant_id}/settings")
        sign_in(page, email, password)
        expect(page.get_by_role("heading", name="Settings", level=1)).to_be_visible()
        page.screenshot(path=str(directory / f"app-settings-{name}.png"), full_page=True)
        page.get_by_role("link", name="Users").click()
        page.screenshot(path=str(directory / f"app-users-{name}.png"), full_page=True)
        # Without horizontal scrolling on a phone.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        ctx.close()
    assert (directory / "app-settings-desktop.png").stat().st_size > 5_000
