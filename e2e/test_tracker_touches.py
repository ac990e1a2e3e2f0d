"""utm.js: reading campaign parameters, the three touch records, click ids, history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from playwright.sync_api import BrowserContext

from .conftest import FULL, Service, Site, fields, send_page_form, touches

LINKEDIN = "utm_source=linkedin&utm_medium=paid_social&utm_campaign=webinar_sept"
FACEBOOK = "utm_source=facebook&utm_medium=paid_social&utm_campaign=retargeting"
# Fixed clocks in the past, so the service accepts the times the script records.
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=200)


def test_parameters_are_read_as_sent(context: BrowserContext, pages_site: Site, make_tenant):
    make_tenant(pages_site, script_options=FULL)
    page = context.new_page()
    page.goto(
        f"{pages_site.url}/page.html?UTM_Source=News+Letter&utm_medium=e%2Bmail"
        "&utm_source=second&utm_term=%C3%A6%C3%B8%C3%A5&utm_content=%E0%A4%A"
        "#/pricing?utm_campaign=spring&utm_source=from-hash"
    )
    first = touches(page)["first"]
    # Keys are case-insensitive; + is a space, %2B a plus; the first occurrence wins, and
    # the query comes before the hash route.
    assert first["utm_source"] == "News Letter"
    assert first["utm_medium"] == "e+mail"
    assert first["utm_term"] == "æøå"
    # A malformed escape is decoded as browsers decode it (a replacement character), never
    # fatal.
    assert first["utm_content"] == "\ufffd%A"
    assert first["utm_campaign"] == "spring"
    assert first["landing_page"].startswith(f"{pages_site.url}/page.html?UTM_Source=News+Letter")


def test_parameters_after_the_hash(context: BrowserContext, pages_site: Site, make_tenant):
    make_tenant(pages_site, script_options=FULL)
    page = context.new_page()
    page.goto(f"{pages_site.url}/page.html#utm_source=hash&utm_medium=anchor&gclid=G1")
    first = touches(page)["first"]
    assert (first["utm_source"], first["utm_medium"], first["gclid"]) == ("hash", "anchor", "G1")


def test_values_and_keys_are_bounded(context: BrowserContext, pages_site: Site, make_tenant):
    make_tenant(pages_site, script_options=FULL)
    page = context.new_page()
    junk = "&".join(f"x{i}=1" for i in range(300))
    page.goto(f"{pages_site.url}/page.html?utm_source={'s' * 1000}&utm_id=42&{junk}")
    first = touches(page)["first"]
    assert first["utm_source"] == "s" * 200
    assert first["utm_id"] == "42"
    assert set(first) == {"utm_source", "utm_id", "landing_page", "at"}
    assert len(first["landing_page"]) == 500


def test_three_touch_records_and_history(
    context: BrowserContext, service: Service, pages_site: Site, make_tenant
):
    tenant = make_tenant(pages_site, script_options=FULL)
    page = context.new_page()
    context.clock.set_fixed_time(T0)
    page.goto(f"{pages_site.url}/page.html?{LINKEDIN}")
    # Two hours later, typed in: a new visit, direct.
    context.clock.set_fixed_time(T0 + timedelta(hours=2))
    page.goto(f"{pages_site.url}/page.html")
    # A click within the site, and a reload: no new touch.
    context.clock.set_fixed_time(T0 + timedelta(hours=2, minutes=5))
    page.click("#internal")
    page.reload()
    state = touches(page)
    assert state["first"]["utm_source"] == "linkedin"
    assert "utm_source" not in state["latest"]  # the direct visit
    assert state["lastNonDirect"]["utm_source"] == "linkedin"
    assert len(state["history"]) == 2

    # Within the same visit a new campaign is a new touch; reloading it is not.
    context.clock.set_fixed_time(T0 + timedelta(hours=2, minutes=10))
    page.goto(f"{pages_site.url}/page.html?{FACEBOOK}")
    page.reload()
    # A search engine brings them back the next day.
    context.clock.set_fixed_time(T0 + timedelta(days=1))
    page.goto(f"{pages_site.url}/page.html", referer="https://www.google.com/")
    state = touches(page)
    assert [t.get("utm_source") for t in state["history"]] == ["linkedin", None, "facebook", None]
    assert state["latest"]["referrer"] == "https://www.google.com/"
    assert state["lastNonDirect"] == state["latest"]
    assert state["first"]["at"] == T0.isoformat().replace("+00:00", ".000Z")

    # The whole history travels with the submission.
    context.clock.set_fixed_time(T0 + timedelta(days=1, minutes=3))
    send_page_form(page, "path@example.com")
    person = service.person(tenant.api_key, "path@example.com")
    assert person["first_touch"]["source"] == "linkedin"
    assert person["lead_creation"]["source"] == "google"
    assert [t["source"] for t in person["submissions"][0]["touches"]] == [
        "linkedin",
        "(direct)",
        "facebook",
        "google",
    ]


def test_internal_and_subdomain_referrers_are_not_touches(
    context: BrowserContext, pages_site: Site, make_tenant
):
    make_tenant(pages_site, script_options=FULL, any_origin=True)
    page = context.new_page()
    page.goto(f"{pages_site.at('www.site.test')}/page.html?{LINKEDIN}")
    page.goto(
        f"{pages_site.at('shop.site.test')}/page.html",
        referer=f"{pages_site.at('www.site.test')}/page.html",
    )
    state = touches(page)
    assert [t.get("utm_source") for t in state["history"]] == ["linkedin"]
    assert "referrer" not in state["latest"]


def test_click_ids(context: BrowserContext, pages_site: Site, make_tenant):
    make_tenant(pages_site, script_options=FULL)
    page = context.new_page()
    context.clock.set_fixed_time(T0)
    page.goto(f"{pages_site.url}/page.html?wbraid=W&gbraid=B&gclid=G&fbclid=F&msclkid=M")
    sent = fields(page)["ls_first_touch"]
    # Of Google's three only gclid is sent; the others travel as they came.
    assert {k: v for k, v in sent.items() if k not in ("landing_page", "at")} == {
        "gclid": "G",
        "fbclid": "F",
        "msclkid": "M",
    }
    # Kept with their time: after the default 90 days they are no longer sent.
    context.clock.set_fixed_time(T0 + timedelta(days=89))
    page.reload()
    assert fields(page)["ls_first_touch"]["gclid"] == "G"
    context.clock.set_fixed_time(T0 + timedelta(days=91))
    page.reload()
    assert not {"gclid", "fbclid", "msclkid"} & set(fields(page)["ls_first_touch"])
    assert touches(page)["history"][0]["landing_page"].endswith("msclkid=M")


def test_gbraid_without_gclid(context: BrowserContext, pages_site: Site, make_tenant):
    make_tenant(pages_site, script_options=FULL)
    page = context.new_page()
    page.goto(f"{pages_site.url}/page.html?wbraid=W&gbraid=B")
    assert fields(page)["ls_first_touch"]["gbraid"] == "B"
    assert "wbraid" not in fields(page)["ls_first_touch"]


def test_click_id_window_is_configurable(context: BrowserContext, pages_site: Site, make_tenant):
    make_tenant(pages_site, script_options=FULL)
    pages_site.context["attrs"] = 'data-click-days="7"'
    page = context.new_page()
    context.clock.set_fixed_time(T0)
    page.goto(f"{pages_site.url}/page.html?gclid=G&utm_source=google")
    context.clock.set_fixed_time(T0 + timedelta(days=8))
    page.reload()
    sent = fields(page)["ls_first_touch"]
    assert "gclid" not in sent
    assert sent["utm_source"] == "google"


def test_hostile_values_stay_data(context: BrowserContext, pages_site: Site, make_tenant):
    make_tenant(pages_site, script_options=FULL)
    page = context.new_page()
    hostile = '"><img src=x onerror="alert(1)">'
    page.goto(f"{pages_site.url}/page.html?utm_source={quote(hostile)}&utm_campaign=%3Cscript%3E")
    assert touches(page)["first"]["utm_source"] == hostile
    assert page.evaluate("document.images.length") == 0
