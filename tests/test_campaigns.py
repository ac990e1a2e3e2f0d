"""Campaign performance (ingest/storage/campaigns.py, ingest/webapp/campaigns.py) on a small
dataset computed by hand: each measure exact, first touch against lead creation, influenced
contacts counted once, the period on the conversion's date, unowned values, the persons and
deals filters that give the rows behind each number, and tenant isolation."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ingest import storage
from ingest.storage import campaigns, links

from .conftest import person, touch_json
from .test_collect import CHROME

NOV = ("2026-11-01T00:00:00.000Z", "2026-12-01T00:00:00.000Z")
OCT = ("2026-10-01T00:00:00.000Z", "2026-11-01T00:00:00.000Z")
SITE = "https://www.acme.example/"
CLOCK: list[datetime] = [datetime(2026, 11, 23, 10, 0, tzinfo=UTC)]


def submit(client, tenant, email: str, campaign: str, source: str = "facebook", **extra):
    """A submission at the clock's time (submissions take the real time: moved after)."""
    body = {
        "email": email,
        "utm_source": source,
        "utm_medium": "cpc",
        "utm_campaign": campaign,
        **extra,
    }
    response = client.post(tenant.form_path, json=body)
    assert response.status_code == 201, response.text
    when = CLOCK[0].strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def stamp(conn):
        for table, column in (("persons", "created_at"), ("submissions", "submitted_at")):
            conn.execute(
                f"UPDATE {table} SET {column} = ? WHERE tenant_id = ? AND {column} > ?",
                (when, tenant.tenant_id, "2026-11-30"),
            )

    storage.transaction(tenant.db_path, stamp)


def view(client, tenant, visitor: str, source: str, medium: str, campaign: str) -> None:
    url = f"{SITE}?utm_source={source}&utm_medium={medium}&utm_campaign={campaign}"
    response = client.post(
        f"/t/{tenant.tenant_id}/collect",
        content=json.dumps({"v": visitor, "u": url, "r": ""}).encode(),
        headers={"Content-Type": "text/plain;charset=UTF-8", "User-Agent": CHROME},
    )
    assert response.status_code == 204, response.text


def deal(client, tenant, email: str, amount: str, status: str, **times: str) -> None:
    body = {"person_id": person(client, tenant, email)["id"], "title": "T", "amount": amount}
    response = client.post(
        "/api/v1/deals", json={**body, "status": status, **times}, headers=tenant.auth
    )
    assert response.status_code == 201, response.text


@pytest.fixture
def spring(client, make_tenant, clock, settings):
    """The tenant acme; the campaign Spring owns ``spring`` and ``spring_rt``; ``brand`` is
    nobody's. Old (October) came by spring; in November: Ann (first touch spring, lead
    creation brand), Bob (spring_rt), Cid (brand, with a spring touch in his history), Dan
    (brand only), and Old again (converting on spring). Deals in November: Ann's won 100,
    Bob's open 50, Old's won 30."""
    tenant = make_tenant()
    campaign_id = storage.transaction(
        settings.db_path,
        lambda conn: links.create_campaign(conn, "acme", "Spring", ["spring", "spring_rt"]),
    )
    clock.now = CLOCK[0] = datetime(2026, 10, 10, 9, 0, tzinfo=UTC)
    submit(client, tenant, "old@x.example", "spring")
    clock.now = CLOCK[0] = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
    spring_touch = touch_json("linkedin", "paid_social", "spring")
    submit(client, tenant, "ann@x.example", "brand", ls_first_touch=spring_touch)
    submit(client, tenant, "ann@x.example", "brand", ls_touches=f"[{spring_touch}]")
    submit(client, tenant, "bob@x.example", "spring_rt", source="google")
    submit(client, tenant, "cid@x.example", "brand", ls_touches=f"[{spring_touch}]")
    submit(client, tenant, "dan@x.example", "brand")
    clock.now = CLOCK[0] = datetime(2026, 11, 6, 9, 0, tzinfo=UTC)
    submit(client, tenant, "old@x.example", "spring")
    view(client, tenant, "visitor-01", "linkedin", "paid_social", "spring")
    view(client, tenant, "visitor-01", "linkedin", "paid_social", "spring")
    view(client, tenant, "visitor-02", "google", "cpc", "spring_rt")
    view(client, tenant, "visitor-03", "facebook", "cpc", "brand")
    clock.now = CLOCK[0] = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    won = {"created_at": "2026-11-07", "closed_at": "2026-11-08"}
    deal(client, tenant, "ann@x.example", "100", "won", **won)
    deal(client, tenant, "bob@x.example", "50", "open", created_at="2026-11-07")
    deal(client, tenant, "old@x.example", "30", "won", **won)
    return tenant, campaign_id


def read(settings, fn, *args, **kwargs):
    with storage.connect(settings.db_path) as conn:
        return fn(conn, "acme", *args, **kwargs)


SPRING = ("spring", "spring_rt")


