"""Campaign performance (ingest/storage/campaigns.py, ingest/webapp/campaigns.py) on a small
dataset computed by hand: each measure exact, first touch against lead creation, influenced
contacts counted once, the period on the conversion's date, unowned values, the persons and
deals filters that give the rows behind each number, and tenant isolation."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ingest import storage
from ingest.domain import credits, erasure
from ingest.storage import campaign_counts, campaign_reach, campaigns, links, migrations
from ingest.storage.reports import kept

from .conftest import person, sign_in, touch_json
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
        # The kept reach of the conversion, moved to its day too.
        conn.execute(
            "INSERT INTO person_campaign_days (tenant_id, campaign, day, person_id)"
            " SELECT tenant_id, campaign, ?, person_id FROM person_campaign_days"
            " WHERE tenant_id = ? AND day > ? ON CONFLICT DO NOTHING",
            (when[:10], tenant.tenant_id, "2026-11-30"),
        )
        conn.execute(
            "DELETE FROM person_campaign_days WHERE tenant_id = ? AND day > ?",
            (tenant.tenant_id, "2026-11-30"),
        )
        campaign_counts.recount(conn, tenant.tenant_id)  # the persons' days moved too
        campaign_reach.recount(conn, tenant.tenant_id)
        kept.recount(conn, tenant.tenant_id)

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


@pytest.mark.parametrize("dense", [0.0, 2.0])
def test_the_influenced_list_is_the_same_probed_or_as_a_set(client, spring, monkeypatch, dense):
    """storage/campaigns.probe_each_person: looked up person by person (every campaign
    common) or the campaign's set made first (none), the same persons."""
    tenant, campaign_id = spring
    monkeypatch.setattr(campaigns, "DENSE", dense)
    nov = {"converted_from": "2026-11-01", "converted_to": "2026-11-30"}
    found = emails(client, tenant, "/api/v1/persons", campaign=campaign_id, **nov)
    assert found == ["ann@x.example", "bob@x.example", "cid@x.example", "old@x.example"]
    brand = emails(client, tenant, "/api/v1/persons", campaign_value="brand", limit="2")
    assert len(brand) == 2  # a page of two of the three


def test_the_campaign_filters_combine(client, spring):
    tenant, campaign_id = spring
    persons = "/api/v1/persons"
    both = emails(client, tenant, persons, campaign=campaign_id, campaign_value="spring_rt")
    assert both == ["bob@x.example"]  # the campaign's value spring_rt only
    foreign = emails(client, tenant, persons, campaign=campaign_id, campaign_value="brand")
    assert foreign == []  # not the campaign's
    october = {"converted_from": "2026-10-01", "converted_to": "2026-10-31"}
    by_creation = emails(
        client, tenant, "/api/v1/persons", campaign=campaign_id, campaign_touch="lead_creation",
        **october,
    )  # fmt: skip
    assert by_creation == ["old@x.example"]
    # Without a campaign the campaign's parameters filter nothing.
    assert len(emails(client, tenant, "/api/v1/persons", campaign_touch="first_touch")) == 5


