"""Leads (SPEC "Leads (seed 002)"): the default setup, persons starting Open, a kept status
that is read-only when the category leaves lead status, history, owners, concurrent changes,
the admin's Lead setup, and the app's and API's edits with their refusals."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from ingest import storage
from ingest.clock import utcnow
from ingest.domain import leads
from ingest.storage import lead_setup, migrations, sqlite
from ingest.storage.reads import StoreError

from .conftest import csrf_of, person, rows, sign_in


@pytest.fixture
def acme(make_tenant):
    return make_tenant("acme")


def submit(client, tenant, email: str, company: str | None = "Fjord AS", **fields: str):
    body = {"email": email, **fields}
    if company:
        body["company"] = company
    response = client.post(tenant.form_path, json=body)
    assert response.status_code == 201, response.text


def history(db_url: str, person_id: str) -> list[tuple[str | None, str, str | None]]:
    return [
        (r["from_status_id"], r["to_status_id"], r["user_id"])
        for r in rows(
            db_url,
            "SELECT from_status_id, to_status_id, user_id FROM lead_status_history"
            " WHERE tenant_id = ? AND person_id = ? ORDER BY at, history_id",
            "acme",
            person_id,
        )
    ]


def patch(client, tenant, path: str, body: dict[str, Any]):
    return client.patch(path, json=body, headers=tenant.auth)


def test_a_new_tenant_has_the_seeds_defaults(client, acme):
    categories = client.get("/api/v1/categories", headers=acme.auth).json()
    assert [
        (g["name"], g["lead_status_enabled"], [c["name"] for c in g["categories"]])
        for g in categories["groups"]
    ] == [
        (
            "Potential customer",
            True,
            ["Lead", "Marketing qualified lead (MQL)", "Opportunity", "Lost opportunity"],
        ),
        ("Customer", False, ["Customer"]),
        ("Partner", False, ["Partner"]),
    ]
    assert categories["default_category"] == "Lead"
    statuses = client.get("/api/v1/lead-statuses", headers=acme.auth).json()["items"]
    assert [s["name"] for s in statuses] == [
        "Open",
        "Contacting",
        "Disqualified",
        "Recontact",
        "Qualified",
    ]


def test_the_migration_gives_existing_tenants_the_defaults(tmp_path):
    """A tenant created before 0015 gets the same groups, categories, statuses and default."""
    path = str(tmp_path / "old.db")
    conn = sqlite.connect(path)
    try:
        conn.execute(migrations._SCHEMA_MIGRATIONS)
        for version, name, sql in migrations.migrations():
            if version >= 15:
                break
            conn.execute("BEGIN IMMEDIATE")
            migrations._apply(conn, version, name, sql, "sqlite")
            conn.execute("COMMIT")
        conn.execute(
            "INSERT INTO tenants (tenant_id, api_key_hash, utm_transfer, created_at)"
            " VALUES ('old', 'hash', 1, '2026-01-01T00:00:00.000Z')"
        )
        assert 15 in storage.migrate(conn)
        found = lead_setup.setup(conn, "old")
    finally:
        conn.close()
    assert [g.name for g in found.groups] == ["Potential customer", "Customer", "Partner"]
    assert [c.name for c in found.categories][:2] == ["Lead", "Marketing qualified lead (MQL)"]
    assert [s.name for s in found.statuses][0] == "Open" and len(found.statuses) == 5
    assert found.default_category_id == "cat_lead"
    assert found.groups[0].lead_status_enabled and not found.groups[1].lead_status_enabled


def test_a_submission_creates_an_open_lead_in_a_new_lead_company(client, acme, db_url):
    submit(client, acme, "ingrid@fjord.example")
    card = person(client, acme, "ingrid@fjord.example")
    assert card["lead_status"] == "Open" and card["lead_status_editable"] is True
    assert card["owner"] is None
    assert history(db_url, card["id"]) == [(None, "sts_open", None)]
    company = client.get(f"/api/v1/companies/{card['company']['id']}", headers=acme.auth).json()
    assert (company["category"], company["category_group"]) == ("Lead", "Potential customer")
    category_rows = rows(db_url, "SELECT from_category_id, to_category_id FROM category_history")
    assert category_rows == [{"from_category_id": None, "to_category_id": "cat_lead"}]


def test_a_person_of_an_existing_lead_company_starts_open_and_has_their_own_status(
    client, acme, db_url
):
    submit(client, acme, "a@fjord.example")
    first = person(client, acme, "a@fjord.example")
    assert patch(client, acme, f"/api/v1/persons/{first['id']}", {"lead_status": "qualified"})
    submit(client, acme, "b@fjord.example", company="fjord  as")  # the same company
    second = person(client, acme, "b@fjord.example")
    assert second["company"]["id"] == first["company"]["id"]
    assert second["lead_status"] == "Open"
    assert person(client, acme, "a@fjord.example")["lead_status"] == "Qualified"
    assert history(db_url, second["id"]) == [(None, "sts_open", None)]


def test_no_company_or_a_customer_company_means_no_lead_status(client, acme, db_url):
    submit(client, acme, "solo@example.com", company=None)
    assert person(client, acme, "solo@example.com")["lead_status"] is None
    submit(client, acme, "c@fjord.example")
    company_id = person(client, acme, "c@fjord.example")["company"]["id"]
    assert patch(client, acme, f"/api/v1/companies/{company_id}", {"category": "Customer"})
    submit(client, acme, "d@fjord.example")
    late = person(client, acme, "d@fjord.example")
    assert late["lead_status"] is None and late["lead_status_editable"] is False
    assert history(db_url, late["id"]) == []


def test_no_default_category_means_no_lead(client, acme, db_url):
    storage.transaction(db_url, lambda c: lead_setup.set_default_category(c, "acme", None))
    submit(client, acme, "e@new.example", company="New Co")
    card = person(client, acme, "e@new.example")
    assert card["lead_status"] is None
    company = client.get(f"/api/v1/companies/{card['company']['id']}", headers=acme.auth).json()
    assert company["category"] is None


def test_a_category_without_lead_status_keeps_the_status_read_only(client, acme, db_url):
    submit(client, acme, "f@fjord.example")
    card = person(client, acme, "f@fjord.example")
    url, company_url = f"/api/v1/persons/{card['id']}", f"/api/v1/companies/{card['company']['id']}"
    assert patch(client, acme, url, {"lead_status": "Contacting"}).status_code == 200

    response = patch(client, acme, company_url, {"category": "customer"})
    assert response.status_code == 200, response.text
    assert (response.json()["category"], response.json()["category_group"]) == (
        "Customer",
        "Customer",
    )
    kept = client.get(url, headers=acme.auth).json()
    assert kept["lead_status"] == "Contacting" and kept["lead_status_editable"] is False
    refused = patch(client, acme, url, {"lead_status": "Qualified"})
    assert refused.status_code == 422
    assert "read-only" in refused.json()["error"]["fields"]["lead_status"]
    # An owner still changes; the same value as now is no change.
    assert patch(client, acme, url, {"lead_status": "Contacting"}).status_code == 200

    assert patch(client, acme, company_url, {"category": "Opportunity"}).status_code == 200
    back = patch(client, acme, url, {"lead_status": "Qualified"})
    assert back.status_code == 200 and back.json()["lead_status"] == "Qualified"
    assert history(db_url, card["id"]) == [
        (None, "sts_open", None),
        ("sts_open", "sts_contacting", None),
        ("sts_contacting", "sts_qualified", None),
    ]
    changes = rows(
        db_url,
        "SELECT from_category_id, to_category_id FROM category_history ORDER BY at, history_id",
    )
    assert [(r["from_category_id"], r["to_category_id"]) for r in changes] == [
        (None, "cat_lead"),
        ("cat_lead", "cat_customer"),
        ("cat_customer", "cat_opportunity"),
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lead_status": "Nope"}, "lead_status"),
        ({"lead_status": None}, "lead_status"),
        ({"lead_status": 3}, "lead_status"),
        ({"lead_status": "x" * 101}, "lead_status"),
        ({"owner": "stranger@example.com"}, "owner"),
        ({"owner": ["x"]}, "owner"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_person_lead_changes_are_422_and_change_nothing(client, acme, body, field):
    submit(client, acme, "g@fjord.example")
    card = person(client, acme, "g@fjord.example")
    response = patch(client, acme, f"/api/v1/persons/{card['id']}", {**body, "first_name": "X"})
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["fields"]
    after = person(client, acme, "g@fjord.example")
    assert after["first_name"] is None and after["lead_status"] == "Open"


def test_owners_are_members(client, acme, make_user, db_url):
    make_user("sam@acme.example", ("acme", "sales"))
    make_user("olga@other.example", ("other", "admin"))
    submit(client, acme, "h@fjord.example")
    card = person(client, acme, "h@fjord.example")
    url, company_url = f"/api/v1/persons/{card['id']}", f"/api/v1/companies/{card['company']['id']}"
    response = patch(client, acme, url, {"owner": "SAM@acme.example", "first_name": "Hedda"})
    assert response.status_code == 200, response.text
    assert (response.json()["owner"], response.json()["first_name"]) == (
        "sam@acme.example",
        "Hedda",
    )
    assert patch(client, acme, url, {"owner": "olga@other.example"}).status_code == 422
    assert patch(client, acme, url, {"owner": None}).json()["owner"] is None
    company = patch(client, acme, company_url, {"owner": "sam@acme.example"})
    assert company.status_code == 200 and company.json()["owner"] == "sam@acme.example"
    assert patch(client, acme, company_url, {"owner": "olga@other.example"}).status_code == 422
    assert patch(client, acme, company_url, {"category": "Nope"}).status_code == 422
    assert patch(client, acme, company_url, {}).status_code == 422
    assert patch(client, acme, company_url, {"name": "x"}).status_code == 422


def test_foreign_ids_are_404(client, make_tenant):
    a, b = make_tenant("tenant-a"), make_tenant("tenant-b")
    submit(client, a, "x@fjord.example")
    card = person(client, a, "x@fjord.example")
    for url, body in (
        (f"/api/v1/persons/{card['id']}", {"lead_status": "Qualified"}),
        (f"/api/v1/companies/{card['company']['id']}", {"category": "Customer"}),
    ):
        assert client.patch(url, json=body, headers=b.auth).status_code == 404
    assert person(client, a, "x@fjord.example")["lead_status"] == "Open"


def test_concurrent_status_changes_last_wins_both_in_history(client, acme, db_url, backend):
    """Two users change one person's status at once, each in a transaction of its own (as two
    app processes would). Both changes are in the history, the second's "from" is the first's
    "to", and the person has the one committed last. On PostgreSQL both transactions are open
    before either reads the person (the row lock orders them); on SQLite the write lock does
    from BEGIN."""
    submit(client, acme, "race@fjord.example")
    person_id = person(client, acme, "race@fjord.example")["id"]
    for _ in range(5):
        assert race(db_url, backend, person_id, ("sts_contacting", "sts_qualified")) == []
        # Two rows with the same time may list in either order: the chain orders them. The
        # first replaced Open; the second replaced what the first set, and is what stays.
        changes = history(db_url, person_id)[-2:]
        first = next(c for c in changes if c[0] == "sts_open")
        second = next(c for c in changes if c is not first)
        assert second[0] == first[1], changes
        assert {first[1], second[1]} == {"sts_contacting", "sts_qualified"}
        now = rows(db_url, "SELECT lead_status_id FROM persons WHERE person_id = ?", person_id)
        assert now[0]["lead_status_id"] == second[1]
        # Back to Open for the next round, so both changes are real changes again.
        storage.transaction(
            db_url,
            lambda c: leads.change_person(
                c, tenant_id="acme", person_id=person_id, status="sts_open", user_id=None,
                now=utcnow(),
            ),
        )  # fmt: skip
    assert len(history(db_url, person_id)) == 1 + 5 * 3


def race(db_url: str, backend: str, person_id: str, targets: tuple[str, str]) -> list:
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def change(status: str) -> None:
        def job(conn):
            if backend == "postgres":
                barrier.wait(timeout=10)
            leads.change_person(
                conn, tenant_id="acme", person_id=person_id, status=status, user_id=None,
                now=utcnow(),
            )  # fmt: skip

        if backend != "postgres":
            barrier.wait(timeout=10)
        try:
            storage.transaction(db_url, job)
        except BaseException as error:  # noqa: BLE001 - the test reports it
            errors.append(error)

    threads = [threading.Thread(target=change, args=(status,)) for status in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


def test_deactivating_what_is_in_use_is_refused(client, acme, db_url, make_tenant):
    make_tenant("empty")
    submit(client, acme, "i@fjord.example")

    def attempt(work):
        try:
            storage.transaction(db_url, work)
        except StoreError as error:
            return str(error)
        return "done"

    assert "persons have this lead status" in attempt(
        lambda c: lead_setup.set_active(c, "acme", "status", "sts_open", False)
    )
    assert "companies have this category" in attempt(
        lambda c: lead_setup.set_active(c, "acme", "category", "cat_lead", False)
    )
    assert "category of new companies" in attempt(
        lambda c: lead_setup.set_active(c, "empty", "category", "cat_lead", False)
    )
    assert "active categories" in attempt(
        lambda c: lead_setup.set_active(c, "acme", "group", "grp_customer", False)
    )
    assert (
        attempt(lambda c: lead_setup.set_active(c, "acme", "status", "sts_recontact", False))
        == "done"
    )
    # An inactive status cannot be given.
    card = person(client, acme, "i@fjord.example")
    refused = patch(client, acme, f"/api/v1/persons/{card['id']}", {"lead_status": "Recontact"})
    assert refused.status_code == 422
    assert (
        attempt(lambda c: lead_setup.set_active(c, "acme", "status", "sts_recontact", True))
        == "done"
    )
    assert (
        rows(db_url, "SELECT COUNT(*) AS n FROM lead_statuses WHERE tenant_id = 'acme'")[0]["n"]
        == 5
    )


def test_setup_changes(db_url, acme):
    def run(work):
        return storage.transaction(db_url, work)

    new = run(lambda c: lead_setup.add(c, "acme", "status", "  Nurturing  "))
    run(lambda c: lead_setup.move(c, "acme", "status", new, -1))
    run(lambda c: lead_setup.rename(c, "acme", "status", "sts_open", "New"))
    names = [s.name for s in run(lambda c: lead_setup.statuses(c, "acme"))]
    assert names == ["New", "Contacting", "Disqualified", "Recontact", "Nurturing", "Qualified"]
    with pytest.raises(StoreError, match="already"):
        run(lambda c: lead_setup.add(c, "acme", "status", "contacting"))
    with pytest.raises(StoreError, match="already"):
        run(lambda c: lead_setup.rename(c, "acme", "status", new, "QUALIFIED"))
    with pytest.raises(StoreError, match="name"):
        run(lambda c: lead_setup.add(c, "acme", "status", " "))
    run(lambda c: lead_setup.move(c, "acme", "status", "sts_open", -1))  # at the top: stays
    group = run(lambda c: lead_setup.add(c, "acme", "group", "Suppliers"))
    category = run(lambda c: lead_setup.add(c, "acme", "category", "Vendor", group_id=group))
    run(lambda c: lead_setup.move_category(c, "acme", "cat_partner", group))
    setup = run(lambda c: lead_setup.setup(c, "acme"))
    suppliers = setup.group(group)
    assert [c.name for c in suppliers.categories] == ["Vendor", "Partner"]
    assert suppliers.lead_status_enabled is False
    run(lambda c: lead_setup.set_lead_status_enabled(c, "acme", group, True))
    assert run(lambda c: lead_setup.setup(c, "acme")).group(group).lead_status_enabled
    with pytest.raises(StoreError, match="No such"):
        run(lambda c: lead_setup.rename(c, "other", "status", "sts_open", "X"))
    assert category


# -- the app -----------------------------------------------------------------------------


@pytest.fixture
def staff(make_user, acme):
    make_user("admin@acme.example", ("acme", "admin"))
    make_user("sales@acme.example", ("acme", "sales"))
    make_user("marketer@acme.example", ("acme", "marketer"))
    return acme


def signed_in(client, email: str) -> str:
    client.cookies.clear()
    assert sign_in(client, email).status_code == 303
    return csrf_of(client.get("/app/").text)


def test_sales_changes_status_and_owner_on_the_card(client, staff, db_url):
    submit(client, staff, "j@fjord.example")
    card = person(client, staff, "j@fjord.example")
    token = signed_in(client, "sales@acme.example")
    page = client.get(f"/app/acme/persons/{card['id']}").text
    assert 'name="lead_status"' in page and ">Open</option>" in page
    sales_id = rows(db_url, "SELECT user_id FROM users WHERE email = 'sales@acme.example'")[0]
    response = client.post(
        f"/app/acme/persons/{card['id']}/lead",
        data={"csrf_token": token, "lead_status": "sts_contacting", "owner": sales_id["user_id"]},
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "Saved the lead status and owner." in page
    assert "Open → <strong>Contacting</strong>" in page and "by sales@acme.example" in page
    after = person(client, staff, "j@fjord.example")
    assert (after["lead_status"], after["owner"]) == ("Contacting", "sales@acme.example")
    assert history(db_url, card["id"])[-1] == ("sts_open", "sts_contacting", sales_id["user_id"])

    # The company's category to Customer: the card shows the kept status, read-only.
    response = client.post(
        f"/app/acme/companies/{card['company']['id']}/lead",
        data={"csrf_token": token, "category": "cat_customer", "owner": ""},
        follow_redirects=False,
    )
    assert response.status_code == 303
    company_page = client.get(response.headers["location"]).text
    assert "Lead → <strong>Customer</strong>" in company_page
    page = client.get(f"/app/acme/persons/{card['id']}").text
    assert 'name="lead_status"' not in page
    assert 'id="lead-status-value">Contacting<' in page and "Kept, not editable" in page
    # A forged post of a status is refused with the reason, and changes nothing.
    response = client.post(
        f"/app/acme/persons/{card['id']}/lead",
        data={"csrf_token": token, "lead_status": "sts_qualified"},
        follow_redirects=False,
    )
    assert "read-only" in client.get(response.headers["location"]).text
    assert person(client, staff, "j@fjord.example")["lead_status"] == "Contacting"


def test_a_foreign_person_on_ones_own_tenant_is_404(client, staff, make_tenant):
    other = make_tenant("other")
    submit(client, other, "k@fjord.example")
    foreign = person(client, other, "k@fjord.example")
    token = signed_in(client, "sales@acme.example")
    for url, data in (
        (f"/app/acme/persons/{foreign['id']}/lead", {"lead_status": "sts_qualified"}),
        (f"/app/acme/companies/{foreign['company']['id']}/lead", {"category": "cat_customer"}),
    ):
        response = client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)
        assert response.status_code == 404
    assert person(client, other, "k@fjord.example")["lead_status"] == "Open"


def test_only_admins_use_lead_setup(client, staff):
    for email in ("sales@acme.example", "marketer@acme.example"):
        token = signed_in(client, email)
        assert client.get("/app/acme/lead-setup").status_code == 403
        response = client.post(
            "/app/acme/lead-setup",
            data={"csrf_token": token, "action": "add", "kind": "status", "name": "Hack"},
        )
        assert response.status_code == 403
    token = signed_in(client, "admin@acme.example")
    page = client.get("/app/acme/lead-setup")
    assert page.status_code == 200 and "Potential customer" in page.text

    def post(**data: str):
        response = client.post(
            "/app/acme/lead-setup", data={"csrf_token": token, **data}, follow_redirects=False
        )
        assert response.status_code == 303
        return client.get(response.headers["location"]).text

    assert "Added." in post(action="add", kind="status", name="Nurturing")
    assert "Renamed." in post(action="rename", kind="status", id="sts_open", name="New lead")
    page = post(action="deactivate", kind="category", id="cat_lead")
    assert "cannot be deactivated" in page and 'role="alert"' in page
    page = post(action="add", kind="category", group_id="grp_partner", name="<b>Reseller</b>")
    assert "&lt;b&gt;Reseller&lt;/b&gt;" in page and "<b>Reseller</b>" not in page
    assert "Lead status is now enabled" in post(
        action="lead_status_on", kind="group", id="grp_partner"
    )
    assert "Saved the category" in post(action="default_category", category_id="cat_mql")
    statuses = client.get("/api/v1/lead-statuses", headers=staff.auth).json()["items"]
    assert [s["name"] for s in statuses][0] == "New lead" and statuses[-1]["name"] == "Nurturing"


def test_the_demo_works_its_leads(acme, db_url, make_user):
    """Generated persons start Open; the demo moves some on, gives owners and makes a few
    companies customers: each person's status is the end of their history's chain."""
    from ingest.ops.demo_leads import work_leads
    from ingest.ops.generate import generate

    make_user("demo@acme.example", ("acme", "admin"))
    generate(db_url, "acme", 60, seed=7)
    assert work_leads(db_url, "acme", seed=7) > 0
    persons = rows(db_url, "SELECT person_id, lead_status_id, owner_id FROM persons")
    assert {p["lead_status_id"] for p in persons} >= {"sts_open", "sts_contacting"}
    assert any(p["owner_id"] for p in persons)
    for p in persons:
        chain = history(db_url, p["person_id"])
        if p["lead_status_id"] is None:
            assert chain == []
            continue
        assert chain[0][0] is None and chain[-1][1] == p["lead_status_id"]
        assert all(later[0] == earlier[1] for earlier, later in zip(chain, chain[1:], strict=False))
