"""The security suite: hostile values in every field a visitor (or a customer's admin)
controls, sent through the real service, then shown through every HTML view of it and the
JSON API in Chromium, with a detector that names the payload and field of any script that
runs. The browser ignores our Content-Security-Policy here (``bypass_csp``), so what is
proven is the escaping itself; the CSP is a second wall, not the one under test.

Each payload carries an id, ``<variant>:<field>``; every one must also come back intact
(stored as sent, escaped only where shown). The Host and Origin cases run against the real
uvicorn too; the rate limits have their own suite (tests/test_limits.py).
"""

from __future__ import annotations

import http.client
import json
import sqlite3
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import BrowserContext

from ingest.domain.touch import CLICK_IDS, UTM_KEYS

from .conftest import Service, Site
from .hostile import (
    CHROME,
    VARIANTS,
    Detector,
    payload,
    post_natively,
    script_touch,
)

VISIBLE = ("first_name", "last_name", "company", "note")


@dataclass
class Target:
    tenant_id: str
    api_key: str
    form: dict[str, Any]
    variant: str


def _target(service: Service, variant: str, tag: str) -> Target:
    tenant_id = f"sec-{variant}-{tag}"
    created = service.cli("tenant", "create", tenant_id, "--script-options", "none")
    # The form's name and the custom field's label are the customer's own text: shown too.
    form = service.cli(
        "form",
        "create",
        tenant_id,
        "--name",
        payload(variant, "form_name"),
        "--field",
        f"note:{payload(variant, 'field_label')[:90]}",
        "--publish",
    )
    return Target(tenant_id, created["api_key"], form, variant)


def _persons(service: Service, target: Target, email: str) -> list[dict[str, Any]]:
    return service.persons(target.api_key, email)


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_hosted_form_thanks_and_api(
    hostile: tuple[BrowserContext, Detector], service: Service, variant: str
) -> None:
    context, detector = hostile
    target = _target(service, variant, "hosted")
    campaign = {key: payload(variant, key) for key in (*UTM_KEYS, *CLICK_IDS)}
    handed = json.dumps([script_touch(variant, "_ls.first"), script_touch(variant, "_ls.latest")])
    query = urllib.parse.urlencode({**campaign, "_ls": handed})
    referrer = "https://ref.example/?utm_term=" + urllib.parse.quote(
        payload(variant, "referrer"), safe=""
    )

    # The hosted form, reached by a hostile link from a hostile page.
    page = context.new_page()
    page.goto(f"{target.form['hosted_url']}?{query}", referer=referrer)
    detector.check(page, "hosted form")
    assert page.inner_text("h1") == payload(variant, "form_name")
    for key, value in campaign.items():
        assert page.input_value(f"input[name={key}]") == value, key
    handed_first = json.loads(page.input_value("input[name=ls_first_touch]"))
    assert handed_first["utm_source"] == payload(variant, "_ls.first.utm_source")

    # The visitor's own answers, hostile too; then the thank-you page.
    email = f"{variant}@hosted.example"
    page.fill("input[name=email]", email)
    for name in VISIBLE:
        page.fill(f"input[name={name}]", payload(variant, name))
    page.click("button[type=submit]")
    page.wait_for_selector("#thanks")
    detector.check(page, "thank-you page")

    # The API gives every value back intact, as JSON that a browser shows as text.
    (card,) = _persons(service, target, email)
    for name in ("first_name", "last_name"):
        assert card[name] == payload(variant, name), name
    # Company names are matched and stored with runs of white space made one space.
    assert card["company"]["name"] == " ".join(payload(variant, "company").split())
    first = card["first_touch"]
    assert first["source"] == payload(variant, "_ls.first.utm_source")
    assert first["click_ids"]["gclid"] == payload(variant, "_ls.first.gclid")
    conversion = card["submissions"][0]["conversion"]
    assert conversion["campaign"] == payload(variant, "_ls.latest.utm_campaign")
    assert urllib.parse.unquote(first["landing_page"]).endswith(
        payload(variant, "_ls.first.landing_page")
    )
    _check_api_page(context, detector, service, target, card["id"])
    stored = _submission_fields(service, target)
    assert stored["note"] == payload(variant, "note")


