"""utm.js and forms of every kind: sent by script, third-party handlers with their own
inputs, forms in iframes, links to the site's other domains, single-page apps, the API."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import BrowserContext

from .conftest import (
    FULL,
    HIDDEN_FIELDS,
    Service,
    Site,
    fields,
    open_unfinished,
    parse_fields,
    send_by_script,
    stored_cookie,
    touches,
)

LINKEDIN = "utm_source=linkedin&utm_medium=paid_social&utm_campaign=webinar_sept"


def test_form_sent_with_new_formdata_and_no_submit_event(
    context: BrowserContext, service: Service, pages_site: Site, make_tenant
):
    tenant = make_tenant(pages_site, script_options=FULL)
    page = context.new_page()
    page.goto(f"{pages_site.url}/formdata.html?{LINKEDIN}")
    page.fill("input[name=email]", "formdata@example.com")
    status, submission_id = send_by_script(page, "#send")
    assert status == "201"
    person = service.person(tenant.api_key, "formdata@example.com")
    assert person["first_touch"]["source"] == "linkedin"
    assert person["submissions"][0]["id"] == submission_id
    # Sending again from the same form keeps its id: the retry is stored once.
    assert send_by_script(page, "#send") == ("201", submission_id)
    assert len(service.person(tenant.api_key, "formdata@example.com")["submissions"]) == 1


def test_inputs_the_customer_placed_are_filled_by_name(
    context: BrowserContext, pages_site: Site, make_tenant
):
    make_tenant(pages_site, script_options=FULL)
    page = context.new_page()
    page.goto(f"{pages_site.url}/page.html?{LINKEDIN}")
    page.goto(
        f"{pages_site.url}/inputs.html?utm_source=news&utm_campaign=nov&gclid=G7",
        referer="https://partner.example/post",
    )

    def value(name: str, form: str = "#crm") -> str:
        return page.input_value(f"{form} input[name={name}]")

    assert value("utm_source") == "news"
    assert value("utm_campaign") == "nov"
    assert value("gclid") == "G7"
    assert value("referrer") == "https://partner.example/post"
    assert value("first_utm_source") == "linkedin"
    assert value("first_landing_page") == f"{pages_site.url}/page.html?{LINKEDIN}"
    assert json.loads(value("ls_first_touch"))[0] == "linkedin"  # the storage format
    assert value("utm_medium") == "set-by-the-page"  # never overwritten
    assert value("email") == ""

    # A form added later is filled too; a new campaign in a single-page app refreshes what
    # the script put in, and still leaves the page's own value alone.
    page.click("#add")
    assert value("utm_source", "#late-form") == "news"
    page.evaluate("history.pushState({}, '', '?utm_source=spa&utm_medium=app')")
    assert value("utm_source") == "spa"
    assert value("utm_medium") == "set-by-the-page"


def test_iframed_forms(context: BrowserContext, service: Service, pages_site: Site, make_tenant):
    tenant = make_tenant(pages_site, script_options=FULL)
    page = context.new_page()
    page.goto(f"{pages_site.url}/page.html?{LINKEDIN}")
    page.goto(f"{pages_site.url}/iframes.html?utm_source=newsletter&utm_medium=email")

    def query(frame: str) -> dict[str, list[str]]:
        return parse_qs(urlsplit(page.get_attribute(frame, "src")).query)

    hosted = query("#hosted")
    assert hosted["utm_source"] == ["newsletter"]
    # _ls: the first and latest non-direct touches, as utm.js stores them (utm_source first).
    first, latest = json.loads(hosted["_ls"][0])
    assert (first[0], latest[0]) == ("linkedin", "newsletter")
    listed = query("#listed")
    assert listed["form"] == ["7"]
    assert listed["utm_medium"] == ["email"]
    assert page.get_attribute("#video", "src").endswith("/thanks.html")

    # The hosted form in the iframe records the first touch the site's script handed over.
    frame = page.frame_locator("#hosted")
    frame.locator("input[name=email]").fill("iframe@example.com")
    frame.locator("button[type=submit]").click()
    frame.locator("#page-thanks").wait_for()
    person = service.person(tenant.api_key, "iframe@example.com")
    assert person["first_touch"]["source"] == "linkedin"
    assert person["lead_creation"]["source"] == "newsletter"


def test_an_iframe_is_decorated_as_soon_as_the_parser_adds_it(
    context: BrowserContext, pages_site: Site, make_tenant
):
    # The rest of utm.js's work waits for the document to be parsed; an iframed form must
    # not: it would load, and be reloaded (losing what the visitor typed) when the page ends.
    make_tenant(pages_site, script_options=FULL)
    page = context.new_page()
    open_unfinished(
        page,
        f"{pages_site.url}/iframe-slow.html?utm_source=newsletter",
        "document.getElementById('hosted')?.src.includes('_ls=')",
    )
    assert page.evaluate("document.readyState") == "loading"


def test_links_to_listed_domains_carry_the_touches(
    context: BrowserContext, pages_site: Site, make_tenant
):
    make_tenant(pages_site, script_options=FULL, any_origin=True)
    page = context.new_page()
    page.goto(f"{pages_site.at('www.site.test')}/decorate.html?{LINKEDIN}")
    page.hover("#elsewhere")
    page.mouse.down()
    page.mouse.up()
    page.wait_for_url("**/www.unrelated.test*/**")
    assert "_ls" not in page.url
    page.go_back()
    page.click("#shop")
    page.wait_for_url("**/www.other.test*/**")
    # The other domain's script took the touches and removed them from the address.
    assert page.url == f"{pages_site.at('www.other.test')}/page.html?from=site"
    state = touches(page)
    assert state["first"]["utm_source"] == "linkedin"
    assert state["lastNonDirect"]["utm_campaign"] == "webinar_sept"
    assert len(state["history"]) == 1


def test_single_page_app_navigation(context: BrowserContext, pages_site: Site, make_tenant):
    make_tenant(pages_site, script_options=FULL)
    page = context.new_page()
    page.goto(f"{pages_site.url}/spa.html")
    page.evaluate("go('pushState', '?utm_source=spa&utm_medium=app')")
    assert touches(page)["lastNonDirect"]["utm_source"] == "spa"
    # The same campaign again (a router tidying the address) is no new touch.
    page.evaluate("go('replaceState', '?utm_source=spa&utm_medium=app&tab=2')")
    page.evaluate("go('hash', 'utm_campaign=hashnav')")
    page.wait_for_function("Leadsource.touches().history.length === 3")
    assert touches(page)["latest"]["utm_campaign"] == "hashnav"
    page.go_back()  # popstate
    page.wait_for_function("Leadsource.touches().history.length === 4")
    state = touches(page)
    assert [t.get("utm_campaign") for t in state["history"]] == [None, None, "hashnav", None]
    assert state["latest"]["landing_page"].endswith("?utm_source=spa&utm_medium=app&tab=2")


def test_the_landing_is_kept_from_a_router_that_tidies_the_address_at_once(
    context: BrowserContext, pages_site: Site, make_tenant
):
    # utm.js defers its storage work past the parser, but takes the address while still in
    # <head>; the API, asked at once, does the deferred work first.
    make_tenant(pages_site, script_options=FULL)
    page = context.new_page()
    page.goto(f"{pages_site.url}/router.html?{LINKEDIN}")
    assert page.evaluate("location.search") == ""
    assert page.evaluate("early.first.utm_source") == "linkedin"
    state = touches(page)
    assert state["first"]["landing_page"] == f"{pages_site.url}/router.html?{LINKEDIN}"
    assert len(state["history"]) == 1  # the tidied address is the same visit, not a touch
    assert stored_cookie(context)["h"][0]["utm_source"] == "linkedin"


def test_api_fills_forms_and_form_data(context: BrowserContext, pages_site: Site, make_tenant):
    make_tenant(pages_site, script_options=FULL)
    page = context.new_page()
    page.goto(f"{pages_site.url}/page.html?{LINKEDIN}")
    from_form_data = page.evaluate("Object.fromEntries(Leadsource.fill(new FormData()).entries())")
    from_params = page.evaluate("Object.fromEntries(Leadsource.fill(new URLSearchParams()))")
    plain = fields(page)
    for got in (from_form_data, from_params):
        # (FULL has page views, so the visitor id that ties a lead to its sessions comes too.)
        assert set(got) == {
            *("ls_submission_id", "ls_first_touch", "ls_latest_touch", "ls_touches"),
            "ls_visitor_id",
        }
        assert parse_fields(got)["ls_first_touch"] == plain["ls_first_touch"]
    assert plain["ls_first_touch"]["utm_source"] == "linkedin"
    # Each fill is a new submission.
    assert from_form_data["ls_submission_id"] != from_params["ls_submission_id"]
    page.evaluate("Leadsource.fill(document.querySelector('form'))")
    hidden = page.evaluate(
        "[...document.querySelectorAll('form input[type=hidden]')].map(i => i.name).sort()"
    )
    assert hidden == HIDDEN_FIELDS
    # Nonsense handed to the API is no error on the page (the context checks for errors).
    assert page.evaluate("Leadsource.fill(42)") == 42
    assert page.evaluate("Leadsource.fill(null)") is None


def test_loading_twice_adds_nothing_twice(
    context: BrowserContext, service: Service, pages_site: Site, make_tenant
):
    tenant = make_tenant(pages_site, script_options=FULL)
    page = context.new_page()
    page.goto(f"{pages_site.url}/globals.html?{LINKEDIN}")
    added = page.evaluate(
        "Object.getOwnPropertyNames(window)"
        ".filter(n => n !== '__before' && !window.__before.includes(n))"
    )
    assert added == ["Leadsource"]
    assert len(touches(page)["history"]) == 1
    page.fill("input[name=email]", "twice@example.com")
    page.evaluate(
        "document.querySelector('form').addEventListener('submit', e => e.preventDefault())"
    )
    page.click("form button[type=submit]")
    names = page.evaluate(
        "[...document.querySelectorAll('form input[type=hidden]')].map(i => i.name).sort()"
    )
    assert names == HIDDEN_FIELDS
    assert service.persons(tenant.api_key, "twice@example.com") == []
    assert pages_site.context["script_tag"] == tenant.form["script_tag"]  # as pasted
