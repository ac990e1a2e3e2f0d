"""utm.js page views (the pageviews script option): a beacon per page view, also for
single-page navigation, stored by the service as page views in sessions, bot-filtered."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from .conftest import FULL, Service, Site, Watch, stored

LINKEDIN = "utm_source=linkedin&utm_medium=paid_social&utm_campaign=webinar_sept"
# A visitor's browser, as the service sees it: the headless default says "HeadlessChrome",
# which the service's bot filter drops.
DESKTOP_CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)


@pytest.fixture
def visitor(browser: Browser, watch: Watch) -> Iterator[BrowserContext]:
    """A person's browser: navigator.webdriver false and an ordinary user agent."""
    ctx = browser.new_context(user_agent=DESKTOP_CHROME)
    ctx.on("page", lambda page: page.on("pageerror", lambda exc: watch.errors.append(str(exc))))
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()
    assert watch.errors == [], f"script errors on the page: {watch.errors}"


def rows(service: Service, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(f"file:{service.db_path}?mode=ro", uri=True) as db:
        return db.execute(sql, params).fetchall()


def pageviews(service: Service, tenant_id: str, expected: int) -> list[tuple]:
    """The tenant's page views (url, visitor, session), once ``expected`` of them arrived:
    beacons are sent in the background."""
    deadline = time.monotonic() + 10
    while True:
        found = rows(
            service,
            "SELECT url, visitor_id, session_id FROM pageviews WHERE tenant_id = ? ORDER BY at",
            tenant_id,
        )
        if len(found) >= expected or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def beacons(page: Page) -> list[str]:
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.post_data or "") if "/collect" in r.url else None)
    return sent


def test_page_views_and_sessions(
    visitor: BrowserContext, service: Service, pages_site: Site, make_tenant
):
    tenant = make_tenant(pages_site, script_options=FULL)
    # Stored addresses keep campaign keys only, and the parameters the tenant lists.
    service.cli("tenant", "update", tenant.tenant_id, "--keep-param", "p")
    page = visitor.new_page()
    page.goto(f"{pages_site.url}/pageviews.html?{LINKEDIN}")
    page.click("#next")
    page.wait_for_url("**p=2")
    # A single-page app's navigation is a page view too; a reload of the same address on
    # the same page (replaceState to itself) is not.
    page.evaluate("history.pushState({}, '', '/pageviews.html?p=spa')")
    page.evaluate("history.replaceState(history.state, '', location.href)")
    page.evaluate("location.hash = 'section'")

    views = pageviews(service, tenant.tenant_id, 4)
    urls = [url.removeprefix(pages_site.url) for url, _, _ in views]
    assert urls == [
        f"/pageviews.html?{LINKEDIN}",
        "/pageviews.html?p=2",
        "/pageviews.html?p=spa",
        "/pageviews.html?p=spa#section",
    ]
    visitor_id = stored(page)["v"]
    assert {v for _, v, _ in views} == {visitor_id}
    # One visit: one session, its source the landing's campaign, four views.
    sessions = rows(
        service,
        "SELECT session_id, source, medium, campaign, views, is_new_visitor FROM sessions"
        " WHERE tenant_id = ?",
        tenant.tenant_id,
    )
    assert sessions == [(views[0][2], "linkedin", "paid_social", "webinar_sept", 4, 1)]
    assert {s for _, _, s in views} == {views[0][2]}

    # The same visitor's next visit, from another campaign: a new session, not a new visitor.
    page.goto(f"{pages_site.url}/pageviews.html?utm_source=newsletter&utm_medium=email")
    assert len(pageviews(service, tenant.tenant_id, 5)) == 5
    sessions = rows(
        service,
        "SELECT source, views, is_new_visitor FROM sessions WHERE tenant_id = ?"
        " ORDER BY started_at",
        tenant.tenant_id,
    )
    assert sessions == [("linkedin", 4, 1), ("newsletter", 1, 0)]


def test_no_page_views_without_the_option_or_on_a_page_that_switches_them_off(
    browser: Browser, service: Service, pages_site: Site, make_tenant
):
    without = make_tenant(pages_site, script_options=tuple(o for o in FULL if o != "pageviews"))
    ctx = browser.new_context(user_agent=DESKTOP_CHROME)
    page = ctx.new_page()
    sent = beacons(page)
    page.goto(f"{pages_site.url}/pageviews.html?{LINKEDIN}")
    page.goto(f"{pages_site.url}/page.html")
    assert stored(page)["h"][0]["utm_source"] == "linkedin"  # the script did run
    ctx.close()
    assert sent == []

    with_them = make_tenant(pages_site, script_options=FULL)
    ctx = browser.new_context(user_agent=DESKTOP_CHROME)
    page = ctx.new_page()
    sent = beacons(page)
    pages_site.context["attrs"] = 'data-pageviews="off"'
    page.goto(f"{pages_site.url}/page.html?{LINKEDIN}")
    pages_site.context["attrs"] = ""
    page.goto(f"{pages_site.url}/page.html")  # the control: every other page sends
    assert len(pageviews(service, with_them.tenant_id, 1)) == 1
    ctx.close()
    assert len(sent) == 1
    assert rows(service, "SELECT * FROM pageviews WHERE tenant_id = ?", without.tenant_id) == []


def test_bots_send_no_page_views_and_the_service_drops_headless_ones(
    bot_browser: Browser, browser: Browser, service: Service, pages_site: Site, make_tenant
):
    tenant = make_tenant(pages_site, script_options=FULL)
    # An automated browser (navigator.webdriver): the script sends nothing at all.
    ctx = bot_browser.new_context(user_agent=DESKTOP_CHROME)
    page = ctx.new_page()
    sent = beacons(page)
    page.goto(f"{pages_site.url}/pageviews.html?{LINKEDIN}")
    page.click("#next")
    page.wait_for_url("**p=2")
    ctx.close()
    assert sent == []

    # A headless browser that hides webdriver still says so in its user agent: the beacon
    # goes out and the service answers 204, but keeps nothing.
    ctx = browser.new_context()
    page = ctx.new_page()
    assert "HeadlessChrome" in page.evaluate("navigator.userAgent")
    with page.expect_response(lambda r: "/collect" in r.url) as answer:
        page.goto(f"{pages_site.url}/pageviews.html?{LINKEDIN}")
    assert answer.value.status == 204
    ctx.close()
    assert rows(service, "SELECT * FROM pageviews WHERE tenant_id = ?", tenant.tenant_id) == []
    assert rows(service, "SELECT * FROM sessions WHERE tenant_id = ?", tenant.tenant_id) == []
