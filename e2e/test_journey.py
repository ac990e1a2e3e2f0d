"""The worked example of SPEC.md (seed 000), in a real browser against the demo website."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

from .conftest import Service, Site

LINKEDIN = "utm_source=linkedin&utm_medium=paid_social&utm_campaign=webinar_sept"
FACEBOOK = "utm_source=facebook&utm_medium=paid_social&utm_campaign=retargeting"
NEWSLETTER = "utm_source=newsletter&utm_medium=email&utm_campaign=november"

# A site where localStorage throws, as with some privacy settings: the cookie must carry it.
NO_LOCAL_STORAGE = """
Object.defineProperty(window, 'localStorage', {
  configurable: true,
  get: function () { throw new DOMException('denied', 'SecurityError'); }
});
"""


def visit(context: BrowserContext, url: str) -> Page:
    page = context.new_page()
    page.goto(url)
    return page


def send_contact_form(page: Page, email: str, company: str = "Fjord Retail") -> None:
    page.fill("input[name=email]", email)
    page.fill("input[name=first_name]", "Ingrid")
    page.fill("input[name=last_name]", "Dahl")
    page.fill("input[name=company]", company)
    page.click("form.leadsource-form button[type=submit]")
    page.wait_for_selector("#page-thanks")


def assert_touch(touch: dict[str, Any] | None, source: str, medium: str, campaign: str) -> None:
    assert touch is not None
    assert (touch["source"], touch["medium"], touch["campaign"]) == (source, medium, campaign)


@pytest.mark.parametrize("storage", ["localStorage", "cookie"])
def test_seed_000_journey(
    storage: str, context: BrowserContext, service: Service, demo_site: Site, make_tenant
) -> None:
    tenant = make_tenant(demo_site)
    if storage == "cookie":
        context.add_init_script(NO_LOCAL_STORAGE)

    # A LinkedIn ad brings the visitor in; they leave without doing anything.
    visit(context, f"{demo_site.url}/?{LINKEDIN}").close()
    # Later a Facebook ad brings them back; they browse and send the contact form.
    page = visit(context, f"{demo_site.url}/?{FACEBOOK}")
    page.click("#nav-services")
    page.click("#cta-contact")
    send_contact_form(page, "ingrid@fjord.example")

    if storage == "cookie":
        assert "leadsource=" in page.evaluate("document.cookie")

    person = service.person(tenant.api_key, "ingrid@fjord.example")
    assert_touch(person["first_touch"], "linkedin", "paid_social", "webinar_sept")
    assert "utm_source=linkedin" in person["first_touch"]["landing_page"]
    assert_touch(person["lead_creation"], "facebook", "paid_social", "retargeting")
    assert [s["conversion"]["source"] for s in person["submissions"]] == ["facebook"]
    assert person["company"]["name"] == "Fjord Retail"
    assert_touch(person["company"]["source"], "facebook", "paid_social", "retargeting")

    # The same person comes back from the newsletter and sends the form again:
    # only a conversion is added; the person's sources stay as they were.
    page = visit(context, f"{demo_site.url}/?{NEWSLETTER}")
    page.click("#nav-contact")
    send_contact_form(page, "Ingrid@Fjord.example")
    person = service.person(tenant.api_key, "ingrid@fjord.example")
    assert_touch(person["first_touch"], "linkedin", "paid_social", "webinar_sept")
    assert_touch(person["lead_creation"], "facebook", "paid_social", "retargeting")
    assert [s["conversion"]["source"] for s in person["submissions"]] == [
        "facebook",
        "newsletter",
    ]
    assert_touch(person["submissions"][1]["conversion"], "newsletter", "email", "november")
    assert_touch(person["company"]["source"], "facebook", "paid_social", "retargeting")


def test_direct_revisit_keeps_latest_campaign(
    context: BrowserContext, service: Service, demo_site: Site, make_tenant
) -> None:
    tenant = make_tenant(demo_site)
    visit(context, f"{demo_site.url}/?{FACEBOOK}").close()
    # Typed the address a day later: no campaign, no referrer.
    page = visit(context, f"{demo_site.url}/contact.html")
    send_contact_form(page, "direct@example.com")
    person = service.person(tenant.api_key, "direct@example.com")
    assert_touch(person["first_touch"], "facebook", "paid_social", "retargeting")
    assert_touch(person["lead_creation"], "facebook", "paid_social", "retargeting")


def test_first_direct_visit_is_the_first_touch(
    context: BrowserContext, service: Service, demo_site: Site, make_tenant
) -> None:
    tenant = make_tenant(demo_site)
    visit(context, f"{demo_site.url}/about.html").close()
    page = visit(context, f"{demo_site.url}/contact.html?{LINKEDIN}")
    send_contact_form(page, "typed@example.com", company="")
    person = service.person(tenant.api_key, "typed@example.com")
    assert (person["first_touch"]["source"], person["first_touch"]["medium"]) == (
        "(direct)",
        "(none)",
    )
    assert_touch(person["lead_creation"], "linkedin", "paid_social", "webinar_sept")
    assert person["company"] is None


def test_hosted_form_by_direct_tagged_link(
    context: BrowserContext, service: Service, demo_site: Site, make_tenant
) -> None:
    # No thank-you URL: the hosted thank-you page answers.
    tenant = make_tenant(demo_site)
    service.cli("form", "update", tenant.tenant_id, tenant.form["form_id"], "--thank-you", "")
    page = visit(context, f"{tenant.form['hosted_url']}?{NEWSLETTER}")
    page.fill("input[name=email]", "hosted@example.com")
    page.fill("input[name=company]", "Hosted AS")
    page.click("button[type=submit]")
    page.wait_for_selector("#thanks")
    person = service.person(tenant.api_key, "hosted@example.com")
    for touch in (
        person["first_touch"],
        person["lead_creation"],
        person["submissions"][0]["conversion"],
        person["company"]["source"],
    ):
        assert_touch(touch, "newsletter", "email", "november")
    assert person["first_touch"]["landing_page"] == f"{tenant.form['hosted_url']}?{NEWSLETTER}"


def test_transfer_off_stores_no_campaign_data(
    context: BrowserContext, service: Service, demo_site: Site, make_tenant
) -> None:
    tenant = make_tenant(demo_site, utm_transfer="off")
    visit(context, f"{demo_site.url}/?{LINKEDIN}").close()
    page = visit(context, f"{demo_site.url}/contact.html?{FACEBOOK}")
    send_contact_form(page, "private@example.com")
    person = service.person(tenant.api_key, "private@example.com")
    assert person["first_name"] == "Ingrid"
    assert person["first_touch"] is None
    assert person["lead_creation"] is None
    assert person["submissions"][0]["conversion"] is None
    assert person["company"]["name"] == "Fjord Retail"
    assert person["company"]["source"] is None


def test_invalid_email_is_reshown_and_nothing_is_lost(
    context: BrowserContext, service: Service, demo_site: Site, make_tenant
) -> None:
    tenant = make_tenant(demo_site)
    page = visit(context, f"{demo_site.url}/contact.html?{FACEBOOK}")
    page.fill("input[name=email]", "ingrid-at-fjord")
    page.fill("input[name=first_name]", "Ingrid")
    # Browsers check type=email themselves; a visitor with an old browser would not be stopped.
    page.evaluate("document.querySelector('form.leadsource-form').noValidate = true")
    page.click("form.leadsource-form button[type=submit]")
    page.wait_for_selector("#form-errors")
    assert "valid email" in page.inner_text("#ls-email-error")
    assert page.input_value("input[name=first_name]") == "Ingrid"
    assert page.input_value("input[name=email]") == "ingrid-at-fjord"

    page.fill("input[name=email]", "ingrid@fjord.example")
    page.click("button[type=submit]")
    page.wait_for_selector("#page-thanks")
    person = service.person(tenant.api_key, "ingrid@fjord.example")
    assert person["first_name"] == "Ingrid"
    assert_touch(person["lead_creation"], "facebook", "paid_social", "retargeting")
