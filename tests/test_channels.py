"""GA4's default channel group (ingest/domain/channels.py): each rule, their order, case, and
arrivals that only have a referrer or a click id."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ingest.domain.channels import CHANNELS, channel, touch_channel
from ingest.domain.touch import build_touch

NOW = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("source", "medium", "campaign", "expected"),
    [
        # Direct: (direct) with (none) or (not set), and nothing else
        ("(direct)", "(none)", None, "Direct"),
        ("(direct)", "(not set)", None, "Direct"),
        ("(direct)", None, None, "Direct"),
        ("(DIRECT)", "(None)", None, "Direct"),
        ("(direct)", "email", None, "Email"),
        # Cross-network: the campaign name says so, before anything paid
        ("google", "cpc", "pmax_cross-network_q3", "Cross-network"),
        ("whatever", "whatever", "Cross-Network", "Cross-network"),
        # Paid Shopping: a shopping site or a shopping campaign, with a paid medium
        ("amazon", "cpc", None, "Paid Shopping"),
        ("google", "cpc", "summer_shopping", "Paid Shopping"),
        ("google", "ppc", "eshop-spring", "Paid Shopping"),
        ("google", "cpc", "shop", "Paid Shopping"),
        ("google", "cpc", "web shop", "Paid Shopping"),
        ("google", "cpc", "workshop_signup", "Paid Search"),  # "workshop" is no shop
        # Paid Search: a search engine with a paid medium
        ("google", "cpc", None, "Paid Search"),
        ("bing", "ppc", None, "Paid Search"),
        ("google.co.uk", "paid_search", None, "Paid Search"),
        ("duckduckgo", "retargeting", None, "Paid Search"),
        ("yahoo", "cpm", None, "Paid Search"),  # cpm has "cp": paid comes before Display
        # Paid Social
        ("linkedin", "paid_social", None, "Paid Social"),
        ("facebook", "cpc", None, "Paid Social"),
        ("m.facebook.com", "paid", None, "Paid Social"),
        ("lnkd.in", "ppc", None, "Paid Social"),
        ("tiktok", "cpv", None, "Paid Social"),
        # Paid Video
        ("youtube", "cpv", None, "Paid Video"),
        ("vimeo.com", "paid-video", None, "Paid Video"),
        # Display: by medium, paid or not
        ("criteo", "display", None, "Display"),
        ("adroll", "banner", None, "Display"),
        ("publisher", "interstitial", None, "Display"),
        ("publisher", "expandable", None, "Display"),
        ("criteo", "cpm", None, "Display"),  # paid, but no listed site: Display comes first
        # Paid Other: a paid medium and nothing more specific
        ("capterra", "cpc", None, "Paid Other"),
        ("newsletter_partner", "paid", None, "Paid Other"),
        ("x", "retargeting", None, "Paid Social"),
        # Organic Shopping: shopping site or campaign, medium not paid
        ("etsy", "referral", None, "Organic Shopping"),
        ("newsletter", "email", "black-friday-shopping", "Organic Shopping"),
        ("shopping.google.com", "referral", None, "Organic Shopping"),
        # Organic Social: social site or a social medium
        ("linkedin", "social", None, "Organic Social"),
        ("linkedin.com", "referral", None, "Organic Social"),
        ("t.co", "referral", None, "Organic Social"),
        ("anything", "social-network", None, "Organic Social"),
        ("anything", "SM", None, "Organic Social"),
        ("reddit", "(none)", None, "Organic Social"),
        # Organic Video
        ("youtube.com", "referral", None, "Organic Video"),
        ("anything", "video_post", None, "Organic Video"),
        # Organic Search
        ("google", "organic", None, "Organic Search"),
        ("search.brave.com", "referral", None, "Organic Search"),
        ("anything", "organic", None, "Organic Search"),
        ("ecosia.org", "referral", None, "Organic Search"),
        # Referral
        ("partner.example", "referral", None, "Referral"),
        ("appstore", "app", None, "Referral"),
        ("blog", "link", None, "Referral"),
        # Email: source or medium exactly
        ("newsletter", "email", None, "Email"),
        ("e-mail", "whatever", None, "Email"),
        ("mailchimp", "E_Mail", None, "Email"),
        ("crm", "e mail", None, "Email"),
        ("newsletter", "emails", None, "Unassigned"),
        # Affiliates, Audio, SMS
        ("partner", "affiliate", None, "Affiliates"),
        ("spotify", "audio", None, "Audio"),
        ("sms", "text", None, "SMS"),
        ("twilio", "sms", None, "SMS"),
        # Mobile Push Notifications
        ("app", "web-push", None, "Mobile Push Notifications"),
        ("app", "mobile_alert", None, "Mobile Push Notifications"),
        ("app", "notification", None, "Mobile Push Notifications"),
        ("firebase", "anything", None, "Mobile Push Notifications"),
        # Unassigned
        ("newsletter", "(not set)", None, "Unassigned"),
        ("offline", "print", None, "Unassigned"),
        ("(not set)", "(not set)", None, "Unassigned"),
    ],
)
def test_rules(source, medium, campaign, expected):
    assert channel(source, medium, campaign) == expected


@pytest.mark.parametrize(
    ("source", "medium", "campaign"),
    [("GOOGLE", "CPC", None), ("Google", "Cpc", None), ("LinkedIn", "Paid_Social", None)],
)
def test_case_does_not_matter(source, medium, campaign):
    assert channel(source, medium, campaign) == channel(source.lower(), medium.lower(), campaign)
    assert channel(source, medium, campaign) in ("Paid Search", "Paid Social")


@pytest.mark.parametrize(
    ("source", "medium", "campaign", "click_ids", "expected"),
    [
        # Google and Microsoft ad clicks are paid search, whatever the UTM says
        ("(direct)", "(none)", None, {"gclid": "abc"}, "Paid Search"),
        ("google", "cpc", None, {"gbraid": "abc"}, "Paid Search"),
        ("newsletter", "email", None, {"wbraid": "abc"}, "Paid Search"),
        ("bing", "cpc", None, {"msclkid": "abc"}, "Paid Search"),
        # ...unless the campaign makes it shopping or cross-network
        ("google", "cpc", "shopping_feed", {"gclid": "abc"}, "Paid Shopping"),
        ("google", "cpc", "cross-network_pmax", {"gclid": "abc"}, "Cross-network"),
        # Other click ids leave the UTM to the rules
        ("facebook", "paid_social", None, {"fbclid": "abc"}, "Paid Social"),
        ("newsletter", "email", None, {"fbclid": "abc"}, "Email"),
        ("google", "organic", None, {"gclid": ""}, "Organic Search"),
    ],
)
def test_click_ids(source, medium, campaign, click_ids, expected):
    assert channel(source, medium, campaign, click_ids) == expected


@pytest.mark.parametrize(
    ("referrer", "click_ids", "expected"),
    [
        (None, {}, "Direct"),
        ("https://www.google.com/", {}, "Organic Search"),
        ("https://www.google.co.uk/search?q=x", {}, "Organic Search"),
        ("https://duckduckgo.com/", {}, "Organic Search"),
        ("https://www.linkedin.com/feed/", {}, "Organic Social"),
        ("https://l.facebook.com/l.php?u=x", {}, "Organic Social"),
        ("https://t.co/abc", {}, "Organic Social"),
        ("https://www.youtube.com/watch?v=1", {}, "Organic Video"),
        ("https://www.amazon.de/", {}, "Organic Shopping"),
        ("https://partner.example/blog", {}, "Referral"),
        ("https://partner.example/", {"fbclid": "x"}, "Paid Social"),
        ("https://partner.example/", {"gclid": "x"}, "Paid Search"),
        ("https://partner.example/", {"dclid": "x"}, "Display"),
        ("https://partner.example/", {"yclid": "x"}, "Paid Search"),
        ("javascript:alert(1)", {}, "Direct"),
    ],
)
def test_arrivals_without_utm(referrer, click_ids, expected):
    """A touch as stored (source derived by touch.build_touch), and the same arrival given
    only its referrer and click ids, fall into the same channel."""
    touch = build_touch(click_ids, referrer=referrer, now=NOW)
    stored = channel(touch.source, touch.medium, touch.campaign, touch.click_ids, touch.referrer)
    raw = channel(None, None, None, click_ids, referrer)
    assert stored == raw == expected


def test_touch_channel_reads_a_touch_dict():
    assert touch_channel({"source": "google", "medium": "cpc", "click_ids": {}}) == "Paid Search"
    assert touch_channel({"source": None, "medium": None, "referrer": None}) == "Direct"
    assert touch_channel({"source": "nobody", "medium": "y", "click_ids": "junk"}) == "Unassigned"


@pytest.mark.parametrize(
    "source",
    ["<script>", "http://[::1", "a" * 5000, "google.com/../x", "..", ".", "", " ", "\x00"],
)
def test_hostile_sources_never_fail(source):
    assert channel(source, "cpc") in CHANNELS
    assert channel("linkedin", source) in CHANNELS
    assert channel("x", "y", source) in CHANNELS


def test_every_channel_is_reachable():
    # The table above names each channel at least once.
    named = {
        "Direct",
        "Cross-network",
        "Paid Shopping",
        "Paid Search",
        "Paid Social",
        "Paid Video",
        "Display",
        "Paid Other",
        "Organic Shopping",
        "Organic Social",
        "Organic Video",
        "Organic Search",
        "Referral",
        "Email",
        "Affiliates",
        "Audio",
        "SMS",
        "Mobile Push Notifications",
        "Unassigned",
    }
    assert set(CHANNELS) == named


def test_the_api_shows_each_touchs_channel(client, make_tenant):
    from .conftest import person, touch_json

    tenant = make_tenant()
    response = client.post(
        tenant.form_path,
        json={
            "email": "ada@example.com",
            "company": "Fjord",
            "ls_first_touch": touch_json("linkedin", "paid_social", "webinar"),
            "ls_latest_touch": json.dumps({"gclid": "abc", "at": "2026-11-02T10:00:00.000Z"}),
            "ls_touches": [
                {"referrer": "https://www.google.com/", "at": "2026-10-30T10:00:00.000Z"},
                {"at": "2026-10-31T10:00:00.000Z"},
            ],
        },
    )
    assert response.status_code == 201, response.text
    found = person(client, tenant, "ada@example.com")
    assert found["first_touch"]["channel"] == "Paid Social"
    assert found["lead_creation"]["channel"] == "Paid Search"
    assert found["company"]["source"]["channel"] == "Paid Search"
    submission = found["submissions"][0]
    assert submission["conversion"]["channel"] == "Paid Search"
    assert [t["channel"] for t in submission["touches"]] == ["Organic Search", "Direct"]
