"""The data-point rules of SPEC "Vocabulary", through the real app and a real SQLite file."""

from __future__ import annotations

import json

import pytest

from ingest import storage

from .conftest import person, source_of, touch_json

LINKEDIN = ("linkedin", "paid_social", "webinar_sept")
FACEBOOK = ("facebook", "paid_social", "retargeting")
NEWSLETTER = ("newsletter", "email", "november")


def submit(client, tenant, email, *, first=None, latest=None, **fields):
    body = {"email": email, **fields}
    if first:
        body["ls_first_touch"] = touch_json(*first)
    if latest:
        body["ls_latest_touch"] = touch_json(*latest)
    response = client.post(tenant.form_path, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_seed_000_new_person_and_company(client, make_tenant):
    tenant = make_tenant()
    submit(
        client,
        tenant,
        "ingrid@fjord.example",
        first=LINKEDIN,
        latest=FACEBOOK,
        company="Fjord Retail",
    )
    card = person(client, tenant, "ingrid@fjord.example")
    assert source_of(card["first_touch"]) == LINKEDIN
    assert source_of(card["lead_creation"]) == FACEBOOK
    assert [source_of(s["conversion"]) for s in card["submissions"]] == [FACEBOOK]
    assert card["company"]["name"] == "Fjord Retail"
    assert source_of(card["company"]["source"]) == FACEBOOK


def test_existing_person_gets_a_conversion_only(client, make_tenant):
    tenant = make_tenant()
    submit(
        client,
        tenant,
        "ingrid@fjord.example",
        first=LINKEDIN,
        latest=FACEBOOK,
        company="Fjord Retail",
        first_name="Ingrid",
    )
    # Matched by email, whatever its case; a different first touch from another browser
    # must not rewrite the person's history.
    submit(
        client,
        tenant,
        "INGRID@fjord.example",
        first=NEWSLETTER,
        latest=NEWSLETTER,
        company="Another Company",
        first_name="Inga",
    )
    card = person(client, tenant, "ingrid@fjord.example")
    assert source_of(card["first_touch"]) == LINKEDIN
    assert source_of(card["lead_creation"]) == FACEBOOK
    assert [source_of(s["conversion"]) for s in card["submissions"]] == [FACEBOOK, NEWSLETTER]
    assert card["first_name"] == "Ingrid"
    assert card["company"]["name"] == "Fjord Retail"
    assert source_of(card["company"]["source"]) == FACEBOOK


def test_existing_company_keeps_its_source(client, make_tenant):
    tenant = make_tenant()
    submit(client, tenant, "a@fjord.example", latest=LINKEDIN, company="Fjord Retail")
    # A new person of a company that already exists (name matched ignoring case and spaces).
    submit(client, tenant, "b@fjord.example", latest=FACEBOOK, company="  fjord   RETAIL ")
    a = person(client, tenant, "a@fjord.example")
    b = person(client, tenant, "b@fjord.example")
    assert b["company"]["id"] == a["company"]["id"]
    assert source_of(b["company"]["source"]) == LINKEDIN
    assert source_of(b["lead_creation"]) == FACEBOOK


def test_company_created_for_an_existing_person_has_no_source(client, make_tenant):
    tenant = make_tenant()
    submit(client, tenant, "solo@example.com", latest=LINKEDIN)
    submit(client, tenant, "solo@example.com", latest=FACEBOOK, company="Later AS")
    card = person(client, tenant, "solo@example.com")
    assert card["company"]["name"] == "Later AS"
    assert card["company"]["source"] is None


def test_without_script_the_submissions_own_touch_is_the_first_touch(client, make_tenant):
    tenant = make_tenant()
    # A hosted form reached by a tagged link: plain utm_* fields, no touches from the script.
    submit(
        client,
        tenant,
        "hosted@example.com",
        utm_source="newsletter",
        utm_medium="email",
        utm_campaign="november",
        ls_landing_page="https://ls.example/f?utm_source=newsletter",
        company="Hosted AS",
    )
    card = person(client, tenant, "hosted@example.com")
    for touch in (
        card["first_touch"],
        card["lead_creation"],
        card["submissions"][0]["conversion"],
        card["company"]["source"],
    ):
        assert source_of(touch) == NEWSLETTER
    assert card["first_touch"]["landing_page"] == "https://ls.example/f?utm_source=newsletter"


def test_first_touch_alone_is_also_the_conversion(client, make_tenant):
    # The script sends no latest touch when the visitor never came back through a campaign.
    tenant = make_tenant()
    submit(client, tenant, "once@example.com", first=LINKEDIN)
    card = person(client, tenant, "once@example.com")
    assert source_of(card["first_touch"]) == LINKEDIN
    assert source_of(card["lead_creation"]) == LINKEDIN
    assert source_of(card["submissions"][0]["conversion"]) == LINKEDIN


def test_no_campaign_data_at_all(client, make_tenant):
    tenant = make_tenant()
    submit(client, tenant, "plain@example.com", company="Plain AS")
    card = person(client, tenant, "plain@example.com")
    assert card["first_touch"] is None
    assert card["lead_creation"] is None
    assert card["submissions"][0]["conversion"] is None
    assert card["company"]["source"] is None


def test_transfer_off_keeps_the_person_but_no_campaign_data(client, make_tenant):
    tenant = make_tenant(utm_transfer=False)
    submit(
        client,
        tenant,
        "private@example.com",
        first=LINKEDIN,
        latest=FACEBOOK,
        company="Private AS",
        utm_source="newsletter",
        first_name="Pia",
    )
    card = person(client, tenant, "private@example.com")
    assert card["first_name"] == "Pia"
    assert card["first_touch"] is None
    assert card["lead_creation"] is None
    assert card["submissions"][0]["conversion"] is None
    assert card["company"] == {"id": card["company"]["id"], "name": "Private AS", "source": None}
    # The UTM value did not sneak in as a plain field either.

    with storage.connect(tenant.db_path, tuples=True) as conn:
        (fields,) = conn.execute("SELECT fields FROM submissions").fetchone()
        (touches,) = conn.execute("SELECT count(*) FROM touches").fetchone()
    assert "newsletter" not in fields
    assert touches == 0


def test_sources_derived_from_referrer_and_click_ids(client, make_tenant):
    tenant = make_tenant()
    organic = touch_json("", "", "", referrer="https://www.google.co.uk/")
    paid = '{"gclid": "abc123", "landing_page": "https://acme.example/?gclid=abc123"}'
    referral = '{"referrer": "https://www.partner-a.example/blog/post"}'
    direct = '{"landing_page": "https://acme.example/"}'
    for email, first in (
        ("o@x.example", organic),
        ("p@x.example", paid),
        ("r@x.example", referral),
        ("d@x.example", direct),
    ):
        response = client.post(tenant.form_path, json={"email": email, "ls_first_touch": first})
        assert response.status_code == 201
    assert source_of(person(client, tenant, "o@x.example")["first_touch"])[:2] == (
        "google",
        "organic",
    )
    paid_touch = person(client, tenant, "p@x.example")["first_touch"]
    assert (paid_touch["source"], paid_touch["medium"]) == ("google", "cpc")
    assert paid_touch["click_ids"] == {"gclid": "abc123"}
    assert source_of(person(client, tenant, "r@x.example")["first_touch"])[:2] == (
        "partner-a.example",
        "referral",
    )
    assert source_of(person(client, tenant, "d@x.example")["first_touch"])[:2] == (
        "(direct)",
        "(none)",
    )


def test_custom_and_extra_fields_are_kept(client, make_tenant):
    tenant = make_tenant(custom_fields=[{"name": "phone", "label": "Phone"}])
    submit(
        client,
        tenant,
        "fields@example.com",
        phone=" +47 22 00 00 00 ",
        budget="10k",
        ls_anything="internal",
        utm_term="not-a-field",
    )
    import json

    with storage.connect(tenant.db_path, tuples=True) as conn:
        (fields,) = conn.execute("SELECT fields FROM submissions").fetchone()
    assert json.loads(fields) == {
        "email": "fields@example.com",
        "phone": "+47 22 00 00 00",
        "budget": "10k",
    }


def history(*sources: str, at: str = "2026-11-0{}T10:00:00.000Z") -> list[dict[str, str]]:
    """Touches as utm.js sends them in ls_touches, oldest first; "" is a direct arrival."""
    return [
        {"utm_source": s, "utm_medium": "m", "at": at.format(i + 1)}
        if s
        else {"at": at.format(i + 1)}
        for i, s in enumerate(sources)
    ]


def test_touch_history_is_kept_with_the_submission(client, make_tenant):
    tenant = make_tenant()
    touches = history("linkedin", "", "facebook")
    touches.append({"referrer": "https://www.google.com/", "at": "2026-11-04T10:00:00.000Z"})
    # Native posts send it as a JSON string, JSON posts as an array.
    native = client.post(
        tenant.form_path,
        data={"email": "path@example.com", "ls_touches": json.dumps(touches)},
        follow_redirects=False,
    )
    assert native.status_code == 303
    submit(client, tenant, "path@example.com", ls_touches=touches[:2])
    card = person(client, tenant, "path@example.com")
    first, second = card["submissions"]
    assert [(t["source"], t["medium"]) for t in first["touches"]] == [
        ("linkedin", "m"),
        ("(direct)", "(none)"),
        ("facebook", "m"),
        ("google", "organic"),
    ]
    assert first["touches"][0]["at"] == "2026-11-01T10:00:00.000Z"
    # The same shape as every other touch of the API.
    assert set(first["touches"][0]) == {
        "source",
        "medium",
        "campaign",
        "term",
        "content",
        "utm_id",
        "click_ids",
        "landing_page",
        "referrer",
        "at",
        "channel",
    }
    assert [t["source"] for t in second["touches"]] == ["linkedin", "(direct)"]


def test_without_history_touches_is_empty(client, make_tenant):
    tenant = make_tenant()
    submit(client, tenant, "none@example.com", first=LINKEDIN)
    assert person(client, tenant, "none@example.com")["submissions"][0]["touches"] == []


def test_history_keeps_the_newest_twenty_and_drops_malformed_entries(client, make_tenant):
    tenant = make_tenant()
    touches: list[object] = [
        {"utm_source": f"s{i}", "at": f"2026-10-01T10:{i:02d}:00.000Z"} for i in range(25)
    ]
    touches[22:22] = ["a string", 7, None, [], {}, {"unknown": "x"}]
    submit(client, tenant, "many@example.com", ls_touches=touches)
    kept = person(client, tenant, "many@example.com")["submissions"][0]["touches"]
    assert [t["source"] for t in kept] == [f"s{i}" for i in range(5, 25)]


@pytest.mark.parametrize(
    "raw",
    ["{not json", '{"utm_source": "x"}', '"a string"', "[" * 3000, "x" * 60000, "null"],
)
def test_unreadable_history_is_never_fatal(client, make_tenant, raw):
    tenant = make_tenant()
    response = client.post(
        tenant.form_path,
        data={"email": "odd@example.com", "ls_touches": raw},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert person(client, tenant, "odd@example.com")["submissions"][0]["touches"] == []


def test_history_with_hostile_values_is_bounded(client, make_tenant):
    tenant = make_tenant()
    touches = [{"utm_source": "x\x00" * 400, "landing_page": "javascript:alert(1)", "at": 5}]
    submit(client, tenant, "hostile@example.com", ls_touches=json.dumps(touches))
    (touch,) = person(client, tenant, "hostile@example.com")["submissions"][0]["touches"]
    assert touch["source"] == "x" * 255
    assert touch["landing_page"] is None


def test_transfer_off_stores_no_history(client, make_tenant):
    tenant = make_tenant(utm_transfer=False)
    submit(client, tenant, "quiet@example.com", ls_touches=history("linkedin", "facebook"))
    assert person(client, tenant, "quiet@example.com")["submissions"][0]["touches"] == []
    with storage.connect(tenant.db_path, tuples=True) as conn:
        assert conn.execute("SELECT count(*) FROM submission_touches").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM touches").fetchone() == (0,)


def test_a_retry_stores_the_history_once(client, make_tenant):
    tenant = make_tenant()
    for _ in range(2):
        submit(
            client,
            tenant,
            "retry@example.com",
            ls_submission_id="retry-0001",
            ls_touches=history("linkedin", "facebook"),
        )
    card = person(client, tenant, "retry@example.com")
    assert [t["source"] for t in card["submissions"][0]["touches"]] == ["linkedin", "facebook"]
    with storage.connect(tenant.db_path, tuples=True) as conn:
        assert conn.execute("SELECT count(*) FROM submission_touches").fetchone() == (2,)
