"""The live view: the latest submissions with the data points they set, and the reasons in
words when campaign data is missing; the latest visits."""

from __future__ import annotations

import json
import re

import pytest

from ingest import storage
from ingest.domain.diagnosis import misspelled_keys
from ingest.storage import admin

from .conftest import sign_in, touch_json
from .test_collect import CHROME

LIVE = "/app/acme/live"


@pytest.fixture
def marketer(client, make_tenant, make_user):
    tenant = make_tenant("acme", origins=("https://acme.example",))
    make_user("mia@example.com", ("acme", "marketer"))
    assert sign_in(client, "mia@example.com").status_code == 303
    return tenant


def test_misspelled_campaign_keys_are_named():
    address = (
        "https://a.example/?utm-source=x&UTM_Medium=y&utm_campaign=ok&utmsource=z&p=1"
        "&fbclid=F&li_fat_id=L&gclid=G"
    )
    assert misspelled_keys(address) == ["utm-source", "UTM_Medium", "utmsource"]
    assert misspelled_keys(None) == []


def test_submissions_show_their_data_points_and_what_is_missing(client, marketer):
    tenant = marketer
    # With the script: history, first touch and lead creation differ.
    client.post(
        tenant.form_path,
        json={
            "email": "ada@example.com",
            "ls_first_touch": touch_json("linkedin", "paid_social", "webinar"),
            "ls_latest_touch": touch_json("facebook", "paid_social", "retargeting"),
            "ls_touches": [json.loads(touch_json("linkedin", "paid_social", "webinar"))],
        },
    )
    # Without the script, from a page whose link spelled its keys wrongly.
    client.post(
        tenant.form_path,
        json={
            "email": "bob@example.com",
            "ls_latest_touch": json.dumps(
                {
                    "landing_page": "https://acme.example/?utm-source=news&utm_medium=email",
                    "at": "2026-11-01T10:00:00.000Z",
                    "utm_medium": "email",
                }
            ),
        },
    )
    page = client.get(LIVE)
    assert page.status_code == 200
    text = page.text
    # live.js polls; without scripts the page reloads itself instead.
    assert '<noscript><meta http-equiv="refresh"' in text
    assert re.search(r'<script src="/app/-/static/live\.[0-9a-f]+\.js" defer>', text)
    assert 'data-live="3"' in text
    assert "ada@example.com" in text and "bob@example.com" in text
    ada = text[text.index("ada@example.com") :]
    assert "linkedin" in ada and "facebook" in ada
    assert "The script sent no touch history" in text
    assert "spelled wrongly (utm-source)" in text
    # The newest first.
    assert text.index("bob@example.com") < text.index("ada@example.com")


def test_transfer_off_is_the_reason(client, marketer, settings):
    storage.transaction(
        settings.db_path, lambda conn: admin.update_tenant(conn, "acme", utm_transfer=False)
    )
    client.app_state["settings_cache"].forget("acme")
    client.post(marketer.form_path, json={"email": "cy@example.com", "utm_source": "google"})
    text = client.get(LIVE).text
    assert "UTM data transfer is off for this account" in text


def test_visits_and_hostile_values(client, marketer):
    hostile = "<img src=x onerror=alert(1)>"
    encoded = "%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"  # as a browser sends it
    beacon = {"v": "visitor-0001", "u": f"https://acme.example/?utm_source={encoded}", "r": ""}
    response = client.post(
        "/t/acme/collect",
        content=json.dumps(beacon),
        headers={
            "Content-Type": "text/plain",
            "User-Agent": CHROME,
            "Origin": "https://acme.example",
        },
    )
    assert response.status_code == 204
    client.post(marketer.form_path, json={"email": "dee@example.com", "first_name": hostile})
    text = client.get(LIVE).text
    assert "<img src=x" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text


def test_sales_may_not_see_it(client, make_tenant, make_user):
    make_tenant("acme")
    make_user("sam@example.com", ("acme", "sales"))
    sign_in(client, "sam@example.com")
    assert client.get(LIVE).status_code == 403
