"""Form endpoints: hosted page, native and JSON posts, and every kind of bad input."""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import quote

import pytest

from ingest import storage
from ingest.domain.touch import CLICK_IDS, UTM_KEYS

from .conftest import person, source_of, touch_json


def count(db_path: str, table: str) -> int:
    with storage.connect(db_path, tuples=True) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_native_post_redirects_to_the_thank_you_url(client, make_tenant):
    tenant = make_tenant()
    response = client.post(
        tenant.form_path, data={"email": "a@example.com"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "https://acme.example/thanks"
    assert count(tenant.db_path, "submissions") == 1


def test_native_post_without_thank_you_url_gets_the_hosted_page(client, make_tenant):
    tenant = make_tenant(thank_you=None)
    response = client.post(tenant.form_path, data={"email": "a@example.com"})
    assert response.status_code == 200
    assert response.url.path == f"{tenant.form_path}/thanks"
    assert "Thank you" in response.text


def test_json_post_answers_json(client, make_tenant):
    tenant = make_tenant()
    response = client.post(tenant.form_path, json={"email": "a@example.com"})
    assert response.status_code == 201
    body = response.json()
    assert body["thank_you_url"] == "https://acme.example/thanks"
    assert body["submission_id"].startswith("sub_")


def test_multipart_post_is_accepted(client, make_tenant):
    tenant = make_tenant()
    response = client.post(
        tenant.form_path,
        files={"email": (None, "multi@example.com")},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/t/nobody/forms/frm_1", "no such form"),
        ("/t/acme/forms/frm_missing", "no such form"),
    ],
)
def test_unknown_tenant_or_form_is_404(client, make_tenant, path, message):
    make_tenant()
    for response in (
        client.get(path),
        client.post(path, data={"email": "a@example.com"}),
        client.post(path, json={"email": "a@example.com"}),
    ):
        assert response.status_code == 404
        assert message in response.text.lower()


def test_unpublished_form_refuses_with_a_clear_message(client, make_tenant):
    tenant = make_tenant(published=False)
    response = client.post(tenant.form_path, json={"email": "a@example.com"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "form_not_published"
    html = client.post(tenant.form_path, data={"email": "a@example.com"})
    assert html.status_code == 403
    assert "not published" in html.text
    assert client.get(tenant.form_path).status_code == 403
    assert count(tenant.db_path, "submissions") == 0


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({}, {"email": "Email is required."}),
        ({"email": "   "}, {"email": "Email is required."}),
        (
            {"email": "ingrid-at-fjord"},
            {"email": "Enter a valid email address, like name@example.com."},
        ),
        ({"email": "a@b"}, {"email": "Enter a valid email address, like name@example.com."}),
        ({"email": "x" * 250 + "@example.com"}, {"email": "Email can be at most 254 characters."}),
        (
            {"email": "a@example.com", "first_name": "n" * 101},
            {"first_name": "First name can be at most 100 characters."},
        ),
        (
            {"email": "a@example.com", "company": "c" * 201},
            {"company": "Company can be at most 200 characters."},
        ),
    ],
)
def test_json_validation_errors_have_one_shape(client, make_tenant, fields, errors):
    tenant = make_tenant()
    response = client.post(tenant.form_path, json=fields)
    assert response.status_code == 422
    assert response.json() == {
        "error": {
            "code": "validation_failed",
            "message": "Some fields need fixing.",
            "fields": errors,
        }
    }
    assert count(tenant.db_path, "submissions") == 0


def test_json_field_of_wrong_type(client, make_tenant):
    tenant = make_tenant()
    response = client.post(tenant.form_path, json={"email": ["a@example.com"]})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"email": "Must be a string."}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b"[" * 3000, "application/json"),  # nested deeper than the parser's stack
    ],
)
def test_unreadable_bodies_are_400(client, make_tenant, body, content_type):
    tenant = make_tenant()
    response = client.post(
        tenant.form_path,
        content=body,
        headers={"Content-Type": content_type, "Accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", ""])
