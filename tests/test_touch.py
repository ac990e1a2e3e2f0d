"""Turning what a browser sent into a touch: parsing, derivation of sources, bounds."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ingest.domain.touch import (
    CLICK_IDS,
    MAX_HANDOVER,
    MAX_HISTORY,
    SCRIPT_SLOTS,
    build_touch,
    clean_time,
    clean_url,
    handed_touches,
    params_from_query,
    params_from_url,
    referrer_source,
    touch_from_fields,
    touch_from_json,
    touches_from_json,
    without_campaign,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("referrer", "expected"),
    [
        ("https://www.google.com/", ("google", "organic")),
        ("https://www.google.co.uk/search?q=x", ("google", "organic")),
        ("https://duckduckgo.com/", ("duckduckgo", "organic")),
        ("https://search.brave.com/search?q=x", ("brave", "organic")),
        ("https://www.bing.com/", ("bing", "organic")),
        ("https://googleblog.example.com/", ("googleblog.example.com", "referral")),
        ("https://google.evil.example.net/", ("google.evil.example.net", "referral")),
        ("https://www.partner.example/post", ("partner.example", "referral")),
        ("https://news.ycombinator.com/", ("news.ycombinator.com", "referral")),
        (None, None),
        ("", None),
    ],
)
def test_referrer_source(referrer, expected):
    assert referrer_source(referrer) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"utm_source": "linkedin", "utm_medium": "social"}, ("linkedin", "social")),
        ({"utm_campaign": "spring"}, ("(not set)", "(not set)")),
        ({"gclid": "a"}, ("google", "cpc")),
        ({"fbclid": "a", "gclid": "b"}, ("google", "cpc")),
        ({"msclkid": "a"}, ("bing", "cpc")),
        ({"gbraid": "a"}, ("google", "cpc")),
        ({"wbraid": "a"}, ("google", "cpc")),
        ({"dclid": "a"}, ("google", "display")),
        ({"fbclid": "a"}, ("facebook", "paid_social")),
        ({"li_fat_id": "a"}, ("linkedin", "paid_social")),
        ({"ttclid": "a"}, ("tiktok", "paid_social")),
        ({"twclid": "a"}, ("twitter", "paid_social")),
        ({"epik": "a"}, ("pinterest", "paid_social")),
        ({"rdt_cid": "a"}, ("reddit", "paid_social")),
        ({"sccid": "a"}, ("snapchat", "paid_social")),
        ({"yclid": "a"}, ("yandex", "cpc")),
        ({"yclid": "a", "msclkid": "b"}, ("bing", "cpc")),
        ({"utm_source": "news", "utm_medium": "email", "gclid": "a"}, ("news", "email")),
        ({"utm_id": "123"}, ("(direct)", "(none)")),
        ({}, ("(direct)", "(none)")),
    ],
)
def test_source_and_medium(params, expected):
    touch = build_touch(params, now=NOW)
    assert (touch.source, touch.medium) == expected


def test_values_are_kept_as_sent_but_bounded():
    touch = build_touch(
        {"utm_source": "LinkedIn Ads", "utm_term": "a\tb\x00c", "utm_content": "é" * 400},
        now=NOW,
    )
    assert touch.source == "LinkedIn Ads"
    assert touch.term == "abc"
    assert touch.content == "é" * 255


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://acme.example/?utm_source=x", True),
        ("http://localhost:8080/", True),
        ("javascript:alert(1)", False),
        ("data:text/html,<script>", False),
        ("//acme.example/", False),
        ("https://", False),
        (12, False),
    ],
)
def test_clean_url(url, kept):
    assert (clean_url(url) is not None) == kept


def test_long_urls_are_truncated():
    assert (
        clean_url("https://acme.example/" + "a" * 3000)
        == ("https://acme.example/" + "a" * 3000)[:2048]
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-01T10:00:00.000Z", "2026-11-01T10:00:00.000Z"),
        ("2026-11-01T12:00:00+02:00", "2026-11-01T10:00:00.000Z"),
        ("2026-11-01T10:00:00", "2026-11-01T10:00:00.000Z"),
        ("1999-01-01T00:00:00Z", "2026-11-23T12:00:00.000Z"),
        ("2030-01-01T00:00:00Z", "2026-11-23T12:00:00.000Z"),
        ("yesterday", "2026-11-23T12:00:00.000Z"),
        (None, "2026-11-23T12:00:00.000Z"),
    ],
)
def test_clean_time(value, expected):
    assert clean_time(value, NOW) == expected


def test_touch_from_json_folds_key_case():
    touch = touch_from_json('{"UTM_Source": "Facebook", "Landing_Page": "https://a.example/"}', NOW)
    assert touch is not None
    assert touch.source == "Facebook"
    assert touch.landing_page == "https://a.example/"


@pytest.mark.parametrize(
    "raw", [None, "", "nope", "[1]", "null", "1", "x" * 20000, "[" * 5000, '{"a":' * 3000]
)
def test_touch_from_json_drops_what_it_cannot_read(raw):
    assert touch_from_json(raw, NOW) is None


def slots(**values: object) -> list[object]:
    """A touch in utm.js's array form (its storage and hidden-field format)."""
    return [values.get(name) for name in SCRIPT_SLOTS]


