"""Each variant of utm.js in Chromium: the default, each option alone, and all of them. A
variant does everything the core does (touches, storage, our forms, single-page apps, debug
mode) and shows the effects of exactly its own options: no beacon without page views, no
`Leadsource` methods without the API, nothing filled by name without inputs, and so on."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from .conftest import EVERYTHING, Service, Site, parse_fields, stored, stored_cookie

LINKEDIN = "utm_source=linkedin&utm_medium=paid_social&utm_campaign=webinar_sept"
# The service drops page views from a user agent that says HeadlessChrome.
DESKTOP_CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)
VARIANTS = [(), *((option,) for option in EVERYTHING), EVERYTHING]


def open_page(page: Page, url: str, *, beacon: bool) -> None:
    """Open ``url`` and wait for its load event and, where one is due, its page-view beacon."""
    if beacon:
        with page.expect_request(lambda r: "/collect" in r.url):
            page.goto(url)
    else:
        page.goto(url)
    page.wait_for_load_state("load")


def effects(page: Page, site: Site, requests: list[str]) -> dict[str, Any]:
    """What each optional part would have done on variants.html, looked at from outside."""
    hosted_src = page.get_attribute("#hosted", "src") or ""
    page.dispatch_event("#shop", "mousedown")
    return {
        "pageviews": any("/collect" in url for url in requests),
        "consent": page.evaluate("typeof Leadsource.consent") == "function",
        "inputs": page.input_value("#crm input[name=utm_source]") == "linkedin",
        "crossdomain": "_ls=" in hosted_src and "_ls=" in (page.get_attribute("#shop", "href")),
        "api": page.evaluate("typeof Leadsource.touches + typeof Leadsource.fill")
        == "functionfunction",
    }


@pytest.mark.parametrize("options", VARIANTS, ids=lambda o: "+".join(o) or "default")
def test_a_variant_does_the_core_and_only_its_own_parts(
    options: tuple[str, ...],
    browser: Browser,
    service: Service,
    pages_site: Site,
    make_tenant,
) -> None:
    tenant = make_tenant(pages_site, script_options=options)
    context = browser.new_context(user_agent=DESKTOP_CHROME)
    errors: list[str] = []
    context.on("page", lambda p: p.on("pageerror", lambda exc: errors.append(str(exc))))
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    # In consent mode the page's view waits for consent, as storage does.
    beacon_now = "pageviews" in options and "consent" not in options
    open_page(page, f"{pages_site.url}/variants.html?{LINKEDIN}", beacon=beacon_now)
    if "consent" in options:
        assert stored(page) is None and stored_cookie(context) is None
        assert not any("/collect" in url for url in requests)
        if "pageviews" in options:
            with page.expect_request(lambda r: "/collect" in r.url):
                page.evaluate("Leadsource.consent(true)")
        else:
            page.evaluate("Leadsource.consent(true)")

    # Only the variant's own parts act on the page.
    seen = effects(page, pages_site, requests)
    assert seen == {option: option in options for option in EVERYTHING}
    assert page.evaluate("typeof window.Leadsource") == "object"  # always: the second-copy guard

    # Storage, with the landing's campaign.
    assert [t.get("utm_source") for t in stored(page)["h"]] == ["linkedin"]
    assert stored_cookie(context)["h"][0]["utm_source"] == "linkedin"

    # A single-page app's navigation to a new campaign is a new touch, in every variant.
    page.evaluate("history.pushState({}, '', '?utm_source=facebook&utm_medium=paid_social')")
    page.wait_for_function("localStorage.getItem('leadsource').includes('facebook')")
    assert [t.get("utm_source") for t in stored(page)["h"]] == ["linkedin", "facebook"]

    # Our form gets the hidden fields (the storage format), and the submission stores the
    # first touch and the lead creation.
    email = f"{'-'.join(options) or 'default'}@variants.example"
    page.fill("form[action*='/forms/'] input[name=email]", email)
    with page.expect_navigation():
        page.click("form[action*='/forms/'] button[type=submit]")
    person = service.person(tenant.api_key, email)
    assert person["first_touch"]["source"] == "linkedin"
    assert person["lead_creation"]["source"] == "facebook"

    # Debug mode loads the helper in every variant.
    with page.expect_request(lambda r: r.url.endswith("/utm-debug.js")):
        page.goto(f"{pages_site.url}/page.html?leadsource_debug=1")
    context.close()
    assert errors == []


def test_each_part_can_be_switched_off_on_one_page(
    browser: Browser, pages_site: Site, make_tenant
) -> None:
    """In the variant with every option, data-<part>="off" on one page's tag leaves that page
    as the variant without the part would."""
    make_tenant(pages_site, script_options=EVERYTHING)
    for part in EVERYTHING:
        pages_site.context["attrs"] = f'data-{part}="off"'
        context = browser.new_context(user_agent=DESKTOP_CHROME)
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda request, sink=requests: sink.append(request.url))
        # Consent mode holds storage, and with it the beacon, until the page gives consent.
        open_page(page, f"{pages_site.url}/variants.html?{LINKEDIN}", beacon=part == "consent")
        waited = stored(page) is None
        if part == "pageviews":
            page.evaluate("Leadsource.consent(true)")
        elif part != "consent":
            with page.expect_request(lambda r: "/collect" in r.url):  # the page's view
                page.evaluate("Leadsource.consent(true)")
        seen = effects(page, pages_site, requests)
        context.close()
        # The consent method stays (a banner's call is no error); the page just does not wait.
        expected = {option: option != part for option in EVERYTHING}
        expected["consent"] = True
        assert seen == expected, part
        assert waited == (part != "consent"), part


def test_hidden_fields_are_sent_in_the_storage_format(
    browser: Browser, pages_site: Site, make_tenant
) -> None:
    make_tenant(pages_site, script_options=("api",))
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{pages_site.url}/page.html?{LINKEDIN}&gclid=G1")
    raw = page.evaluate("Leadsource.fill()")
    context.close()
    assert raw["ls_first_touch"].startswith('["linkedin","paid_social","webinar_sept",null')
    sent = parse_fields(raw)
    assert sent["ls_first_touch"]["gclid"] == "G1"
    assert sent["ls_touches"] == [sent["ls_first_touch"]]
    assert sent["ls_latest_touch"] == sent["ls_first_touch"]


def test_the_visitor_id_is_sent_only_with_page_views(
    browser: Browser, pages_site: Site, make_tenant
) -> None:
    """With page views on, a form carries the visitor id that ties the lead to its sessions;
    without them there are no sessions, so no id leaves the browser."""
    for options, sends_id in ((("api",), False), (("pageviews", "api"), True)):
        make_tenant(pages_site, script_options=options)
        context = browser.new_context(user_agent=DESKTOP_CHROME)
        page = context.new_page()
        page.goto(f"{pages_site.url}/page.html?{LINKEDIN}")
        raw = page.evaluate("Leadsource.fill()")
        visitor = stored(page)["v"]
        context.close()
        if sends_id:
            assert raw["ls_visitor_id"] == visitor and len(visitor) >= 16
        else:
            assert "ls_visitor_id" not in raw
