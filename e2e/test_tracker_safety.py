"""utm.js never breaks the host page: prototype pollution either way, storage that throws,
and the debug helper for the "test and verify" step."""

from __future__ import annotations

from playwright.sync_api import BrowserContext, ConsoleMessage

from .conftest import (
    EVERYTHING,
    FULL,
    HIDDEN_FIELDS,
    NO_LOCAL_STORAGE,
    Service,
    Site,
    fields,
    send_page_form,
    stored,
    touches,
)

LINKEDIN = "utm_source=linkedin&utm_medium=paid_social&utm_campaign=webinar_sept"


def test_no_prototype_pollution_from_the_address(
    context: BrowserContext, pages_site: Site, make_tenant
):
    make_tenant(pages_site, script_options=FULL)
    page = context.new_page()
    page.goto(
        f"{pages_site.url}/page.html?__proto__[polluted]=1&__proto__=x&constructor[prototype]"
        "[polluted]=1&constructor=y&utm_source=ok#__proto__[polluted]=1"
    )
    assert page.evaluate("({}).polluted") is None
    assert page.evaluate("Object.prototype.constructor === Object")
    assert touches(page)["first"]["utm_source"] == "ok"
    # Nor from touches handed over in a decorated link.
    page.goto(
        f"{pages_site.url}/page.html?_ls="
        '[{"__proto__":{"polluted":1},"0":"x","21":"2026-01-01T00:00:00Z",'
        '"constructor":{"prototype":{"polluted":3}}},{"__proto__":{"polluted":2}}]'
    )
    assert page.evaluate("({}).polluted") is None
    assert touches(page)["first"]["utm_source"] == "x"
    assert "_ls" not in page.url


def test_a_polluted_page_changes_nothing(
    context: BrowserContext, service: Service, pages_site: Site, make_tenant
):
    tenant = make_tenant(pages_site, script_options=FULL)
    page = context.new_page()
    page.goto(f"{pages_site.url}/polluted.html?utm_medium=email")
    state = touches(page)
    assert len(state["history"]) == 1
    assert "utm_source" not in state["first"]
    assert state["stored"] is True
    sent = fields(page)
    assert sent["ls_first_touch"]["utm_medium"] == "email"
    page.evaluate("Leadsource.fill(document.querySelector('form'))")
    hidden = page.evaluate(
        "[...document.querySelectorAll('form input[type=hidden]')].map(i => i.name).sort()"
    )
    assert hidden == HIDDEN_FIELDS
    send_page_form(page, "polluted@example.com")
    person = service.person(tenant.api_key, "polluted@example.com")
    assert (person["first_touch"]["source"], person["first_touch"]["medium"]) == (
        "(not set)",
        "email",
    )


def test_storage_that_throws_everywhere(
    context: BrowserContext, service: Service, pages_site: Site, make_tenant
):
    tenant = make_tenant(pages_site, script_options=FULL)
    context.add_init_script(NO_LOCAL_STORAGE)
    context.add_init_script(
        "Object.defineProperty(Document.prototype, 'cookie', {configurable: true,"
        " get() { throw new DOMException('no', 'SecurityError'); },"
        " set(v) { throw new DOMException('no', 'SecurityError'); }});"
    )
    page = context.new_page()
    page.goto(f"{pages_site.url}/page.html?{LINKEDIN}")
    # Nothing persists, but this page's form still carries its campaign.
    send_page_form(page, "blocked@example.com")
    person = service.person(tenant.api_key, "blocked@example.com")
    assert person["first_touch"]["source"] == "linkedin"


def test_corrupt_storage_is_ignored(context: BrowserContext, pages_site: Site, make_tenant):
    make_tenant(pages_site, script_options=FULL)
    page = context.new_page()
    page.goto(f"{pages_site.url}/page.html")
    junk_values = (
        '{"h": 5, "s": "x"}',
        "not json",
        '[5, {}, "x"]',
        '[[null, 1, "a", [1, 2], ["x", null], {"at": "bad"}], 3, {"0": 1}]',
    )
    for junk in junk_values:
        page.evaluate("junk => localStorage.setItem('leadsource', junk)", junk)
        page.goto(f"{pages_site.url}/page.html?utm_source=after")
        assert touches(page)["lastNonDirect"]["utm_source"] == "after"
    assert stored(page)["h"][-1]["utm_source"] == "after"


def debug_messages(context: BrowserContext, url: str) -> list[str]:
    messages: list[str] = []
    page = context.new_page()

    def on_console(message: ConsoleMessage) -> None:
        messages.append(message.text)

    page.on("console", on_console)
    page.goto(url)
    page.wait_for_function("() => true")
    page.wait_for_timeout(300)  # the helper is a second script, loaded after this one
    return messages


def test_debug_mode_reports_what_it_captured_and_why_anything_is_missing(
    context: BrowserContext, pages_site: Site, make_tenant
):
    make_tenant(pages_site, script_options=FULL, utm_transfer="off")
    text = "\n".join(
        debug_messages(
            context, f"{pages_site.url}/page.html?{LINKEDIN}&utm_souce=typo&leadsource_debug=1"
        )
    )
    assert "first touch" in text
    assert "linkedin" in text
    assert 'did you mean "utm_source"' in text
    assert "UTM data transfer is off" in text


def test_debug_mode_by_attribute_and_no_debug_otherwise(
    context: BrowserContext, pages_site: Site, make_tenant
):
    make_tenant(pages_site, script_options=FULL)
    quiet = debug_messages(context, f"{pages_site.url}/page.html?{LINKEDIN}")
    assert not [m for m in quiet if "leadsource" in m]
    pages_site.context["attrs"] += " data-debug"
    text = "\n".join(debug_messages(context, f"{pages_site.url}/consent.html?{LINKEDIN}"))
    # A tag asking for consent, served a script without consent mode.
    assert "no consent mode, so consent can never be given" in text
    assert "these options: pageviews, inputs, crossdomain, api" in text
    make_tenant(pages_site, script_options=EVERYTHING)
    pages_site.context["attrs"] += " data-debug"
    text = "\n".join(debug_messages(context, f"{pages_site.url}/consent.html?{LINKEDIN}"))
    assert "Leadsource.consent(true) has not been called" in text


def test_debug_mode_without_the_api_reads_storage_and_names_missing_options(
    context: BrowserContext, pages_site: Site, make_tenant
):
    """The default script has no API: the helper reads the stored touches itself, and tells
    a site with inputs to fill by name that the script it is served does not fill them."""
    make_tenant(pages_site)
    context.new_page().goto(f"{pages_site.url}/page.html?{LINKEDIN}")
    text = "\n".join(
        debug_messages(context, f"{pages_site.url}/inputs.html?utm_source=news&leadsource_debug=1")
    )
    assert "no options (the default script)" in text
    assert "first touch {utm_source: linkedin" in text
    assert "latest non-direct touch {utm_source: news" in text
    assert 'turn on the "inputs" script option' in text