def test_other_content_types_are_415(client, make_tenant, content_type):
    tenant = make_tenant()
    response = client.post(
        tenant.form_path,
        content=b"email=a@example.com",
        headers={"Content-Type": content_type, "Accept": "application/json"},
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_invalid_native_post_reshows_the_form_with_values_and_campaign_data(client, make_tenant):
    tenant = make_tenant()
    first = touch_json("linkedin", "paid_social", "webinar_sept")
    response = client.post(
        tenant.form_path,
        data={
            "email": "ingrid-at-fjord",
            "first_name": "Ingrid",
            "company": "Fjord <Retail>",
            "ls_first_touch": first,
            "ls_submission_id": "retry-me-123",
        },
    )
    assert response.status_code == 422
    page = response.text
    assert "Enter a valid email address" in page
    assert 'value="ingrid-at-fjord"' in page
    assert 'value="Ingrid"' in page
    assert 'value="Fjord &lt;Retail&gt;"' in page
    assert 'name="ls_submission_id" value="retry-me-123"' in page
    assert 'name="ls_first_touch"' in page
    assert count(tenant.db_path, "submissions") == 0

    # Sending the corrected form keeps the campaign data that rode along.
    fixed = client.post(
        tenant.form_path,
        data={
            "email": "ingrid@fjord.example",
            "first_name": "Ingrid",
            "ls_first_touch": first,
            "ls_submission_id": "retry-me-123",
        },
        follow_redirects=False,
    )
    assert fixed.status_code == 303
    card = person(client, tenant, "ingrid@fjord.example")
    assert source_of(card["first_touch"]) == ("linkedin", "paid_social", "webinar_sept")
    assert card["submissions"][0]["id"] == "retry-me-123"


def test_oversized_body_is_413_and_stores_nothing(client, make_tenant, settings):
    tenant = make_tenant()
    big = "x" * (settings.max_body_bytes + 1)
    response = client.post(tenant.form_path, json={"email": "a@example.com", "notes": big})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    native = client.post(tenant.form_path, data={"email": "a@example.com", "notes": big})
    assert native.status_code == 413
    assert count(tenant.db_path, "submissions") == 0


@pytest.mark.parametrize(
    "first",
    [
        "{not json",
        "[]",
        '"a string"',
        '{"utm_source": 12, "utm_medium": {"x": 1}, "landing_page": "javascript:alert(1)"}',
        '{"at": "not a time", "referrer": "ftp://x"}',
        "x" * 20000,
    ],
)
def test_malformed_campaign_data_is_never_fatal(client, make_tenant, first):
    tenant = make_tenant()
    response = client.post(
        tenant.form_path,
        json={"email": "m@example.com", "ls_first_touch": first, "ls_latest_touch": first},
    )
    assert response.status_code == 201, response.text
    card = person(client, tenant, "m@example.com")
    touch = card["first_touch"]
    if touch is not None:
        assert touch["landing_page"] is None
        assert touch["referrer"] is None
        assert touch["source"] == "(direct)"


def test_campaign_values_are_truncated_and_stripped_of_control_characters(client, make_tenant):
    tenant = make_tenant()
    first = json.dumps(
        {
            "utm_source": "a\x00b\nc" + "s" * 300,
            "utm_campaign": "Spring Sale",
            "at": "2999-01-01T00:00:00Z",
        }
    )
    client.post(tenant.form_path, json={"email": "t@example.com", "ls_first_touch": first})
    touch = person(client, tenant, "t@example.com")["first_touch"]
    assert touch["source"].startswith("abcsss")
    assert len(touch["source"]) == 255
    assert touch["campaign"] == "Spring Sale"  # values kept as sent
    assert touch["at"] < "2999"  # a time from the future is replaced by the server's


def test_origins_are_enforced_when_configured(client, make_tenant):
    tenant = make_tenant(origins=("https://www.acme.example",))
    allowed = client.post(
        tenant.form_path,
        json={"email": "a@example.com"},
        headers={"Origin": "https://www.acme.example"},
    )
    assert allowed.status_code == 201
    assert allowed.headers["access-control-allow-origin"] == "https://www.acme.example"
    refused = client.post(
        tenant.form_path,
        json={"email": "b@example.com"},
        headers={"Origin": "https://evil.example"},
    )
    assert refused.status_code == 403
    assert "not allowed" in refused.json()["error"]["message"]
    assert "access-control-allow-origin" not in refused.headers
    # Our own hosted page posting back (after a validation error) is always allowed.
    own = client.post(
        tenant.form_path, json={"email": "c@example.com"}, headers={"Origin": "http://testserver"}
    )
    assert own.status_code == 201
    assert count(tenant.db_path, "submissions") == 2


def test_cors_preflight_for_allowed_origin(client, make_tenant):
    tenant = make_tenant(origins=("https://www.acme.example",))
    response = client.options(
        tenant.form_path,
        headers={"Origin": "https://www.acme.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "https://www.acme.example"
    assert "POST" in response.headers["access-control-allow-methods"]
    other = client.options(tenant.form_path, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_hosted_form_records_its_own_link(client, make_tenant):
    tenant = make_tenant()
    page = client.get(
        tenant.form_path + "?UTM_Source=News+Letter&utm_medium=email&utm_campaign=nov%2B1"
        "&utm_source=ignored&evil=1",
        headers={"Referer": "https://mail.example/inbox"},
    )
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src" not in page.headers["content-security-policy"]
    html = page.text
    assert 'name="utm_source" value="News Letter"' in html
    assert 'name="utm_campaign" value="nov+1"' in html
    assert 'name="evil"' not in html
    assert 'name="ls_referrer" value="https://mail.example/inbox"' in html


def test_hosted_form_with_transfer_off_carries_nothing(client, make_tenant):
    tenant = make_tenant(utm_transfer=False)
    html = client.get(tenant.form_path + "?utm_source=newsletter").text
    assert "utm_source" not in html
    assert "ls_landing_page" not in html


def test_hostile_values_are_escaped_on_our_pages(client, make_tenant):
    tenant = make_tenant()
    hostile = '"><script>alert(1)</script>'
    html = client.get(tenant.form_path, params={"utm_source": hostile}).text
    assert "<script>alert(1)" not in html
    assert "&#34;&gt;&lt;script&gt;" in html
    not_found = client.get(f"/t/{tenant.tenant_id}/forms/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert not_found.status_code == 404
    assert "<script>alert(1)" not in not_found.text


def hidden_fields(html: str) -> dict[str, str]:
    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)
    return {name: unescape(value) for name, value in found}


def handover(first: dict[str, str] | None, latest: dict[str, str] | None) -> str:
    """The _ls parameter utm.js adds to the address of an iframe of a hosted form."""
    data = {k: v for k, v in (("f", first), ("l", latest)) if v is not None}
    return quote(json.dumps(data))


def test_hosted_form_in_a_decorated_iframe_takes_the_sites_touches(client, make_tenant):
    tenant = make_tenant()
    first = {"utm_source": "linkedin", "utm_medium": "paid_social", "utm_campaign": "webinar"}
    latest = {"utm_source": "newsletter", "utm_medium": "email", "at": "2026-11-20T09:00:00Z"}
    page = client.get(
        f"{tenant.form_path}?utm_source=newsletter&utm_medium=email&_ls={handover(first, latest)}",
        headers={"Referer": "https://www.acme.example/contact"},
    )
    assert page.status_code == 200
    hidden = hidden_fields(page.text)
    assert json.loads(hidden["ls_first_touch"]) == first
    assert json.loads(hidden["ls_latest_touch"]) == latest
    assert hidden["utm_source"] == "newsletter"  # the form's own parameters still count
    assert "_ls" not in hidden["ls_landing_page"]
    # The Referer is the customer's page that holds the iframe, not where the visitor came from.
    assert "ls_referrer" not in hidden

    sent = client.post(
        tenant.form_path, data={**hidden, "email": "iframe@example.com"}, follow_redirects=False
    )
    assert sent.status_code == 303
    card = person(client, tenant, "iframe@example.com")
    assert source_of(card["first_touch"]) == ("linkedin", "paid_social", "webinar")
    assert source_of(card["lead_creation"]) == ("newsletter", "email", None)
    assert card["lead_creation"]["at"] == "2026-11-20T09:00:00.000Z"


def slots(touch: dict[str, object], at_ms: int | None = None) -> list[object]:
    """A touch in utm.js's array form (SCRIPT_SLOTS order, null where empty, time in ms)."""
    order = [*UTM_KEYS, *CLICK_IDS, "referrer", "landing_page"]
    return [touch.get(key) for key in order] + [at_ms]


def test_hosted_form_takes_a_handover_in_the_scripts_array_form(client, make_tenant):
    tenant = make_tenant()
    first = slots({"utm_source": "linkedin", "gclid": "g1"}, 1_795_000_000_000)
    latest = slots({"utm_source": "newsletter", "referrer": "https://news.example/"}, None)
    page = client.get(f"{tenant.form_path}?_ls={quote(json.dumps([first, latest]))}")
    hidden = hidden_fields(page.text)
    assert json.loads(hidden["ls_first_touch"]) == {
        "utm_source": "linkedin",
        "gclid": "g1",
        "at": "2026-11-18T11:06:40.000Z",
    }
    # No time in the touch: the service takes its own.
    assert json.loads(hidden["ls_latest_touch"]) == {
        "utm_source": "newsletter",
        "referrer": "https://news.example/",
    }
    # Arrays of the wrong length, and slot values that are not strings, give nothing.
    short = quote(json.dumps([["linkedin"], slots({"utm_source": 5}, 1)]))
    hidden = hidden_fields(client.get(f"{tenant.form_path}?_ls={short}").text)
    assert "ls_first_touch" not in hidden
    assert json.loads(hidden["ls_latest_touch"]) == {"at": "1970-01-01T00:00:00.001Z"}


def test_handover_with_only_a_first_touch(client, make_tenant):
    tenant = make_tenant()
    page = client.get(f"{tenant.form_path}?_ls={handover({'utm_source': 'linkedin'}, None)}")
    hidden = hidden_fields(page.text)
    assert json.loads(hidden["ls_first_touch"]) == {"utm_source": "linkedin"}
    assert "ls_latest_touch" not in hidden


@pytest.mark.parametrize(
    "value",
    [
        "%7Bnot%20json",
        quote("[1, 2]"),
        quote('{"f": "linkedin", "l": 7}'),
        quote("[" * 3000),
        handover({"utm_source": "x" * 9000}, None),
        "",
    ],
)
def test_unusable_handover_is_ignored(client, make_tenant, value):
    tenant = make_tenant()
    page = client.get(f"{tenant.form_path}?utm_source=news&_ls={value}")
    assert page.status_code == 200
    hidden = hidden_fields(page.text)
    assert "ls_first_touch" not in hidden and "ls_latest_touch" not in hidden
    assert hidden["utm_source"] == "news"


def test_handover_with_transfer_off_carries_nothing(client, make_tenant):
    tenant = make_tenant(utm_transfer=False)
    page = client.get(f"{tenant.form_path}?_ls={handover({'utm_source': 'linkedin'}, None)}")
    assert page.status_code == 200
    assert set(hidden_fields(page.text)) == {"ls_submission_id"}


def test_hostile_handover_values_are_escaped(client, make_tenant):
    tenant = make_tenant()
    hostile = '"><script>alert(1)</script>'
    page = client.get(f"{tenant.form_path}?_ls={handover({'utm_source': hostile}, None)}")
    assert "<script>alert(1)" not in page.text
    assert json.loads(hidden_fields(page.text)["ls_first_touch"]) == {"utm_source": hostile}
