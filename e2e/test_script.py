"""utm.js on fixture pages, one behaviour each: late forms, fetch-sent forms, globals, and
hostile values that must never run as script anywhere."""

from __future__ import annotations

from urllib.parse import quote

from playwright.sync_api import BrowserContext

from .conftest import FULL, Service, Site, send_by_script, send_page_form

CAMPAIGN = "utm_source=partner_a&utm_medium=email&utm_campaign=spring"

XSS_IMG = '"><img src=x onerror="window.__xss=1;alert(1)">'
XSS_SCRIPT = "</script><script>window.__xss=2;alert(2)</script>"
XSS_QUOTE = "';window.__xss=3;alert(3);'"
HOSTILE_QUERY = "&".join(
    f"{key}={quote(value)}"
    for key, value in (
        ("utm_source", XSS_IMG),
        ("utm_medium", XSS_SCRIPT),
        ("utm_campaign", XSS_QUOTE),
        ("utm_content", "<svg onload=alert(4)>"),
    )
)


def test_form_added_after_load_carries_the_fields(
    context: BrowserContext, service: Service, pages_site: Site, make_tenant
) -> None:
    tenant = make_tenant(pages_site, script_options=FULL)
    page = context.new_page()
    page.goto(f"{pages_site.url}/dynamic.html?{CAMPAIGN}")
    assert page.locator("form").count() == 0
    page.click("#add-form")
    send_page_form(page, "late@example.com")
    person = service.person(tenant.api_key, "late@example.com")
    assert person["lead_creation"]["source"] == "partner_a"
    assert person["submissions"][0]["conversion"]["campaign"] == "spring"


def test_form_sent_by_the_page_with_fetch_is_filled_first(
    context: BrowserContext, service: Service, pages_site: Site, make_tenant
) -> None:
    tenant = make_tenant(pages_site, script_options=FULL)
    page = context.new_page()
    page.goto(f"{pages_site.url}/fetch.html?{CAMPAIGN}")
    page.fill("input[name=email]", "fetch@example.com")
    status, submission_id = send_by_script(page, "form button[type=submit]")
    assert status == "201"
    person = service.person(tenant.api_key, "fetch@example.com")
    assert person["submissions"][0]["id"] == submission_id
    assert person["first_touch"]["source"] == "partner_a"


def test_hostile_values_never_run(
    context: BrowserContext, service: Service, pages_site: Site, make_tenant
) -> None:
    tenant = make_tenant(pages_site, script_options=FULL)
    hostile_name = '<img src=x onerror="window.__xss=5;alert(5)">'

    # The customer's page with the script, opened by a hostile link.
    page = context.new_page()
    page.goto(f"{pages_site.url}/hostile.html?{HOSTILE_QUERY}")
    page.fill("input[name=email]", "hostile@example.com")
    page.fill("input[name=first_name]", hostile_name)
    page.click("form button[type=submit]")
    page.wait_for_selector("#page-thanks")
    assert page.evaluate("window.__xss") is None

    # Stored exactly as sent: escaping is the job of whatever shows it.
    person = service.person(tenant.api_key, "hostile@example.com")
    assert person["first_name"] == hostile_name
    conversion = person["submissions"][0]["conversion"]
    assert (conversion["source"], conversion["medium"], conversion["campaign"]) == (
        XSS_IMG,
        XSS_SCRIPT,
        XSS_QUOTE,
    )
    assert conversion["content"] == "<svg onload=alert(4)>"

    # The hosted form opened by the same hostile link, then re-shown with a hostile value
    # after a validation error.
    page = context.new_page()
    page.goto(f"{tenant.form['hosted_url']}?{HOSTILE_QUERY}")
    assert page.evaluate("window.__xss") is None
    assert page.input_value("input[name=utm_source]") == XSS_IMG
    page.fill("input[name=email]", "not an email")
    page.fill("input[name=first_name]", hostile_name)
    page.evaluate("document.querySelector('form').noValidate = true")
    page.click("button[type=submit]")
    page.wait_for_selector("#form-errors")
    assert page.evaluate("window.__xss") is None
    assert page.input_value("input[name=first_name]") == hostile_name
    assert page.input_value("input[name=utm_medium]") == XSS_SCRIPT

    # A page of ours showing a value from the URL: the error page for an unknown form.
    page = context.new_page()
    response = page.goto(f"{service.url}/t/{tenant.tenant_id}/forms/{quote(XSS_IMG, safe='')}")
    assert response is not None and response.status == 404
    assert page.evaluate("window.__xss") is None
