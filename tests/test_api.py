"""The read API and tenant isolation."""

from __future__ import annotations

import pytest

from .conftest import person, touch_json


@pytest.fixture
def two_tenants(client, make_tenant):
    a = make_tenant("tenant-a")
    b = make_tenant("tenant-b")
    for tenant, campaign in ((a, "for-a"), (b, "for-b")):
        response = client.post(
            tenant.form_path,
            json={
                "email": "same@example.com",
                "first_name": tenant.tenant_id,
                "company": "Shared Name AS",
                "ls_first_touch": touch_json("linkedin", "social", campaign),
            },
        )
        assert response.status_code == 201
    return a, b


def test_person_shape(client, two_tenants):
    a, _ = two_tenants
    card = person(client, a, "same@example.com")
    assert set(card) >= {
        "id",
        "email",
        "first_name",
        "last_name",
        "first_touch",
        "lead_creation",
        "company",
        "submissions",
    }
    assert set(card["first_touch"]) >= {
        "source",
        "medium",
        "campaign",
        "term",
        "content",
        "landing_page",
        "referrer",
        "at",
    }
    assert set(card["company"]) >= {"id", "name", "source"}
    assert set(card["submissions"][0]) >= {"id", "form_id", "submitted_at", "conversion"}
    assert card["submissions"][0]["form_id"] == a.form_id


def test_each_key_sees_only_its_tenant(client, two_tenants):
    a, b = two_tenants
    card_a = person(client, a, "same@example.com")
    card_b = person(client, b, "same@example.com")
    assert card_a["id"] != card_b["id"]
    assert card_a["first_name"] == "tenant-a"
    assert card_a["first_touch"]["campaign"] == "for-a"
    assert card_b["first_touch"]["campaign"] == "for-b"
    # Same company name, separate companies.
    assert card_a["company"]["id"] != card_b["company"]["id"]
    # Listing without a filter shows one person per tenant.
    listed = client.get("/api/v1/persons", headers=a.auth).json()["items"]
    assert [p["id"] for p in listed] == [card_a["id"]]
    # Another tenant's person id answers 404, not the person.
    assert client.get(f"/api/v1/persons/{card_b['id']}", headers=a.auth).status_code == 404
    assert (
        client.get(f"/api/v1/persons/{card_a['id']}", headers=a.auth).json()["id"] == card_a["id"]
    )


def test_unknown_email_is_an_empty_list(client, two_tenants):
    a, _ = two_tenants
    response = client.get("/api/v1/persons", params={"email": "nobody@example.com"}, headers=a.auth)
    assert response.json() == {"items": [], "next_cursor": None}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer ls_not_a_real_key"},
    ],
)
def test_missing_or_wrong_key_is_401(client, two_tenants, headers):
    response = client.get("/api/v1/persons", params={"email": "same@example.com"}, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("limit", ["0", "201", "ten"])
def test_bad_limit_is_400(client, two_tenants, limit):
    a, _ = two_tenants
    response = client.get("/api/v1/persons", params={"limit": limit}, headers=a.auth)
    assert response.status_code == 400
    assert "limit" in response.json()["error"]["message"]