def test_touch_from_json_reads_utm_js_array_form():
    raw = json.dumps(
        slots(
            utm_source="linkedin",
            utm_medium="paid_social",
            gclid="G1",
            landing_page="https://a.example/?utm_source=linkedin",
            at=1793527200000,  # ms since the epoch: 2026-11-01T10:00:00Z
        )
    )
    touch = touch_from_json(raw, NOW)
    assert touch is not None
    assert (touch.source, touch.medium, touch.click_ids) == (
        "linkedin",
        "paid_social",
        {"gclid": "G1"},
    )
    assert touch.landing_page == "https://a.example/?utm_source=linkedin"
    assert touch.at == "2026-11-01T10:00:00.000Z"


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps(slots(utm_source="x")[:-1]),  # one slot short
        json.dumps([*slots(utm_source="x"), None]),  # one too many
        json.dumps(["x"] * 5),
    ],
)
def test_touch_from_json_drops_arrays_that_are_not_touches(raw):
    assert touch_from_json(raw, NOW) is None


def test_array_slots_that_are_not_strings_are_ignored():
    raw = json.dumps(slots(utm_source={"__proto__": 1}, utm_medium=7, utm_campaign="ok", at=True))
    touch = touch_from_json(raw, NOW)
    assert touch is not None
    # Values that are not strings are dropped: a campaign without source and medium.
    assert (touch.source, touch.medium, touch.campaign) == ("(not set)", "(not set)", "ok")
    assert touch.at == "2026-11-23T12:00:00.000Z"  # no usable time: the submission's


def test_touches_from_json_reads_both_forms_in_one_history():
    raw = json.dumps(
        [
            slots(utm_source="linkedin", at=1793527200000),
            {"utm_source": "facebook", "at": "2026-11-02T10:00:00Z"},
            slots(referrer="https://www.google.com/", at=1793700000000),
        ]
    )
    assert [t.source for t in touches_from_json(raw, NOW)] == ["linkedin", "facebook", "google"]


def test_touch_from_fields_needs_campaign_data_or_a_landing_page():
    assert touch_from_fields({"email": "a@example.com"}, NOW) is None
    touch = touch_from_fields({"UTM_SOURCE": "news", "utm_medium": "email"}, NOW)
    assert touch is not None and (touch.source, touch.medium) == ("news", "email")
    landed = touch_from_fields({"ls_landing_page": "https://ls.example/f"}, NOW)
    assert landed is not None and landed.source == "(direct)"