def _check_api_page(
    context: BrowserContext, detector: Detector, service: Service, target: Target, person_id: str
) -> None:
    page = context.new_page()
    page.set_extra_http_headers({"Authorization": f"Bearer {target.api_key}"})
    response = page.goto(f"{service.url}/api/v1/persons/{person_id}")
    assert response is not None and response.status == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    detector.check(page, "JSON API in the browser")
    page.close()


def _submission_fields(service: Service, target: Target) -> dict[str, str]:
    with sqlite3.connect(service.db_path) as conn:
        rows = conn.execute(
            "SELECT fields FROM submissions WHERE tenant_id = ? ORDER BY submitted_at",
            (target.tenant_id,),
        ).fetchall()
    return json.loads(rows[-1][0])


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_error_pages_that_show_the_form_again(
    hostile: tuple[BrowserContext, Detector], service: Service, variant: str
) -> None:
    context, detector = hostile
    target = _target(service, variant, "errors")
    action = target.form["hosted_url"]
    sent = {
        **{name: payload(variant, name) for name in VISIBLE},
        **{key: payload(variant, key) for key in (*UTM_KEYS, *CLICK_IDS)},
        "extra_field": payload(variant, "extra_field"),
        "ls_first_touch": json.dumps(script_touch(variant, "ls_first_touch")),
        "ls_latest_touch": json.dumps({"utm_source": payload(variant, "ls_latest_touch")}),
        "ls_touches": json.dumps([script_touch(variant, "ls_touches")]),
        "ls_landing_page": "https://site.example/?utm_id="
        + urllib.parse.quote(payload(variant, "ls_landing_page"), safe=""),
        "ls_referrer": "https://ref.example/?utm_id="
        + urllib.parse.quote(payload(variant, "ls_referrer"), safe=""),
    }
    page = context.new_page()

    # 422: an email that is not one (and hostile), everything else kept in the page.
    bad_email = payload(variant, "email").replace("@", "")
    post_natively(page, action, {**sent, "email": bad_email, "ls_submission_id": "sec-422-id"})
    detector.check(page, "422 form")
    assert page.input_value("input[name=email]") == bad_email
    for name in VISIBLE:
        assert page.input_value(f"input[name={name}]") == payload(variant, name), name
    for name in ("utm_source", "gclid", "ls_first_touch", "ls_touches", "ls_referrer"):
        assert page.input_value(f"input[name={name}]") == sent[name], name

    # 409: the same submission id with other content, the form again with a new id.
    email = f"{variant}@errors.example"
    post_natively(page, action, {**sent, "email": email, "ls_submission_id": "sec-409-id"})
    detector.check(page, "thank-you page")
    post_natively(
        page, action, {**sent, "email": "other-" + email, "ls_submission_id": "sec-409-id"}
    )
    detector.check(page, "409 form")
    assert page.is_visible("#form-notice")
    assert page.input_value("input[name=company]") == payload(variant, "company")

    # Error pages with hostile addresses: an unknown form, an unknown tenant.
    def quoted(name: str) -> str:
        return urllib.parse.quote(payload(variant, name), safe="")

    for url in (
        f"{service.url}/t/{target.tenant_id}/forms/{quoted('form_id')}",
        f"{service.url}/t/{quoted('tenant_id')}/forms/x",
        f"{action}/thanks?x={quoted('thanks_query')}",
    ):
        response = page.goto(url)
        assert response is not None
        detector.check(page, f"page {response.status}")

    # Everything the first good post carried is stored as sent.
    (card,) = _persons(service, target, email)
    assert card["first_name"] == payload(variant, "first_name")
    assert card["first_touch"]["medium"] == payload(variant, "ls_first_touch.utm_medium")
    assert card["lead_creation"]["source"] == payload(variant, "ls_latest_touch")
    history = card["submissions"][0]["touches"]
    assert history[0]["term"] == payload(variant, "ls_touches.utm_term")
    fields = _submission_fields(service, target)
    assert fields["extra_field"] == payload(variant, "extra_field")


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_debug_helper_and_page_views(
    hostile: tuple[BrowserContext, Detector],
    service: Service,
    pages_site: Site,
    make_tenant,
    variant: str,
) -> None:
    """The customer's page in debug mode, opened by a hostile link (misspelled campaign keys
    are reported back in the console), and page views with hostile bodies."""
    context, detector = hostile
    tenant = make_tenant(pages_site, any_origin=True, script_options=("pageviews",))
    messages: list[str] = []
    page = context.new_page()
    page.on("console", lambda message: messages.append(message.text))
    query = urllib.parse.urlencode(
        {
            "leadsource_debug": "1",
            "utm_source": payload(variant, "debug.utm_source"),
            "utm-campaign": payload(variant, "debug.misspelled"),
            payload(variant, "debug.key"): "1",
        }
    )
    page.goto(f"{pages_site.url}/page.html?{query}")
    page.wait_for_function("() => document.readyState === 'complete'")
    page.wait_for_timeout(300)  # the helper loads after the page
    detector.check(page, "debug helper", scripts_from=service.url)
    assert any("utm-campaign" in text for text in messages), messages

    # Page views: hostile address, referrer and visitor agent, posted as utm.js does.
    beacon = {
        "v": f"visitor-{variant}",
        "u": "https://site.example/?utm_source="
        + urllib.parse.quote(payload(variant, "beacon.u"), safe=""),
        "r": "https://ref.example/?utm_medium="
        + urllib.parse.quote(payload(variant, "beacon.r"), safe=""),
    }
    request = urllib.request.Request(
        f"{service.url}/t/{tenant.tenant_id}/collect",
        data=json.dumps(beacon).encode(),
        headers={
            "Content-Type": "text/plain",
            # A header is latin-1: the line separator cannot be in one.
            "User-Agent": f"{CHROME} {payload(variant, 'beacon.user_agent')}".replace(
                "\u2028", " "
            ),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 204
    with sqlite3.connect(service.db_path) as conn:
        source, referrer = conn.execute(
            "SELECT source, referrer FROM sessions WHERE tenant_id = ? AND visitor_id = ?",
            (tenant.tenant_id, beacon["v"]),
        ).fetchone()
    assert source == payload(variant, "beacon.u")
    assert urllib.parse.unquote(referrer).endswith(payload(variant, "beacon.r"))


# -- Host and Origin, against the real server ---------------------------------------------


def _raw(service: Service, method: str, path: str, headers: dict[str, str], body: bytes = b""):
    parsed = urllib.parse.urlsplit(service.url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_a_forged_host_gets_nothing(service: Service) -> None:
    target = _target(service, "markup", "hosts")
    path = urllib.parse.urlsplit(target.form["hosted_url"]).path
    evil = {"Host": "evil.example", "Origin": "http://evil.example"}
    for method, url, extra, body in (
        ("POST", path, {"Content-Type": "application/x-www-form-urlencoded"}, b"email=a%40b.cc"),
        ("POST", path, {"Content-Type": "application/json"}, b'{"email": "a@b.cc"}'),
        ("GET", path, {}, b""),
        ("POST", f"/t/{target.tenant_id}/collect", {"Content-Type": "text/plain"}, b"{}"),
        ("GET", path + "/", {}, b""),
    ):
        status, headers, answer = _raw(service, method, url, {**evil, **extra}, body)
        assert status == 400, (method, url, status)
        assert json.loads(answer)["error"]["code"] == "bad_request"
        assert "evil.example" not in json.dumps(headers).lower()
    # Proxy headers from a client that is not a trusted proxy change nothing.
    status, headers, _ = _raw(
        service,
        "POST",
        path,
        {
            "Host": urllib.parse.urlsplit(service.url).netloc,
            "X-Forwarded-Host": "evil.example",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "203.0.113.9",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        b"email=fwd%40b.cc",
    )
    assert status == 303
    assert headers["location"].startswith(service.url)
    assert _persons(service, target, "a@b.cc") == []
