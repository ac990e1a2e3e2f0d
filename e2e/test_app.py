"""The marketer's app in Chromium against the real service: each role signs in with the
form, sees its navigation and no more, gets 403 for a page of another role and 404 for
another tenant, switches tenants, and signs out. Screenshots of the sign-in and home pages
go to ``$LEADSOURCE_SCREENSHOTS`` (default: the test's temporary directory)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from .conftest import Service

NAV = {
    "admin": [
        "Home",
        "Dashboards",
        "Campaigns",
        "Attribution",
        "Persons",
        "Companies",
        "Board",
        "Selections",
        "Live",
        "Deals",
        "Pipeline",
        "Forms",
        "Links",
        "Import",
        "Settings",
        "Users",
        "Lead setup",
    ],  # fmt: skip
    "marketer": [
        "Home",
        "Dashboards",
        "Campaigns",
        "Attribution",
        "Persons",
        "Companies",
        "Board",
        "Selections",
        "Live",
        "Deals",
        "Pipeline",
        "Forms",
        "Links",
        "Import",
    ],  # fmt: skip
    "sales": [
        "Home",
        "Dashboards",
        "Campaigns",
        "Attribution",
        "Persons",
        "Companies",
        "Board",
        "Selections",
        "Deals",
        "Pipeline",
    ],  # fmt: skip
}
FORBIDDEN = {"admin": None, "marketer": "settings", "sales": "forms"}


@pytest.fixture
def tenant(service: Service) -> str:
    tenant_id = "app-" + uuid.uuid4().hex[:10]
    service.cli("tenant", "create", tenant_id)
    return tenant_id


def new_user(service: Service, tenant_id: str, role: str) -> tuple[str, str]:
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    created = service.cli("user", "create", email, "--tenant", tenant_id, "--role", role)
    return email, created["password"]


@pytest.fixture
def app_context(browser: Browser) -> BrowserContext:
    """A browser profile that fails the test on any console error (a CSP violation, say)
    but the status of a page the test asked for (403, 404)."""
    ctx = browser.new_context()
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    ctx.on("console", on_console)
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()
    assert errors == [], errors


def sign_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def nav_labels(page: Page) -> list[str]:
    return page.get_by_role("navigation", name="Main").get_by_role("link").all_inner_texts()


@pytest.mark.parametrize("role", ["admin", "marketer", "sales"])
def test_each_role_signs_in_sees_its_pages_and_signs_out(
    service: Service, tenant: str, app_context: BrowserContext, role: str
):
    email, password = new_user(service, tenant, role)
    page = app_context.new_page()
    # A page of the app first: the sign-in form, then back to that page.
    page.goto(f"{service.url}/app/{tenant}/persons")
    expect(page).to_have_url(f"{service.url}/app/login?next=/app/{tenant}/persons")
    sign_in(page, email, password)
    expect(page).to_have_url(f"{service.url}/app/{tenant}/persons")
    page.get_by_role("link", name="Home").click()
    expect(page).to_have_url(f"{service.url}/app/{tenant}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(tenant)
    assert nav_labels(page) == NAV[role]
    expect(page.get_by_text(f"You are signed in as {role}.")).to_be_visible()
    if FORBIDDEN[role]:
        response = page.goto(f"{service.url}/app/{tenant}/{FORBIDDEN[role]}")
        assert response is not None and response.status == 403
        expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
        page.go_back()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{service.url}/app/login")
    page.goto(f"{service.url}/app/{tenant}/")
    expect(page).to_have_url(f"{service.url}/app/login?next=/app/{tenant}/")


def test_wrong_password_then_keyboard_only_sign_in(
    service: Service, tenant: str, app_context: BrowserContext
):
    email, password = new_user(service, tenant, "sales")
    page = app_context.new_page()
    page.goto(f"{service.url}/app/login")
    sign_in(page, email, "not the password")
    expect(page.get_by_role("alert")).to_have_text("The email or the password is not right.")
    expect(page.get_by_label("Email")).to_have_value(email)
    # The password field has the focus again; Enter sends the form.
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{service.url}/app/{tenant}/")


def test_another_tenant_is_404_and_the_switcher_goes_between_ones_own(
    service: Service, app_context: BrowserContext
):
    mine, other, second = (f"app-{uuid.uuid4().hex[:10]}" for _ in range(3))
    for tenant_id in (mine, other, second):
        service.cli("tenant", "create", tenant_id)
    email, password = new_user(service, mine, "marketer")
    service.cli("user", "update", email, "--tenant", second, "--role", "sales")
    page = app_context.new_page()
    page.goto(f"{service.url}/app/login")
    sign_in(page, email, password)
    expect(page).to_have_url(f"{service.url}/app/{min(mine, second)}/")
    for path in ("", "settings", "persons"):
        response = page.goto(f"{service.url}/app/{other}/{path}")
        assert response is not None and response.status == 404
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()
        assert other not in page.content()
    # The list of one's tenants, and the switcher in the header.
    page.goto(f"{service.url}/app/")
    tenants = page.locator("#tenants").get_by_role("link").all_inner_texts()
    assert sorted(t.split()[0] for t in tenants) == sorted([mine, second])
    page.goto(f"{service.url}/app/{mine}/")
    page.locator("details.switch summary").click()
    page.get_by_role("link", name=second).click()
    expect(page).to_have_url(f"{service.url}/app/{second}/")
    assert nav_labels(page) == NAV["sales"]


def test_screenshots(service: Service, tenant: str, browser: Browser, tmp_path: Path):
    directory = Path(os.environ.get("LEADSOURCE_SCREENSHOTS") or tmp_path)
    directory.mkdir(parents=True, exist_ok=True)
    email, password = new_user(service, tenant, "admin")
    service.cli("tenant", "create", tenant + "-eu")
    service.cli("user", "update", email, "--tenant", tenant + "-eu", "--role", "marketer")
    for name, viewport in (("desktop", {"width": 1200, "height": 760}), ("phone", None)):
        ctx = browser.new_context(
            viewport=viewport or {"width": 390, "height": 780},
            device_scale_factor=1 if viewport else 2,
        )
        page = ctx.new_page()
        page.goto(f"{service.url}/app/login")
        page.screenshot(path=str(directory / f"app-login-{name}.png"))
        sign_in(page, email, password)
        expect(page).to_have_url(f"{service.url}/app/{tenant}/")
        page.screenshot(path=str(directory / f"app-home-{name}.png"), full_page=True)
        ctx.close()
    assert (directory / "app-home-desktop.png").stat().st_size > 5_000