@pytest.mark.parametrize(
    "params",
    [
        {"campaign": "cmp_1", "campaign_touch": "sideways"},
        {"campaign_touch": "sideways"},
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


# -- the pages ------------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, spring, make_user):
    make_user("boss@acme.example", ("acme", "admin"), ("other", "admin"))
    assert sign_in(client, "boss@acme.example").status_code == 303
    return spring


NOV_PARAMS = {"from": "2026-11-01", "to": "2026-11-30"}


def measure(html: str, name: str) -> list[str]:
    """The numbers shown for a measure (``data-measure``), in page order, links unwrapped."""
    found = re.findall(rf'data-measure="{name}">(?:<a href="[^"]*">)?([^<]*)<', html)
    return [value.strip() for value in found]


def test_the_campaign_page(client, signed_in):
    tenant, campaign_id = signed_in
    page = client.get(f"/app/acme/campaigns/{campaign_id}", params=NOV_PARAMS)
    assert page.status_code == 200, page.text
    html = page.text
    assert (measure(html, "sessions"), measure(html, "new_contacts")) == (["2"], ["2"])
    assert (measure(html, "influenced"), measure(html, "deals")) == (["4"], ["3"])
    assert measure(html, "won_deals") == ["2"]
    assert "130.00 EUR" in html
    assert "<svg" in html and "linkedin / paid_social" in html
    # The links behind the numbers are the lists tested above.
    assert f"campaign={campaign_id}&amp;campaign_touch=any&amp;converted_from=2026-11-01" in html
    last = client.get(
        f"/app/acme/campaigns/{campaign_id}", params={**NOV_PARAMS, "touch": "lead_creation"}
    )
    assert (measure(last.text, "new_contacts"), measure(last.text, "deals")) == (["1"], ["2"])
    assert "30.00 EUR" in last.text


def credited_row(html: str, conversion: str) -> str:
    return re.search(rf'<tr data-conversion="{conversion}">(.*?)</tr>', html, re.S).group(1)


def test_the_campaign_page_credits_deals_by_the_chosen_model(client, signed_in, settings):
    """The attributed section: the campaign's share of each conversion under the model in the
    address, equal to the attribution report restricted to its values; models a conversion
    does not offer are said so; each number links to the Attribution page."""
    tenant, campaign_id = signed_in
    storage.transaction(settings.db_path, lambda conn: credits.rebuild(conn, "acme"))
    for model in ("linear", "first_touch", "u_shaped"):
        page = client.get(
            f"/app/acme/campaigns/{campaign_id}", params={**NOV_PARAMS, "model": model}
        )
        assert page.status_code == 200, page.text
        for conversion in ("contact_create", "deal_create", "revenue"):
            report = client.get(
                "/api/v1/reports/attribution",
                params=[
                    ("conversion", conversion),
                    ("model", model),
                    ("by", "campaign"),
                    ("from", "2026-11-01"),
                    ("to", "2026-11-30"),
                    ("campaign", "spring"),
                    ("campaign", "spring_rt"),
                ],
                headers=tenant.auth,
            ).json()
            credit = sum(Decimal(row["credit"]) for row in report["rows"])
            row = credited_row(page.text, conversion)
            assert f">{credit.quantize(Decimal('0.01'))}</a>" in row, (model, conversion, row)
            assert f'Conversions it touched">{report["conversions"]}</td>' in row
            assert "campaign=spring&amp;campaign=spring_rt" in row and f"model={model}" in row
    shaped = client.get(f"/app/acme/campaigns/{campaign_id}", params={"model": "w_shaped"})
    assert "not offered for contact creation" in credited_row(shaped.text, "contact_create")
    assert "<a href" in credited_row(shaped.text, "deal_create")
    full = client.get(f"/app/acme/campaigns/{campaign_id}", params={"model": "full_path"})
    assert "not offered for deal creation" in credited_row(full.text, "deal_create")
    assert (
        client.get(f"/app/acme/campaigns/{campaign_id}", params={"model": "x"}).status_code == 400
    )


def test_the_list_sorts_and_compares(client, signed_in):
    tenant, campaign_id = signed_in
    listed = client.get("/app/acme/campaigns", params={**NOV_PARAMS, "sort": "-influenced"})
    assert listed.status_code == 200, listed.text
    assert measure(listed.text, "influenced") == ["4", "3"]
    assert measure(listed.text, "new_contacts") == ["2", "2"]
    by_name = client.get("/app/acme/campaigns", params={**NOV_PARAMS, "sort": "-name"})
    assert measure(by_name.text, "influenced") == ["4", "3"]  # Spring after brand, lowered
    compared = client.get(
        "/app/acme/campaigns/compare",
        params={**NOV_PARAMS, "campaign": campaign_id, "value": "brand", "touch": "lead_creation"},
    )
    assert compared.status_code == 200, compared.text
    assert measure(compared.text, "new_contacts") == ["1", "3"]
    assert measure(compared.text, "influenced") == ["4", "3"]
    assert compared.text.count("<polyline") == 2  # a line per campaign
    one = client.get("/app/acme/campaigns/compare", params={"campaign": campaign_id})
    assert one.status_code == 400 and "Pick 2 to 4" in one.text


def test_an_unowned_value_has_a_page(client, signed_in):
    tenant, campaign_id = signed_in
    page = client.get("/app/acme/campaigns/unowned", params={**NOV_PARAMS, "value": "brand"})
    assert page.status_code == 200
    assert measure(page.text, "new_contacts") == ["2"]
    assert "campaign_value=brand" in page.text
    owned = client.get(
        "/app/acme/campaigns/unowned", params={"value": "spring"}, follow_redirects=False
    )
    assert owned.status_code == 303
    assert owned.headers["location"].startswith(f"/app/acme/campaigns/{campaign_id}?")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("campaigns", {"sort": "clicks"}),
        ("campaigns", {"period": "forever"}),
        ("campaigns", {"from": "2026-11-30", "to": "2026-11-01"}),
        ("campaigns", {"touch": "middle"}),
        ("campaigns/unowned", {"value": "x" * 501}),
        ("campaigns/compare", {"value": "a"}),
        ("campaigns/compare", {"value": ["a", "b", "c", "d", "e"]}),
    ],
)
def test_bad_choices_are_400(client, signed_in, path, params):
    response = client.get(f"/app/acme/{path}", params=params)
    assert response.status_code == 400