def test_measures_by_first_touch_and_by_lead_creation(spring, settings):
    first = read(settings, campaigns.measures, SPRING, "first_touch", *NOV)
    assert (first.sessions, first.views) == (2, 3)
    assert first.new_contacts == 2  # Ann and Bob; Old is October's
    assert first.influenced == 4  # Ann (twice), Bob, Cid (history), Old (a conversion): once each
    assert (first.deals, first.won_deals, first.revenue) == (3, 2, [("EUR", 13000)])
    last = read(settings, campaigns.measures, SPRING, "lead_creation", *NOV)
    assert last.new_contacts == 1  # Bob: Ann's lead was created by brand
    assert last.influenced == 4  # whatever the choice
    assert (last.deals, last.won_deals, last.revenue) == (2, 1, [("EUR", 3000)])


def test_the_period_is_the_conversions_date(spring, settings):
    october = read(settings, campaigns.measures, SPRING, "first_touch", *OCT)
    assert (october.new_contacts, october.influenced, october.sessions) == (1, 1, 0)
    assert (october.deals, october.revenue) == (0, [])
    days = read(settings, campaigns.by_day, SPRING, "first_touch", *NOV)
    assert days == {
        "2026-11-05": {"contacts": 2, "sessions": 0},
        "2026-11-06": {"contacts": 0, "sessions": 2},
    }


def test_an_unowned_value_is_a_campaign_of_its_own(spring, settings):
    listed = read(settings, campaigns.catalogue)
    assert [(c.name, c.values, c.unowned) for c in listed] == [
        ("Spring", SPRING, False),
        ("brand", ("brand",), True),
    ]
    brand = read(settings, campaigns.measures, ("brand",), "lead_creation", *NOV)
    assert (brand.sessions, brand.new_contacts, brand.influenced) == (1, 3, 3)
    assert (brand.deals, brand.revenue) == (1, [("EUR", 10000)])
    assert read(settings, campaigns.measures, ("brand",), "first_touch", *NOV).new_contacts == 2


def test_traffic_by_source(spring, settings):
    rows = read(settings, campaigns.traffic, SPRING, *NOV)
    assert [
        (r["source"], r["medium"], r["views"], r["sessions"], r["new_visitors"], r["contacts"])
        for r in rows
    ] == [("linkedin", "paid_social", 2, 1, 1, 1), ("google", "cpc", 1, 1, 1, 1)]


def emails(client, tenant, path: str, **params: str) -> list[str]:
    response = client.get(path, params=params, headers=tenant.auth)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    return sorted(i["email"] if "email" in i else i["person"]["email"] for i in items)


def test_the_lists_behind_the_numbers(client, spring):
    tenant, campaign_id = spring
    nov = {"converted_from": "2026-11-01", "converted_to": "2026-11-30"}
    influenced = emails(client, tenant, "/api/v1/persons", campaign=campaign_id, **nov)
    assert influenced == ["ann@x.example", "bob@x.example", "cid@x.example", "old@x.example"]
    created = {"created_from": "2026-11-01", "created_to": "2026-11-30"}
    new = emails(
        client, tenant, "/api/v1/persons", campaign=campaign_id, campaign_touch="first_touch",
        **created,
    )  # fmt: skip
    assert new == ["ann@x.example", "bob@x.example"]
    brand = emails(
        client, tenant, "/api/v1/persons", campaign_value="brand",
        campaign_touch="lead_creation", **created,
    )  # fmt: skip
    assert brand == ["ann@x.example", "cid@x.example", "dan@x.example"]
    deals = client.get(
        "/api/v1/deals",
        params={"campaign": campaign_id, "campaign_touch": "first_touch", **created},
        headers=tenant.auth,
    ).json()["items"]
    assert len(deals) == 3
    won = client.get(
        "/api/v1/deals",
        params={"campaign": campaign_id, "status": "won", "closed_from": "2026-11-01"},
        headers=tenant.auth,
    ).json()["items"]
    assert [d["amount"] for d in won] == ["30.00"]  # lead creation by default: Old's


@pytest.mark.parametrize(
    "params",
    [
        {"campaign_touch": "any"},
        {"campaign": "cmp_1", "campaign_value": "x"},
        {"campaign": "cmp_1", "campaign_touch": "sideways"},
        {"campaign": "cmp_1", "campaign_touch": "first_touch", "converted_from": "2026-01-01"},
        {"campaign": "cmp_1", "converted_to": "2026-13-01"},
    ],
)
def test_bad_campaign_filters_are_400(client, make_tenant, params):
    tenant = make_tenant()
    response = client.get("/api/v1/persons", params=params, headers=tenant.auth)
    assert response.status_code == 400, response.text
    assert response.json()["error"]


def test_a_foreign_campaign_filters_to_nothing(client, spring, make_tenant, settings):
    tenant, campaign_id = spring
    other = make_tenant("other")
    client.post(other.form_path, json={"email": "z@x.example", "utm_campaign": "spring"})
    assert emails(client, other, "/api/v1/persons", campaign=campaign_id) == []
