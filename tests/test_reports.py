"""Reports (``/api/v1/reports/<measure>``) on a small case counted by hand, on both engines:
every measure, groupings, periods, filters, the links behind each number (a count equals
the rows of the list it links to), CSV, bad parameters; ``/api/v1/dashboards``."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import parse_qsl

import pytest

from ingest import storage
from ingest.storage.reports import kept

from .conftest import person, touch_json
from .test_lead_lists import acme, patch  # noqa: F401  (the fixture)

LINKEDIN = json.loads(touch_json("linkedin", "paid_social", "webinar"))
FACEBOOK = {
    **json.loads(touch_json("facebook", "paid_social", "retargeting")),
    "at": "2026-02-02T18:00:00.000Z",
}
REFERRAL = {"landing_page": "https://acme.example/", "referrer": "https://news.example/a",
            "at": "2026-11-19T08:00:00.000Z"}  # fmt: skip


def lead(client, tenant, email, touches, via="chat"):
    response = client.post(
        "/api/v1/leads",
        json={"email": email, "via": via, "touches": touches},
        headers=tenant.auth,
    )
    assert response.status_code == 201, response.text


CREATED = {
    **{e: f"2026-11-10T09:0{i}:00.000Z" for i, e in enumerate(
        ("anna@x.example", "bo@x.example", "carl@x.example", "erik@x.example",
         "dina@x.example", "finn@x.example"))},
    "gus@x.example": "2026-03-10T10:00:00.000Z",
    "hal@x.example": "2026-11-20T10:00:00.000Z",
    "old@x.example": "2025-12-15T10:00:00.000Z",
}  # fmt: skip


def backdate(settings, created: dict[str, str], tenant_id: str = "acme") -> None:
    """Persons made at other times: their creation set by hand, and the reports' kept
    counts made again (direct SQL bypasses the statements that keep them)."""

    def work(conn):
        for email, at in created.items():
            conn.execute("UPDATE persons SET created_at = ? WHERE tenant_id = ? AND email = ?",
                         (at, tenant_id, email))  # fmt: skip
        kept.recount(conn, tenant_id)

    storage.transaction(settings.db_path, work)


def deal(client, tenant, email, amount, status, created, closed=None):
    body = {"person_id": person(client, tenant, email)["id"], "title": f"{email} {amount}",
            "amount": amount, "status": status, "created_at": created}  # fmt: skip
    if closed:
        body["closed_at"] = closed
    response = client.post("/api/v1/deals", json=body, headers=tenant.auth)
    assert response.status_code == 201, response.text


@pytest.fixture
def data(client, acme, settings):  # noqa: F811
    """acme's six form persons and: gus by chat (first touch LinkedIn, lead creation
    Facebook), hal by the API from a referral, old by chat last year; each made at its
    ``CREATED`` time (the app's clock is 23 November 2026). Deals: anna's won, gus's won and
    an open one of last year, bo's open, hal's lost."""
    lead(client, acme, "old@x.example", [{**LINKEDIN, "at": "2025-12-14T10:00:00.000Z"}])
    lead(client, acme, "gus@x.example", [{**LINKEDIN, "at": "2026-01-05T10:00:00.000Z"}, FACEBOOK])
    lead(client, acme, "hal@x.example", [REFERRAL], via="api")

    backdate(settings, CREATED)
    deal(client, acme, "anna@x.example", "1000", "won", "2026-05-01", "2026-06-01")
    deal(client, acme, "gus@x.example", "250.50", "won", "2026-04-01", "2026-11-01")
    deal(client, acme, "gus@x.example", "99", "open", "2025-11-01")
    deal(client, acme, "bo@x.example", "500", "open", "2026-07-01")
    deal(client, acme, "hal@x.example", "300", "lost", "2026-08-01", "2026-08-15")
    return acme


def report(client, tenant, measure, **params):
    response = client.get(f"/api/v1/reports/{measure}", params=params, headers=tenant.auth)
    assert response.status_code == 200, response.text
    return response.json()


def rows_of(body, column="leads"):
    return {r["key"]: r[column] for r in body["rows"]}


@pytest.mark.parametrize(
    ("measure", "params", "expected", "total"),
    [
        ("new_leads", {}, {}, 8),
        ("new_leads", {"by": "lead_creation_source"}, {"": 6, "facebook": 1, "news.example": 1}, 8),
        ("new_leads", {"by": "first_touch_source"}, {"": 6, "linkedin": 1, "news.example": 1}, 8),
        ("new_leads", {"by": "first_touch_campaign"}, {"": 7, "webinar": 1}, 8),
        ("new_leads", {"by": "lead_creation_source_medium"},
         {" / ": 6, "facebook / paid_social": 1, "news.example / referral": 1}, 8),
        ("new_leads", {"by": "lead_creation_channel"}, {"": 6, "Paid Social": 1, "Referral": 1}, 8),
        ("new_leads", {"by": "referring_site"}, {"news.example": 1}, 1),  # of referrals
        ("new_leads", {"by": "via"}, {"form": 6, "chat": 1, "api": 1}, 8),
        ("new_leads", {"by": "lead_status"},
         {"sts_open": 2, "sts_contacting": 1, "sts_qualified": 1, "": 4}, 8),
        ("new_leads", {"by": "category"}, {"cat_lead": 3, "cat_customer": 2, "": 3}, 8),
        ("new_leads", {"by": "category_group"}, {"grp_potential": 3, "grp_customer": 2, "": 3}, 8),
        ("new_leads", {"by": "owner"},
         {"sales@acme.example": 1, "admin@acme.example": 1, "": 6}, 8),
        ("new_leads", {"by": "month"}, {"2026-03": 1, "2026-11": 7}, 8),
        ("new_leads", {"by": "day"}, {"2026-03-10": 1, "2026-11-10": 6, "2026-11-20": 1}, 8),
        ("new_leads", {"via": "chat"}, {}, 1),
        ("new_leads", {"via": "form", "by": "category"},
         {"cat_lead": 3, "cat_customer": 2, "": 1}, 6),
        ("new_leads", {"owner": "sales@acme.example"}, {}, 1),
        ("new_leads", {"category": "Customer"}, {}, 2),
        ("new_leads", {"category_group": "Potential customer"}, {}, 3),
        ("new_leads", {"channel": "Referral"}, {}, 1),
        ("new_leads", {"period": "last_month"}, {}, 0),
        ("new_leads", {"period": "this_month"}, {}, 7),
        ("new_leads", {"from": "2025-12-01", "to": "2025-12-31"}, {}, 1),
        ("new_leads", {"from": "2025-12-15", "to": "2026-03-10"}, {}, 2),
    ],
)  # fmt: skip
def test_new_leads(client, data, measure, params, expected, total):
    body = report(client, data, measure, **params)
    if expected:
        assert rows_of(body) == expected
    assert body["total"]["leads"] == total


def test_funnel_from_the_status_history(client, data):
    body = report(client, data, "qualification")
    steps = [(r["label"], r["ever_reached"], r["in_it_now"]) for r in body["rows"]]
    assert steps == [
        ("Open", 4, 2),
        ("Contacting", 1, 1),
        ("Disqualified", 0, 0),
        ("Recontact", 0, 0),
        ("Qualified", 1, 1),
    ]
    assert body["total"]["leads"] == 8
    # Anna moves on; the funnel keeps that she was Open.
    anna = person(client, data, "anna@x.example")["id"]
    patch(client, data, f"/api/v1/persons/{anna}", {"lead_status": "Disqualified"})
    steps = {
        r["label"]: (r["ever_reached"], r["in_it_now"])
        for r in report(client, data, "qualification")["rows"]
    }
    assert steps["Open"] == (4, 1) and steps["Disqualified"] == (1, 1)


@pytest.mark.parametrize(
    ("measure", "params", "column", "expected", "total"),
    [
        ("new_deals", {}, "deals", {}, 4),
        ("new_deals", {"by": "lead_creation_source"}, "deals",
         {"": 2, "facebook": 1, "news.example": 1}, 4),
        ("sales", {"by": "lead_creation_source"}, "deals", {"": 1, "facebook": 1}, 2),
        ("sales", {"by": "month"}, "deals", {"2026-06": 1, "2026-11": 1}, 2),
        ("sales", {"channel": "Paid Social"}, "deals", {}, 1),
        ("pipeline", {"by": "lead_creation_source"}, "amount", {"": "500.00"}, "500.00"),
        ("pipeline", {"from": "2025-01-01", "to": "2026-11-23"}, "amount", {}, "599.00"),
        ("won_revenue", {"by": "lead_creation_channel"}, "amount",
         {"": "1000.00", "Paid Social": "250.50"}, "1250.50"),
        ("won_revenue", {"period": "this_month"}, "amount", {}, "250.50"),
    ],
)  # fmt: skip
def test_deal_measures(client, data, measure, params, column, expected, total):
    body = report(client, data, measure, **params)
    if expected:
        assert rows_of(body, column) == expected
    assert body["total"][column] == total


def test_partner_table(client, data):
    body = report(client, data, "leads_and_deals", by="lead_creation_source_medium")
    found = {r["key"]: (r["leads"], r["deals"]) for r in body["rows"]}
    assert found == {
        " / ": (6, 2),
        "facebook / paid_social": (1, 1),
        "news.example / referral": (1, 1),
    }
    assert (body["total"]["leads"], body["total"]["deals"]) == (8, 4)


def api_count(client, tenant, link: str) -> int:
    """The rows of an app list's link, read through the API with the same parameters (the
    app's "(none)" is the API's empty value)."""
    path, _, query = link.partition("?")
    params = [(k, "" if v == "(none)" else v) for k, v in parse_qsl(query, keep_blank_values=True)]
    kind = path.rsplit("/", 1)[1]
    found, cursor = 0, None
    while True:
        extra = [("cursor", cursor)] if cursor else []
        response = client.get(f"/api/v1/{kind}", params=[*params, *extra, ("limit", "200")],
                              headers=tenant.auth)  # fmt: skip
        assert response.status_code == 200, (link, response.text)
        found += len(response.json()["items"])
        cursor = response.json()["next_cursor"]
        if not cursor:
            return found


@pytest.mark.parametrize(
    ("measure", "params"),
    [
        ("new_leads", {"by": "lead_creation_source_medium"}),
        ("new_leads", {"by": "referring_site"}),
        ("new_leads", {"by": "via", "category_group": "Potential customer"}),
        ("new_leads", {"by": "form"}),
        ("new_leads", {"by": "owner"}),
        ("new_leads", {"by": "category"}),
        ("new_leads", {"by": "category_group"}),
        ("new_leads", {"by": "lead_status", "channel": "Paid Social"}),
        ("new_leads", {"by": "month", "from": "2025-12-01", "to": "2026-11-23"}),
        ("qualification", {}),
        ("new_deals", {"by": "owner"}),
        ("sales", {"by": "lead_creation_source_medium"}),
        ("pipeline", {"by": "month"}),
        ("leads_and_deals", {"by": "lead_creation_channel"}),
    ],
)
def test_every_number_is_the_rows_of_its_list(client, data, measure, params):
    body = report(client, data, measure, **params)
    assert body["rows"] or measure == "pipeline"
    for row in [*body["rows"], body["total"]]:
        for column in body["columns"]:
            link = row.get(f"{column}_list")
            if link is None:
                continue
            if "amount" in column:
                continue  # a sum: its list's rows are checked by the count reports
            assert api_count(client, data, link) == row[column], (row, column)


def test_csv_is_the_same_rows_formula_safe(client, data, settings):
    lead(client, data, "evil@x.example", [{**json.loads(touch_json("=HYPERLINK(1)", "+cpc", "-x")),
                                            "at": "2026-11-01T10:00:00.000Z"}])  # fmt: skip
    backdate(settings, {"evil@x.example": "2026-11-01T10:00:00.000Z"})
    response = client.get("/api/v1/reports/new_leads", headers=data.auth,
                          params={"by": "lead_creation_source", "format": "csv"})  # fmt: skip
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert table[0] == ["key", "label", "leads"]
    (evil,) = [r for r in table[1:] if "hyperlink" in r[0].lower()]
    assert evil[0].startswith("'=") and evil[1] == evil[0] and evil[2] == "1"
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in table for cell in r)
    assert table[-1] == ["", "Total", "9"]
    money = client.get("/api/v1/reports/won_revenue", headers=data.auth, params={"format": "csv"})
    assert list(csv.reader(io.StringIO(money.text.lstrip("\ufeff")))) == [
        ["key", "label", "amount", "currency"],
        ["", "Total", "1250.50", "EUR"],
    ]


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        ("nope", {}, "No report 'nope'"),
        ("new_leads", {"by": "stage"}, "by must be one of"),
        ("sales", {"by": "form"}, "by must be one of"),
        ("qualification", {"by": "owner"}, "has no grouping"),
        ("leads_and_deals", {}, "needs by"),
        ("new_leads", {"period": "forever"}, "period"),
        ("new_leads", {"from": "2026-02-30", "to": "2026-03-01"}, ""),
        ("new_leads", {"from": "2026-03-01", "to": "2026-02-01"}, ""),
        ("new_leads", {"channel": "Carrier pigeon"}, "channel must be one of"),
        ("new_leads", {"via": "fax"}, "via must be one of"),
        ("new_leads", {"owner": "me"}, "owner=me needs a user"),
        ("new_leads", {"category": "Nope"}, "No category 'Nope'"),
        ("new_leads", {"top": "0"}, "top must be between"),
        ("new_leads", {"top": "x"}, "top must be a whole number"),
        ("new_leads", {"colour": "red"}, "Unknown parameter 'colour'"),
        ("new_leads", {"format": "xml"}, "format must be"),
        ("sales", {"category": "Lead"}, "deal reports filter by owner and channel"),
    ],
)
def test_bad_parameters_are_400(client, data, path, params, message):
    response = client.get(f"/api/v1/reports/{path}", params=params, headers=data.auth)
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]["message"]


def test_top_rows_and_more(client, data):
    body = report(client, data, "new_leads", by="via", top="2")
    assert [r["key"] for r in body["rows"]] == ["form", "api"]  # largest first, then by key
    assert body["more"] == 1 and body["total"]["leads"] == 8


def test_another_tenants_data_is_not_counted(client, data, make_tenant):
    other = make_tenant("other")
    assert report(client, other, "new_leads")["total"]["leads"] == 0
    assert client.get("/api/v1/reports/new_leads").status_code == 401


def test_dashboards_api_lists_the_defaults_once(client, data, settings):
    items = client.get("/api/v1/dashboards", headers=data.auth).json()["items"]
    assert [d["name"] for d in items] == ["Marketing", "Lead nurturing", "Sales"]
    tiles = [t for d in items for t in d["tiles"]]
    for tile in tiles:
        url = tile["report_url"]
        assert url and client.get(url, headers=data.auth).status_code == 200, tile
    funnel = next(t for t in tiles if t["kind"] == "funnel")
    assert funnel["report_url"] == "/api/v1/reports/qualification?period=year_to_date"
    # Deleted, they stay deleted.
    storage.transaction(settings.db_path, lambda conn: conn.execute(
        "DELETE FROM dashboards WHERE tenant_id = 'acme' AND name = 'Sales'"))  # fmt: skip
    again = client.get("/api/v1/dashboards", headers=data.auth).json()["items"]
    assert [d["name"] for d in again] == ["Marketing", "Lead nurturing"]
