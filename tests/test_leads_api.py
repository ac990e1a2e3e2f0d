"""``POST /api/v1/leads``: leads from chat, other systems and imports, by the data-point rules
of a form submission, with how they came (``via``) kept on the submission (both engines)."""

from __future__ import annotations

import json

import pytest

from .conftest import person, rows, source_of, touch_json

LINKEDIN = json.loads(touch_json("linkedin", "paid_social", "webinar"))
DIRECT = {"landing_page": "https://acme.example/pricing", "at": "2026-11-03T09:00:00.000Z"}
FACEBOOK = {
    **json.loads(touch_json("facebook", "paid_social", "retargeting")),
    "at": "2026-11-02T18:00:00.000Z",
}


def test_a_chat_lead_gets_the_data_points_of_its_touches(client, make_tenant, db_url):
    tenant = make_tenant()
    response = client.post(
        "/api/v1/leads",
        json={
            "email": "Chat@Example.com",
            "first_name": "Ada",
            "company": "Fjord",
            "via": "chat",
            # oldest first; the latest is direct, so the latest campaign touch converts
            "touches": [LINKEDIN, FACEBOOK, DIRECT],
        },
        headers=tenant.auth,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["created_person"] is True
    card = person(client, tenant, "chat@example.com")
    assert card["id"] == body["person_id"]
    assert source_of(card["first_touch"]) == ("linkedin", "paid_social", "webinar")
    assert source_of(card["lead_creation"]) == ("facebook", "paid_social", "retargeting")
    (submission,) = card["submissions"]
    assert (submission["via"], submission["form_id"]) == ("chat", None)
    assert submission["id"] == body["submission_id"]
    assert source_of(submission["conversion"]) == ("facebook", "paid_social", "retargeting")
    assert [t["source"] for t in submission["touches"]] == ["linkedin", "facebook", "(direct)"]
    assert card["company"]["name"] == "Fjord"
    (stored,) = rows(db_url, "SELECT via, form_id FROM submissions")
    assert stored == {"via": "chat", "form_id": ""}


def test_a_known_person_only_gains_a_conversion(client, make_tenant):
    tenant = make_tenant()
    sent = client.post(
        tenant.form_path,
        json={"email": "ada@example.com", "ls_first_touch": touch_json("google", "cpc", "brand")},
    )
    assert sent.status_code == 201
    response = client.post(
        "/api/v1/leads",
        json={"email": "ada@example.com", "via": "api", "touches": [FACEBOOK]},
        headers=tenant.auth,
    )
    assert response.status_code == 201 and response.json()["created_person"] is False
    card = person(client, tenant, "ada@example.com")
    assert source_of(card["first_touch"]) == ("google", "cpc", "brand")
    assert [s["via"] for s in card["submissions"]] == ["form", "api"]
    assert source_of(card["submissions"][1]["conversion"])[0] == "facebook"


def test_a_lead_without_touches_is_direct_and_via_defaults_to_api(client, make_tenant):
    tenant = make_tenant()
    response = client.post("/api/v1/leads", json={"email": "x@example.com"}, headers=tenant.auth)
    assert response.status_code == 201
    card = person(client, tenant, "x@example.com")
    assert card["first_touch"] is None and card["lead_creation"] is None
    assert card["submissions"][0]["via"] == "api"


def test_a_retry_with_the_same_id_is_stored_once(client, make_tenant, db_url):
    tenant = make_tenant()
    lead = {"email": "r@example.com", "via": "chat", "submission_id": "chat-0001-abcd"}
    first = client.post("/api/v1/leads", json=lead, headers=tenant.auth)
    again = client.post("/api/v1/leads", json=lead, headers=tenant.auth)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == {**again.json(), "created_person": True}
    assert len(rows(db_url, "SELECT 1 FROM submissions")) == 1
    other = client.post(
        "/api/v1/leads", json={**lead, "first_name": "Someone else"}, headers=tenant.auth
    )
    assert other.status_code == 409


def test_utm_transfer_off_keeps_no_campaign_data(client, make_tenant):
    tenant = make_tenant(utm_transfer=False)
    response = client.post(
        "/api/v1/leads",
        json={"email": "off@example.com", "via": "chat", "touches": [LINKEDIN]},
        headers=tenant.auth,
    )
    assert response.status_code == 201
    card = person(client, tenant, "off@example.com")
    assert card["first_touch"] is None and card["submissions"][0]["touches"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"via": "chat"}, "email"),
        ({"email": "not an email"}, "email"),
        ({"email": "a@example.com", "via": "fax"}, "via"),
        ({"email": "a@example.com", "via": "form"}, "via"),
        ({"email": "a@example.com", "first_name": 7}, "first_name"),
        ({"email": "a@example.com", "touches": {"utm_source": "x"}}, "touches"),
        ({"email": "a@example.com", "submission_id": "short"}, "submission_id"),
        ({"email": "a@example.com", "phone": "123"}, "phone"),
    ],
)
def test_bad_leads_are_refused_field_by_field(client, make_tenant, db_url, body, field):
    tenant = make_tenant()
    response = client.post("/api/v1/leads", json=body, headers=tenant.auth)
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["fields"]
    assert rows(db_url, "SELECT 1 FROM persons") == []


def test_not_json_is_refused(client, make_tenant):
    tenant = make_tenant()
    as_form = client.post("/api/v1/leads", data={"email": "a@example.com"}, headers=tenant.auth)
    assert as_form.status_code == 415
    not_object = client.post(
        "/api/v1/leads",
        content=b"[1]",
        headers={**tenant.auth, "Content-Type": "application/json"},
    )
    assert not_object.status_code == 422
    assert not_object.json()["error"]["fields"] == {"body": "Must be a JSON object."}
    not_json = client.post(
        "/api/v1/leads",
        content=b"{nope",
        headers={**tenant.auth, "Content-Type": "application/json"},
    )
    assert not_json.status_code == 400
    too_many = client.post(
        "/api/v1/leads",
        json={"email": "a@example.com", "touches": [LINKEDIN] * 400},
        headers=tenant.auth,
    )
    assert too_many.status_code == 422
    assert "touches" in too_many.json()["error"]["fields"]