def test_params_from_query_first_value_wins_and_keys_fold():
    items = [
        ("UTM_SOURCE", "First"),
        ("utm_source", "second"),
        ("utm_medium", ""),
        ("utm_medium", "email"),
        ("other", "x"),
        ("GCLID", "g1"),
    ]
    assert params_from_query(items) == {"utm_source": "First", "utm_medium": "email", "gclid": "g1"}


def test_click_ids_in_utm_js_order():
    # utm.js lists them in this order too: when several come, the first decides the source.
    expected = "gclid gbraid wbraid dclid msclkid fbclid li_fat_id ttclid twclid epik rdt_cid"
    assert list(CLICK_IDS) == [*expected.split(), "sccid", "yclid"]


def test_touches_from_json_keeps_order_and_drops_what_is_not_a_touch():
    raw = json.dumps(
        [
            {"utm_source": "linkedin", "at": "2026-11-01T10:00:00Z"},
            "nope",
            {"referrer": "https://www.google.com/", "at": "2026-11-02T10:00:00Z"},
            {"nothing": "known"},
            {"at": "2026-11-03T10:00:00Z"},
        ]
    )
    assert [(t.source, t.at) for t in touches_from_json(raw, NOW)] == [
        ("linkedin", "2026-11-01T10:00:00.000Z"),
        ("google", "2026-11-02T10:00:00.000Z"),
        ("(direct)", "2026-11-03T10:00:00.000Z"),
    ]


def test_touches_from_json_keeps_the_newest():
    raw = json.dumps([{"utm_source": str(i)} for i in range(MAX_HISTORY + 5)])
    assert [t.source for t in touches_from_json(raw, NOW)] == [
        str(i) for i in range(5, MAX_HISTORY + 5)
    ]


@pytest.mark.parametrize(
    "raw", [None, "", "{}", "nope", "[" * 5000, "[1]" + " " * 70000, '{"utm_source": "x"}']
)
def test_touches_from_json_unreadable(raw):
    assert touches_from_json(raw, NOW) == []


def test_handed_touches_become_hidden_fields():
    raw = json.dumps(
        {
            "f": {"utm_source": "linkedin", "UTM_Medium": "social", "at": "2026-11-01T10:00Z"},
            "l": {"gclid": "g1", "evil": "x", "utm_term": 5, "landing_page": "https://a.example/"},
            "x": {"utm_source": "ignored"},
        }
    )
    fields = handed_touches(raw)
    assert json.loads(fields["ls_first_touch"]) == {
        "utm_source": "linkedin",
        "utm_medium": "social",
        "at": "2026-11-01T10:00Z",
    }
    assert json.loads(fields["ls_latest_touch"]) == {
        "gclid": "g1",
        "landing_page": "https://a.example/",
    }
    assert set(handed_touches(json.dumps({"l": {"utm_source": "x"}}))) == {"ls_latest_touch"}


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "{not json",
        "[]",
        '{"f": "linkedin", "l": [1]}',
        '{"f": {}, "l": {"unknown": 1}}',
        "[" * 5000,
        json.dumps({"f": {"utm_source": "x" * MAX_HANDOVER}}),
    ],
)
def test_handed_touches_ignores_what_it_cannot_use(raw):
    assert handed_touches(raw) == {}


@pytest.mark.parametrize(
    ("url", "params", "stripped"),
    [
        ("https://a.example/p?x=1", {}, "https://a.example/p?x=1"),
        (
            "https://a.example/p?utm_source=li&x=1&GCLID=g#top",
            {"utm_source": "li", "gclid": "g"},
            "https://a.example/p?x=1#top",
        ),
        (
            "https://a.example/#/route?utm_medium=email&tab=2",
            {"utm_medium": "email"},
            "https://a.example/#/route?tab=2",
        ),
        ("https://a.example/#utm_campaign=c", {"utm_campaign": "c"}, "https://a.example/"),
        ("https://a.example/#section-2", {}, "https://a.example/#section-2"),
    ],
)
def test_campaign_parameters_of_a_page_address(url, params, stripped):
    assert params_from_url(url) == params
    assert without_campaign(url) == stripped
