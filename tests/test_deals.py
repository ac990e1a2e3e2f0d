"""Deals and the pipeline (ingest/domain/deals.py): the API's create, change, read and list
with every validation error, closing and reopening, history, two changes at once, the
stages' rules, and the app's pages (roles, foreign ids, totals)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import person


@pytest.fixture
def lead(client, make_tenant):
    tenant = make_tenant()
    response = client.post(
        tenant.form_path,
        json={
            "email": "ingrid@fjord.example",
            "first_name": "Ingrid",
            "company": "Fjord",
            "utm_source": "linkedin",
            "utm_medium": "paid_social",
            "utm_campaign": "webinar",
        },
    )
    assert response.status_code == 201, response.text
    return tenant, person(client, tenant, "ingrid@fjord.example")


def create(client, tenant, **body: Any):
    return client.post("/api/v1/deals", json=body, headers=tenant.auth)


def test_create_and_read_a_deal(client, lead):
    tenant, ingrid = lead
    response = create(
        client,
        tenant,
        person_id=ingrid["id"],
        title="Fjord rollout",
        amount="1234.5",
        status="open",
    )
    assert response.status_code == 201, response.text
    deal = response.json()
    print(deal)
    assert deal["amount"] == "1234.50"
    assert deal["stage"] == "Qualification"
    assert deal["company"]["name"] == "Fjord"
    assert deal["lead_creation"] == {
        "source": "linkedin",
        "medium": "paid_social",
        "campaign": "webinar",
    }


def test_pages_render(client, lead, make_user):
    from .conftest import sign_in

    tenant, ingrid = lead
    make_user("sam@acme.example", ("acme", "sales"))
    deal = create(
        client, tenant, person_id=ingrid["id"], title="Fjord rollout", amount="100", status="open"
    ).json()
    assert sign_in(client, "sam@acme.example").status_code == 303
    for path in (
        "deals",
        f"deals/{deal['id']}",
        "pipeline",
        f"persons/{ingrid['id']}",
        f"companies/{ingrid['company']['id']}",
        f"deals/new?person={ingrid['id']}",
        f"deals/new?company={ingrid['company']['id']}",
        "deals/new",
    ):
        response = client.get(f"/app/acme/{path}")
        assert response.status_code == 200, (path, response.text[-3000:])
