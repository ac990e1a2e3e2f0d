"""The persons and companies lists by lead fields (lead status, category, category group,
owner): filters, sorts in the configured order, keyset pages, counts by group, "My leads",
the CSV; on a small case checked by hand, on both engines."""

from __future__ import annotations

import csv
import io

import pytest

from ingest import storage
from ingest.storage import lead_setup, people

from .conftest import csrf_of, person, sign_in

# email, company; then each person's status and owner as the fixture leaves them.
#   Fjord AS is a Lead (Potential customer): anna Open, bo Contacting, carl Qualified.
#   Nord AS became a Customer after erik joined it (erik keeps Open, read-only); dina
#   joined after, so she has no status. finn has no company.
STATUS = {
    "anna@x.example": "Open",
    "bo@x.example": "Contacting",
    "carl@x.example": "Qualified",
    "erik@x.example": "Open",
    "dina@x.example": None,
    "finn@x.example": None,
}
CATEGORY = {
    "anna@x.example": "Lead",
    "bo@x.example": "Lead",
    "carl@x.example": "Lead",
    "erik@x.example": "Customer",
    "dina@x.example": "Customer",
    "finn@x.example": None,
}
OWNER = {"anna@x.example": "sales@acme.example", "bo@x.example": "admin@acme.example"}


def submit(client, tenant, email, company=None):
    body = {"email": email, **({"company": company} if company else {})}
    assert client.post(tenant.form_path, json=body).status_code == 201


def patch(client, tenant, path, body):
    response = client.patch(path, json=body, headers=tenant.auth)
    assert response.status_code == 200, response.text


@pytest.fixture
def acme(client, make_tenant, make_user):
    tenant = make_tenant("acme")
    make_user("admin@acme.example", ("acme", "admin"))
    make_user("sales@acme.example", ("acme", "sales"))
    make_user("marketer@acme.example", ("acme", "marketer"))
    for email in ("anna@x.example", "bo@x.example", "carl@x.example"):
        submit(client, tenant, email, "Fjord AS")
    submit(client, tenant, "erik@x.example", "Nord AS")
    nord = person(client, tenant, "erik@x.example")["company"]["id"]
    patch(client, tenant, f"/api/v1/companies/{nord}", {"category": "Customer"})
    submit(client, tenant, "dina@x.example", "Nord AS")
    submit(client, tenant, "finn@x.example")
    for email, status in (("bo@x.example", "Contacting"), ("carl@x.example", "Qualified")):
        patch(client, tenant, f"/api/v1/persons/{person(client, tenant, email)['id']}",
              {"lead_status": status})  # fmt: skip
    for email, owner in OWNER.items():
        patch(client, tenant, f"/api/v1/persons/{person(client, tenant, email)['id']}",
              {"owner": owner})  # fmt: skip
    fjord = person(client, tenant, "anna@x.example")["company"]["id"]
    patch(client, tenant, f"/api/v1/companies/{fjord}", {"owner": "sales@acme.example"})
    return tenant


def emails(client, tenant, path="/api/v1/persons", **params) -> list[str]:
    response = client.get(path, params=params, headers=tenant.auth)
    assert response.status_code == 200, response.text
    key = "email" if "persons" in path else "name"
    return [item[key] for item in response.json()["items"]]


def walk(client, tenant, path="/api/v1/persons", **params) -> list[str]:
    """Every page, one row each, following the cursors."""
    found, cursor = [], None
    key = "email" if "persons" in path else "name"
    while True:
        extra = {"cursor": cursor} if cursor else {}
        page = client.get(path, params={**params, **extra, "limit": 1}, headers=tenant.auth)
        assert page.status_code == 200, page.text
        found += [item[key] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return found


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"lead_status": "Open"}, {"anna@x.example", "erik@x.example"}),
        ({"lead_status": "open"}, {"anna@x.example", "erik@x.example"}),  # any case
        ({"lead_status": "sts_open"}, {"anna@x.example", "erik@x.example"}),  # or its id
        ({"lead_status": ""}, {"dina@x.example", "finn@x.example"}),  # none
        ({"lead_status": "(none)"}, {"dina@x.example", "finn@x.example"}),
        ({"category": "Lead"}, {"anna@x.example", "bo@x.example", "carl@x.example"}),
        ({"category": "customer"}, {"erik@x.example", "dina@x.example"}),
        ({"category": ""}, {"finn@x.example"}),
        ({"category_group": "Potential customer"}, set(list(CATEGORY)[:3])),
        ({"category_group": "grp_customer"}, {"erik@x.example", "dina@x.example"}),
        ({"category_group": "Partner"}, set()),
        ({"owner": "SALES@acme.example"}, {"anna@x.example"}),
        ({"owner": "nobody@acme.example"}, set()),
        ({"owner": ""}, {"carl@x.example", "erik@x.example", "dina@x.example", "finn@x.example"}),
        ({"lead_status": "Open", "category": "Customer"}, {"erik@x.example"}),
    ],
)  # fmt: skip
def test_person_filters(client, acme, params, expected):
    assert set(emails(client, acme, **params)) == expected


@pytest.mark.parametrize(
    "params",
    [{"lead_status": "Nope"}, {"category": "Nope"}, {"category_group": "x" * 321},
     {"sort": "lead_status", "cursor": "bad"}],
)  # fmt: skip
def test_unknown_names_are_400(client, acme, params):
    response = client.get("/api/v1/persons", params=params, headers=acme.auth)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "bad_request"


