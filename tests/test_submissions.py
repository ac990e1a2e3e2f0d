"""The data-point rules of SPEC "Vocabulary", through the real app and a real SQLite file."""

from __future__ import annotations

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
    import sqlite3

    with sqlite3.connect(tenant.db_path) as conn:
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
    import sqlite3

    with sqlite3.connect(tenant.db_path) as conn:
        (fields,) = conn.execute("SELECT fields FROM submissions").fetchone()
    assert json.loads(fields) == {
        "email": "fields@example.com",
        "phone": "+47 22 00 00 00",
        "budget": "10k",
    }