def test_another_tenants_campaign_is_404(client, signed_in):
    tenant, campaign_id = signed_in
    assert client.get(f"/app/other/campaigns/{campaign_id}").status_code == 404
    assert client.get("/app/acme/campaigns/cmp_nope").status_code == 404
    compared = client.get(f"/app/other/campaigns/compare?campaign={campaign_id}&value=brand")
    assert compared.status_code == 404
    assert client.get(f"/app/acme/campaigns/{campaign_id}").status_code == 200


def test_the_lists_say_what_the_campaign_filter_is(client, signed_in):
    tenant, campaign_id = signed_in
    persons = client.get(
        "/app/acme/persons",
        params={
            "campaign": campaign_id,
            "campaign_touch": "first_touch",
            "created_from": "2026-11-01",
        },
    )
    assert persons.status_code == 200
    assert "the campaign &#39;Spring&#39;" in persons.text
    assert persons.text.count('href="/app/acme/persons/') == 2  # Ann and Bob
    assert f'name="campaign" value="{campaign_id}"' in persons.text  # kept by the form
    deals = client.get("/app/acme/deals", params={"campaign_value": "brand"})
    assert "utm_campaign &#39;brand&#39;" in deals.text
    assert re.search(r'data-total="count">1<', deals.text)


def test_the_kept_reach_is_the_recomputed_one_and_goes_with_the_person(spring, settings):
    """What the submission job keeps equals what migration 0024 computes from the raw rows;
    an erased person leaves nothing behind."""
    sql = Path(migrations.__file__).parent.parent / "migrations" / "0024_campaign_performance.sql"
    recompute = sql.read_text().split("INSERT INTO person_campaign_days")[1]
    recompute = recompute.split("(tenant_id, campaign, day, person_id)", 1)[1].split(";")[0]
    with storage.connect(settings.db_path) as conn:
        kept = conn.execute(
            "SELECT tenant_id, campaign, day, person_id FROM person_campaign_days"
            " WHERE tenant_id = 'acme'"
        ).fetchall()
        again = conn.execute(recompute).fetchall()
    assert sorted(map(tuple, kept)) == sorted(map(tuple, again))
    assert len(kept) == 8  # Old 2 (October, November), Ann 2 (one a value), Bob, Cid 2, Dan
    person_id = read(settings, erasure.find_person, "cid@x.example")
    storage.transaction(settings.db_path, lambda conn: erasure.erase(conn, "acme", person_id))
    with storage.connect(settings.db_path) as conn:
        left = conn.execute(
            "SELECT COUNT(*) FROM person_campaign_days WHERE tenant_id = ? AND person_id = ?",
            ("acme", person_id),
        ).fetchone()[0]
    assert left == 0
    assert read(settings, campaigns.measures, SPRING, "first_touch", *NOV).influenced == 3
    with storage.connect(settings.db_path) as conn:  # the kept reaches went with them
        assert storage.in_transaction(conn, lambda c: campaign_reach.differences(c, "acme")) == []


