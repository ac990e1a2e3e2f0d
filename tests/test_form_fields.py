"""A form's own fields (type, label, required, options) and its thank-you message: what a
marketer defines, what the hosted form shows, what a submission must satisfy."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

import pytest

from ingest import storage
from ingest.clock import iso_time
from ingest.domain import form_fields
from ingest.domain.form_fields import FieldError, definitions
from ingest.ops.cli import parse_field
from ingest.storage import admin
from ingest.storage import reads as store

from .conftest import rows

FIELDS = [
    {"label": "Your message", "type": "textarea"},
    {"name": "budget", "label": "Budget", "type": "number", "required": True},
    {"name": "size", "label": "Team size", "type": "select", "options": "1-10\n11-50\n\n1-10"},
    {"name": "news", "label": "Send me news", "type": "checkbox"},
    {"name": "site", "label": "Website", "type": "url"},
    {"name": "phone", "label": "Phone", "type": "tel"},
]


def test_definitions_are_cleaned():
    clean = definitions(FIELDS)
    assert [f["name"] for f in clean] == ["your_message", "budget", "size", "news", "site", "phone"]
    assert clean[1] == {"name": "budget", "label": "Budget", "type": "number", "required": True}
    assert clean[2]["options"] == ["1-10", "11-50"]  # blank and repeated options dropped
    # Definitions from before types existed read as text.
    assert definitions([{"name": "topic", "label": "Topic"}])[0]["type"] == "text"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ([{"name": "email", "label": "E"}], "standard field"),
        ([{"name": "utm_source"}], "not ls_ or utm_"),
        ([{"name": "1st"}], "start with a letter"),
        ([{"name": "a"}, {"name": "a"}], "already named"),
        ([{"name": "a", "type": "password"}], "type must be one of"),
        ([{"name": "a", "type": "select", "options": []}], "at least one option"),
        ([{"name": "a", "max_length": 5000}], "1 to 1000"),
        ([{"name": f"f{i}"} for i in range(31)], "at most 30"),
    ],
)
def test_unusable_definitions_are_refused_with_a_reason(fields, message):
    with pytest.raises(FieldError, match=message):
        definitions(fields)


def test_each_type_checks_its_value():
    spec = {d["name"]: d for d in definitions(FIELDS)}
    assert form_fields.check(spec["budget"], "12 500") == ("12 500", None)
    assert form_fields.check(spec["budget"], "lots")[1] == "Budget: enter a number."
    assert form_fields.check(spec["budget"], "")[1] == "Budget is required."
    assert form_fields.check(spec["size"], "11-50") == ("11-50", None)
    assert form_fields.check(spec["size"], "9000")[1] == "Team size: choose one of the options."
    assert form_fields.check(spec["news"], "yes") == ("yes", None)
    assert form_fields.check(spec["news"], "") == (None, None)
    assert form_fields.check(spec["site"], "www.example.com") == ("www.example.com", None)
    assert form_fields.check(spec["site"], "example.com:8080/x") == ("example.com:8080/x", None)
    for address in ("javascript:alert(1)", "javascript:alert(1.5)//", "JavaScript:x('a.b')//"):
        assert form_fields.check(spec["site"], address)[1], address
    assert form_fields.check(spec["phone"], "+47 22 33 44 55") == ("+47 22 33 44 55", None)
    assert form_fields.check(spec["phone"], "call me")[1]


def test_cli_flags():
    assert parse_field("budget:Budget:required,number") == {
        "name": "budget",
        "label": "Budget",
        "required": True,
        "type": "number",
    }
    assert parse_field("topic:Topic:required") == {
        "name": "topic",
        "label": "Topic",
        "required": True,
    }
    # A label may hold colons: only a last part made of flags is flags.
    assert parse_field("topic:Topic: pick one:sometimes")["label"] == "Topic: pick one:sometimes"
    with pytest.raises(argparse.ArgumentTypeError):
        parse_field("size:Size:select")


@pytest.fixture
def typed(client, make_tenant, settings):
    tenant = make_tenant(custom_fields=FIELDS)
    storage.transaction(
        settings.db_path,
        lambda conn: admin.update_form(
            conn,
            tenant.tenant_id,
            tenant.form_id,
            thank_you_url="",
            thank_you_message='Thanks, <b>we</b> "call" you.\n\nSee you soon.',
        ),
    )
    client.app_state["settings_cache"].forget(tenant.tenant_id)
    return tenant


def test_the_hosted_form_shows_each_type(client, typed):
    page = client.get(typed.form_path).text
    assert '<textarea id="ls-your_message" name="your_message"' in page
    assert '<input id="ls-budget" type="number" name="budget"' in page
    assert "<option>11-50</option>" in page
    assert 'type="checkbox" name="news" value="yes"' in page
    assert '<input id="ls-site" type="url" name="site"' in page


def test_a_submission_must_satisfy_the_types(client, typed, settings):
    bad = client.post(
        typed.form_path,
        json={"email": "t@example.com", "budget": "lots", "size": "9000", "site": "nope"},
    )
    assert bad.status_code == 422
    assert set(bad.json()["error"]["fields"]) == {"budget", "size", "site"}
    # A native post gets the form back with the values and the messages.
    page = client.post(
        typed.form_path, data={"email": "t@example.com", "budget": "lots", "your_message": "hi"}
    )
    assert page.status_code == 422
    assert "Budget: enter a number." in page.text and ">hi</textarea>" in page.text

    good = client.post(
        typed.form_path,
        data={
            "email": "t@example.com",
            "budget": "1000",
            "size": "1-10",
            "news": "yes",
            "your_message": "line one\r\nline two",
        },
        follow_redirects=False,
    )
    assert good.status_code == 303
    (stored,) = rows(settings.db_path, "SELECT fields FROM submissions WHERE tenant_id = 'acme'")
    assert '"news": "yes"' in stored["fields"] and "line one\\r\\nline two" in stored["fields"]


def test_the_thank_you_message_is_shown_as_text(client, typed):
    response = client.post(typed.form_path, data={"email": "m@example.com", "budget": "1"})
    assert response.status_code == 200  # followed to our thank-you page
    assert "Thanks, &lt;b&gt;we&lt;/b&gt; &#34;call&#34; you." in response.text
    assert response.text.count('class="thank-you-message"') == 2


def test_submissions_are_counted_per_form_over_the_last_days(client, make_tenant, settings):
    tenant = make_tenant()
    for i in range(3):
        client.post(tenant.form_path, json={"email": f"c{i}@example.com"})
    now = datetime.now(UTC)
    since = {
        "7d": iso_time(now - timedelta(days=7)),
        "1h_ahead": iso_time(now + timedelta(hours=1)),
    }
    with storage.connect(settings.db_path) as conn:
        counts = store.form_submission_counts(conn, tenant.tenant_id, since)
        forms = store.list_forms(conn, tenant.tenant_id)
    assert counts == {tenant.form_id: {"7d": 3}}
    assert [f.form_id for f in forms] == [tenant.form_id]
