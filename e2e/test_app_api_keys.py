"""API keys in Chromium, as an admin: two named keys made on the settings page (each shown
once, by its label), both used against the JSON API over HTTP as an integration would, one
revoked (confirmed first) and refused with 401 while the other goes on working. A screenshot
of the keys section goes to ``$LEADSOURCE_SCREENSHOTS``."""

from __future__ import annotations

import os
from pathlib import Path

import httpx2
from playwright.sync_api import BrowserContext, Page, expect

from .conftest import Service, Site
from .test_app import app_context, new_user, sign_in  # noqa: F401  (app_context: a fixture)
from .test_app_settings import signed_in_admin


def make_key(page: Page, name: str) -> str:
    page.get_by_label("Make a new key, named after what will use it").fill(name)
    page.get_by_role("button", name="Make key").click()
    expect(page.get_by_role("status")).to_have_text("A new API key was made.")
    field = page.get_by_label(f"Your new API key “{name}” (shown only this once: copy it now)")
    expect(page.locator("#api-keys").get_by_role("button", name="Copy")).to_be_visible()
    return field.input_value()


def api(service: Service, key: str) -> httpx2.Response:
    return httpx2.get(
        f"{service.url}/api/v1/persons",
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )


def test_an_admin_makes_uses_and_revokes_api_keys(
    service: Service,
    pages_site: Site,
    make_tenant,
    app_context: BrowserContext,  # noqa: F811
    tmp_path: Path,
):
    tenant = make_tenant(pages_site)
    page = signed_in_admin(service, tenant.tenant_id, app_context)
    keys = page.locator("#key-list")
    expect(keys).to_contain_text("default")  # the one `tenant create` printed
    expect(keys).to_contain_text("by the command line")

    crm = make_key(page, "CRM sync")
    page.reload()  # shown once: gone on the next page
    expect(page.locator("#new-key")).to_have_count(0)
    bi = make_key(page, "BI export")
    assert crm.startswith("ls_") and bi.startswith("ls_") and crm != bi
    for key in (crm, bi, tenant.api_key):
        response = api(service, key)
        assert response.status_code == 200, response.text
        assert response.json() == {"items": [], "next_cursor": None}

    row = keys.locator("tr", has_text="CRM sync")
    expect(row).to_contain_text("Active")
    expect(row.get_by_role("button", name="Revoke “CRM sync”")).to_be_hidden()
    row.get_by_text("Revoke…").click()
    row.get_by_role("button", name="Revoke “CRM sync”").click()
    expect(page.get_by_role("status")).to_have_text("The API key was revoked: it no longer works.")
    expect(keys.locator("tr", has_text="CRM sync")).to_contain_text("Revoked")
    expect(keys.locator("tr", has_text="BI export")).to_contain_text("Active")

    refused = api(service, crm)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"
    assert api(service, bi).status_code == 200

    directory = Path(os.environ.get("LEADSOURCE_SCREENSHOTS") or tmp_path)
    directory.mkdir(parents=True, exist_ok=True)
    page.locator("#api-keys").screenshot(path=str(directory / "app-api-keys.png"))


def test_a_user_changes_their_password_and_other_sessions_end(
    service: Service,
    pages_site: Site,
    make_tenant,
    app_context: BrowserContext,  # noqa: F811
    tmp_path: Path,
):
    tenant = make_tenant(pages_site)
    email, password = new_user(service, tenant.tenant_id, "sales")
    pages = []
    for _ in range(2):  # two browsers of the same user
        ctx = app_context if not pages else app_context.browser.new_context()  # type: ignore[union-attr]
        page = ctx.new_page()
        page.goto(f"{service.url}/app/login")
        sign_in(page, email, password)
        expect(page).to_have_url(f"{service.url}/app/{tenant.tenant_id}/")
        pages.append(page)
    here, elsewhere = pages
    here.get_by_role("link", name="Your account").click()
    expect(here).to_have_url(f"{service.url}/app/account")
    here.get_by_label("Current password").fill("not the password")
    here.get_by_label("New password", exact=True).fill("a much better passphrase")
    here.get_by_label("Repeat the new password").fill("a much better passphrase")
    here.get_by_role("button", name="Change password").click()
    expect(here.locator("#current_password-error")).to_have_text(
        "That is not your current password."
    )
    here.get_by_label("Current password").fill(password)
    here.get_by_label("New password", exact=True).fill("a much better passphrase")
    here.get_by_label("Repeat the new password").fill("a much better passphrase")
    here.get_by_role("button", name="Change password").click()
    expect(here.get_by_role("status")).to_contain_text("Your password was changed.")
    directory = Path(os.environ.get("LEADSOURCE_SCREENSHOTS") or tmp_path)
    here.screenshot(path=str(directory / "app-account.png"), full_page=True)
    here.goto(f"{service.url}/app/{tenant.tenant_id}/persons")
    expect(here).to_have_url(f"{service.url}/app/{tenant.tenant_id}/persons")
    elsewhere.goto(f"{service.url}/app/{tenant.tenant_id}/persons")
    expect(elsewhere).to_have_url(f"{service.url}/app/login?next=/app/{tenant.tenant_id}/persons")
    sign_in(elsewhere, email, "a much better passphrase")
    expect(elsewhere).to_have_url(f"{service.url}/app/{tenant.tenant_id}/persons")
    elsewhere.context.close()