def by_rank(client, tenant, rank: dict, field: dict) -> list[str]:
    """The persons in ``rank`` order of their ``field`` value (None last), then by id."""
    ids = {e: person(client, tenant, e)["id"] for e in field}
    return sorted(field, key=lambda e: (rank.get(field[e], 99), ids[e]))


STATUS_RANK = {"Open": 0, "Contacting": 1, "Disqualified": 2, "Recontact": 3, "Qualified": 4}
CATEGORY_RANK = {"Lead": 0, "Customer": 4}


def test_sort_by_status_follows_the_configured_order(client, acme, settings):
    expected = by_rank(client, acme, STATUS_RANK, STATUS)
    assert expected[:2] == sorted(["anna@x.example", "erik@x.example"], key=expected.index)
    assert emails(client, acme, sort="lead_status") == expected
    assert emails(client, acme, sort="-lead_status") == expected[::-1]
    assert walk(client, acme, sort="lead_status") == expected  # keyset pages of one
    assert walk(client, acme, sort="-lead_status") == expected[::-1]
    # An admin moves Qualified to the top: the next page read follows at once.
    for _ in range(4):
        storage.transaction(
            settings.db_path, lambda c: lead_setup.move(c, "acme", "status", "sts_qualified", -1)
        )
    rank = {"Qualified": 0, "Open": 1, "Contacting": 2}
    assert emails(client, acme, sort="lead_status") == by_rank(client, acme, rank, STATUS)


def test_sort_by_category_group_and_owner(client, acme):
    expected = by_rank(client, acme, CATEGORY_RANK, CATEGORY)
    assert emails(client, acme, sort="category") == expected
    assert walk(client, acme, sort="category") == expected
    assert emails(client, acme, sort="category_group") == expected  # one category per group
    assert walk(client, acme, sort="-category_group") == expected[::-1]
    owners = {e: OWNER.get(e) for e in STATUS}
    expected = by_rank(client, acme, {"admin@acme.example": 0, "sales@acme.example": 1}, owners)
    assert walk(client, acme, sort="owner") == expected
    assert emails(client, acme, sort="owner", category="Lead") == [
        "bo@x.example",
        "anna@x.example",
        "carl@x.example",
    ]


def test_companies_by_lead_fields(client, acme):
    path = "/api/v1/companies"
    assert emails(client, acme, path, category="Customer") == ["Nord AS"]
    assert emails(client, acme, path, category_group="Potential customer") == ["Fjord AS"]
    assert emails(client, acme, path, owner="sales@acme.example") == ["Fjord AS"]
    assert emails(client, acme, path, owner="") == ["Nord AS"]
    assert walk(client, acme, path, sort="category") == ["Fjord AS", "Nord AS"]
    assert walk(client, acme, path, sort="-category") == ["Nord AS", "Fjord AS"]
    assert walk(client, acme, path, sort="owner") == ["Fjord AS", "Nord AS"]
    item = client.get(path, params={"q": "fjord"}, headers=acme.auth).json()["items"][0]
    assert (item["category"], item["category_group"], item["owner"]) == (
        "Lead",
        "Potential customer",
        "sales@acme.example",
    )


def test_counts_by_group(settings, acme):
    def groups(by, **lead):
        with storage.connect(settings.db_path) as conn:
            found = people.person_groups(conn, "acme", people.PersonQuery(lead=lead), by)
        return [(g.label, g.count) for g in found]

    assert groups("lead_status") == [("Open", 2), ("Contacting", 1), ("Qualified", 1), ("None", 2)]
    assert groups("category") == [("Lead", 3), ("Customer", 2), ("None", 1)]
    assert groups("category_group") == [("Potential customer", 3), ("Customer", 2), ("None", 1)]
    assert groups("lead_status", category="Lead") == [
        ("Open", 1),
        ("Contacting", 1),
        ("Qualified", 1),
    ]
    with storage.connect(settings.db_path) as conn:
        assert people.person_groups(conn, "other", people.PersonQuery(), "lead_status") == []


def signed_in(client, email):
    client.cookies.clear()
    assert sign_in(client, email).status_code == 303
    return csrf_of(client.get("/app/").text)


def test_the_app_list_my_leads_grouping_and_csv(client, acme):
    signed_in(client, "sales@acme.example")
    page = client.get("/app/acme/persons", params={"owner": "me"})
    assert page.status_code == 200
    assert "anna@x.example" in page.text and "bo@x.example" not in page.text
    assert 'id="my-leads"' in page.text and 'aria-pressed="true"' in page.text

    page = client.get("/app/acme/persons", params={"group": "lead_status"}).text
    assert 'id="groups"' in page
    # Each group links to the list filtered to it, with its count.
    assert "lead_status=sts_open" in page and "lead_status=%28none%29" in page
    assert page.index('>Open</a> <span class="count">2<') < page.index(">Qualified</a>")
    assert page.count('class="group-row"') == 4  # sorted by status: a heading per group
    filtered = client.get("/app/acme/persons", params={"lead_status": "(none)"}).text
    assert "dina@x.example" in filtered and "anna@x.example" not in filtered
    assert client.get("/app/acme/persons", params={"group": "bogus"}).status_code == 400

    response = client.get(
        "/app/acme/persons.csv", params={"owner": "me", "lead_status": "sts_open"}
    )
    table = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    header = table[0]
    assert header[-4:] == ["lead_status", "owner", "category", "category_group"]
    assert [r[1] for r in table[1:]] == ["anna@x.example"]
    assert table[1][-4:] == ["Open", "sales@acme.example", "Lead", "Potential customer"]

    companies = client.get("/app/acme/companies", params={"category": "cat_customer"}).text
    assert "Nord AS" in companies and "Fjord AS" not in companies