def test_steps_of_a_period_and_their_sums():
    from datetime import date

    from ingest.domain.campaigns import rolled_up, steps

    weeks = steps(date(2026, 11, 4), date(2026, 11, 18), "week")  # a Wednesday to a Wednesday
    assert [(s.label, s.first.day, s.last.day) for s in weeks] == [
        ("Week of 2026-11-02", 4, 8),
        ("Week of 2026-11-09", 9, 15),
        ("Week of 2026-11-16", 16, 18),
    ]
    months = steps(date(2025, 12, 15), date(2026, 2, 3), "month")
    assert [(s.label, s.first.isoformat(), s.last.isoformat()) for s in months] == [
        ("2025-12", "2025-12-15", "2025-12-31"),
        ("2026-01", "2026-01-01", "2026-01-31"),
        ("2026-02", "2026-02-01", "2026-02-03"),
    ]
    assert len(steps(date(2026, 1, 1), date(2026, 1, 31), "day")) == 31
    days = {"2026-11-04": {"contacts": 2}, "2026-11-15": {"contacts": 3}, "2026-11-16": {}}
    days |= {"2026-11-30": {"contacts": 9}}  # after the period: not counted
    assert rolled_up(days, weeks, "contacts") == [2, 3, 0]


def test_the_api(client, spring):
    tenant, campaign_id = spring
    nov = {"from": "2026-11-01", "to": "2026-11-30"}
    listed = client.get("/api/v1/campaigns", params=nov, headers=tenant.auth)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert (body["period"], body["from"], body["to"], body["touch"]) == (
        "custom", "2026-11-01", "2026-11-30", "first_touch",
    )  # fmt: skip
    by_name = {item["name"]: item for item in body["items"]}
    assert by_name["Spring"]["id"] == campaign_id and by_name["brand"]["id"] is None
    assert (by_name["Spring"]["new_contacts"], by_name["Spring"]["influenced"]) == (2, 4)
    assert by_name["Spring"]["revenue"] == [{"currency": "EUR", "amount": "130.00"}]
    one = client.get(
        f"/api/v1/campaigns/{campaign_id}/performance",
        params={**nov, "touch": "lead_creation", "every": "week"},
        headers=tenant.auth,
    )
    assert one.status_code == 200, one.text
    data = one.json()
    assert (data["new_contacts"], data["deals"], data["won_deals"]) == (1, 2, 1)
    # 1 Nov 2026 is a Sunday: a week of one day, then Mondays; Bob came on the 5th.
    assert [w["new_contacts"] for w in data["over_time"]] == [0, 1, 0, 0, 0, 0]
    assert [(t["source"], t["views"]) for t in data["traffic"]] == [
        ("linkedin", 2), ("google", 1),
    ]  # fmt: skip
    bad = client.get("/api/v1/campaigns", params={"from": "2026-11-30", "to": "2026-11-01"},
                     headers=tenant.auth)  # fmt: skip
    assert bad.status_code == 400 and "before" in bad.json()["error"]["message"]
    missing = client.get("/api/v1/campaigns/cmp_none/performance", headers=tenant.auth)
    assert missing.status_code == 404
