"""`leadsource migrate-data`: tenants moved from a SQLite file to the test's database (the
PostgreSQL test database, or another SQLite file), through the real app on both sides."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from ingest import storage
from ingest.app import create_app
from ingest.config import Settings
from ingest.domain.links import build as build_link
from ingest.ops.cli import main
from ingest.ops.migrate_data import COPIED, NOT_COPIED
from ingest.storage import admin, links, selections
from ingest.storage.sightings import note_sightings

from .conftest import BASE_URL, Tenant, count, touch_json
from .test_collect import FACEBOOK, LINKEDIN, PAGE, beacon

HISTORY = [
    json.loads(touch_json("linkedin", "paid_social", "w", gclid="g-1")),
    json.loads(touch_json("facebook", "paid_social", "r")),
]
# A submission with everything: a retry of it on the target must find it, by its content hash.
FIRST = {
    "email": "Ingrid@Fjord.example",
    "first_name": "Ingrid «Ø»",
    "company": "Fjord Retail",
    "message": 'He said "hi"; {"not": "json"}\nline two',
    "ls_visitor_id": "visitor-laptop-01",
    "ls_submission_id": "sub-migrate-0001",
    "ls_first_touch": touch_json("linkedin", "paid_social", "w"),
    "ls_latest_touch": touch_json("facebook", "paid_social", "r"),
    "ls_touches": HISTORY,
}
EMAILS = {
    "acme": ("ingrid@fjord.example", "olga@acme.example", "colleague@acme.example"),
    "other-tenant": ("ingrid@fjord.example",),
}


def make_tenant(db_path: str, tenant_id: str) -> Tenant:
    def work(conn: Any) -> tuple[str, str]:
        api_key = admin.create_tenant(
            conn,
            tenant_id,
            ["https://www.acme.example"],
            True,
            ["ref"],
            options=("pageviews", "crossdomain"),
            retention_days=90,
        )
        form = admin.create_form(
            conn,
            tenant_id,
            name="Contact us",
            thank_you_url=None,
            published=True,
            custom_fields=[{"name": "message", "label": "Message"}],
        )
        return api_key, form.form_id

    api_key, form_id = storage.transaction(db_path, work)
    return Tenant(tenant_id, api_key, form_id, db_path)


def submit(client: TestClient, tenant: Tenant, email: str, **fields: Any) -> dict[str, Any]:
    response = client.post(
        tenant.form_path, json={"email": email, **fields}, headers={"Origin": BASE_URL}
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def source(tmp_path, clock) -> Iterator[tuple[TestClient, dict[str, Tenant]]]:
    """A SQLite file after a real journey in two tenants: page views in sessions, persons
    with touches, history and companies, values with quotes, JSON and non-ASCII text."""
    db_path = str(tmp_path / "source.db")
    settings = Settings(db_path=db_path, base_url=BASE_URL)
    with TestClient(create_app(settings, clock=clock)) as client:
        tenants = {t: make_tenant(db_path, t) for t in EMAILS}
        acme = tenants["acme"]
        for visitor in ("visitor-laptop-01", "visitor-phone-02"):
            assert beacon(client, acme, LINKEDIN, visitor=visitor).status_code == 204
            clock.advance(minutes=5)
            assert beacon(client, acme, PAGE, visitor=visitor).status_code == 204
        submit(client, acme, **FIRST)
        clock.advance(hours=1)
        submit(client, acme, "ingrid@fjord.example", message="again")
        submit(
            client,
            acme,
            "olga@acme.example",
            company="Acme Shared AS",
            ls_latest_touch=touch_json("google", "cpc", "brand"),
        )
        submit(client, acme, "colleague@acme.example", company="Acme Shared AS")
        # A deal with its history (stages come with the tenant).
        ingrid = client.get(
            "/api/v1/persons", params={"email": "ingrid@fjord.example"}, headers=acme.auth
        ).json()["items"][0]
        deal = client.post(
            "/api/v1/deals",
            json={
                "person_id": ingrid["id"],
                "title": "Fjord «rollout»",
                "amount": "1234.56",
                "status": "open",
            },  # fmt: skip
            headers=acme.auth,
        ).json()
        client.patch(f"/api/v1/deals/{deal['id']}", json={"status": "won"}, headers=acme.auth)
        other = tenants["other-tenant"]
        submit(client, other, "ingrid@fjord.example", ls_visitor_id="visitor-laptop-01")
        assert beacon(client, other, FACEBOOK, visitor="visitor-laptop-01").status_code == 204

        def campaign(conn: Any) -> None:
            values = {"utm_source": "linkedin", "utm_medium": "paid_social", "utm_campaign": "Q3"}
            link = build_link("https://www.acme.example/offer", values)
            links.save_link(conn, "acme", link, "marketer@acme.example")
            links.create_campaign(conn, "acme", "Autumn «launch»", ["q3"])
            selections.create(
                conn, "acme", kind="persons", name="Open «leads»",
                query={"lead_status": "sts_open"}, user_id=None, at="2026-11-23T09:00:00.000Z",
            )  # fmt: skip

        storage.transaction(db_path, campaign)
        # The three default dashboards and their tiles, made on the first look.
        assert client.get("/api/v1/dashboards", headers=acme.auth).status_code == 200
        # The sites that loaded utm.js (noted in memory, written by the app now and then).
        seen = ("2026-11-23T10:00:00.000Z", "2026-11-23T11:00:00.000Z")
        storage.transaction(
            db_path,
            lambda conn: note_sightings(
                conn,
                {t: {"https://www.acme.example": seen} for t in tenants},
            ),
        )
        yield client, tenants


def run(*args: str, capsys) -> tuple[int, dict[str, Any] | None, str]:
    code = main(["migrate-data", *args])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


def cards(client: TestClient, tenant: Tenant) -> list[dict[str, Any]]:
    """Everything the API says about the tenant's persons: the list and each export."""
    response = client.get("/api/v1/persons", params={"limit": 100}, headers=tenant.auth)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    exports = [
        client.get(f"/api/v1/persons/{item['id']}/export", headers=tenant.auth).json()
        for item in items
    ]
    for export in exports:
        export.pop("exported_at", None)
    return [items, exports]


def table_rows(db_url: str, table: str, tenant_id: str) -> list[list[tuple[str, Any]]]:
    """The table's rows of the tenant, columns by name, so the order of columns is moot."""
    with storage.connect(db_url) as conn:
        found = conn.execute(f"SELECT * FROM {table} WHERE tenant_id = ?", (tenant_id,))
        return sorted((sorted(dict(row).items()) for row in found.fetchall()), key=repr)


def test_a_sqlite_journey_moves_and_the_api_answers_the_same(source, settings, clock, capsys):
    client, tenants = source
    source_path = tenants["acme"].db_path
    code, out, err = run("--from", source_path, "--to", settings.db_path, capsys=capsys)
    assert code == 0, err
    assert out["tenants"] == ["acme", "other-tenant"]
    assert out["checked"] is True
    assert set(out["tables"]) == set(COPIED)
    for table in COPIED:
        assert out["tables"][table] == count(source_path, table) > 0, table

    # Every value as it was: ids, timestamps, JSON text, integers.
    for table in COPIED:
        for tenant_id in tenants:
            assert table_rows(settings.db_path, table, tenant_id) == table_rows(
                source_path, table, tenant_id
            ), table

    with TestClient(create_app(settings, clock=clock)) as moved:
        for tenant in tenants.values():
            before = cards(client, tenant)
            assert len(before[0]) == len(EMAILS[tenant.tenant_id])
            assert cards(moved, tenant) == before
        # The API key still opens the tenant, and the service goes on from there.
        acme = tenants["acme"]
        submit(moved, acme, "new@after.example", ls_latest_touch=touch_json("x", "y", "z"))
        assert submit(moved, acme, **FIRST) == submit(client, acme, **FIRST)
        assert beacon(moved, acme, PAGE, visitor="visitor-laptop-01").status_code == 204
    assert count(settings.db_path, "persons") == count(source_path, "persons") + 1
    assert count(settings.db_path, "submissions") == count(source_path, "submissions") + 1


def test_one_tenant_of_two(source, settings, capsys):
    _, tenants = source
    source_path = tenants["acme"].db_path
    code, out, err = run(
        "--from", source_path, "--to", settings.db_path, "--tenant", "other-tenant", capsys=capsys
    )
    assert code == 0, err
    assert out["tenants"] == ["other-tenant"]
    assert out["tables"]["persons"] == 1
    for table in COPIED:
        assert table_rows(settings.db_path, table, "acme") == []
        assert table_rows(settings.db_path, table, "other-tenant") == table_rows(
            source_path, table, "other-tenant"
        )
    # The other one can follow later.
    code, out, err = run(
        "--from", source_path, "--to", settings.db_path, "--tenant", "acme", capsys=capsys
    )
    assert code == 0, err
    assert out["tenants"] == ["acme"]
    for table in COPIED:
        assert count(settings.db_path, table) == count(source_path, table)


def test_a_tenant_the_target_has_is_refused_and_nothing_is_written(source, settings, capsys):
    _, tenants = source
    source_path = tenants["acme"].db_path
    make_tenant(settings.db_path, "other-tenant")
    before = {table: count(settings.db_path, table) for table in COPIED}
    code, _, err = run("--from", source_path, "--to", settings.db_path, capsys=capsys)
    assert code == 2
    assert "tenant other-tenant already exists on the target; nothing was copied" in err
    # Not even the tenant the target did not have.
    assert {table: count(settings.db_path, table) for table in COPIED} == before
    assert table_rows(settings.db_path, "tenants", "acme") == []


def test_a_row_the_target_refuses_midway_leaves_nothing(source, settings, capsys):
    """All or nothing: a conflicting page view, written after every other table, undoes the
    tenants, persons and sessions already copied in the same transaction."""
    _, tenants = source
    source_path = tenants["acme"].db_path
    with storage.connect(source_path) as conn:
        pageview = dict(conn.execute("SELECT * FROM pageviews WHERE tenant_id = 'acme'").fetchone())
    with storage.migrated(settings.db_path) as conn:
        # A stray page view of a tenant the target lacks, with the same key: only possible
        # with the foreign keys off, which is the point of the test.
        if storage.dialect_of(settings.db_path) == storage.POSTGRES:
            conn.execute("SET session_replication_role = replica")
        else:
            conn.execute("PRAGMA foreign_keys = OFF")
        columns = ", ".join(pageview)
        marks = ", ".join("?" for _ in pageview)
        conn.execute(f"INSERT INTO pageviews ({columns}) VALUES ({marks})", list(pageview.values()))
    code, _, err = run("--from", source_path, "--to", settings.db_path, capsys=capsys)
    assert code == 2
    assert "the target refused a row of pageviews for tenant acme" in err
    assert "nothing was copied" in err
    for table in COPIED:
        assert count(settings.db_path, table) == (1 if table == "pageviews" else 0), table


def test_counts_that_differ_after_copying_undo_the_copy(source, settings, capsys):
    """An extra row of the tenant on the target (a stray session) makes its count differ."""
    _, tenants = source
    source_path = tenants["acme"].db_path
    with storage.migrated(settings.db_path) as conn:
        if storage.dialect_of(settings.db_path) == storage.POSTGRES:
            conn.execute("SET session_replication_role = replica")
        else:
            conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute(
            "INSERT INTO sessions (tenant_id, session_id, visitor_id, is_new_visitor,"
            " started_at, last_seen_at, views) VALUES ('acme', 'ses_stray', 'v-stray', 1,"
            " '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 1)"
        )
    code, _, err = run("--from", source_path, "--to", settings.db_path, capsys=capsys)
    assert code == 2
    assert "sessions of tenant acme: 2 rows in the source but 3 on the target" in err
    for table in COPIED:
        assert count(settings.db_path, table) == (1 if table == "sessions" else 0), table


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--tenant", "nobody"), "the source has no tenant nobody"),
        (
            ("--tenant", "acme", "--tenant", "nobody", "--tenant", "ghost"),
            "no tenant ghost, nobody",
        ),
    ],
)
def test_an_unknown_tenant_is_refused(source, settings, capsys, args, message):
    _, tenants = source
    code, _, err = run(
        "--from", tenants["acme"].db_path, "--to", settings.db_path, *args, capsys=capsys
    )
    assert code == 2
    assert message in err
    assert count(settings.db_path, "tenants") == 0


def test_a_missing_source_file_is_refused_not_created(tmp_path, settings, capsys):
    missing = tmp_path / "typo.db"
    code, _, err = run("--from", str(missing), "--to", settings.db_path, capsys=capsys)
    assert code == 2
    assert f"no database at {missing}" in err
    assert not missing.exists()


def test_every_table_is_copied_or_declared_not_copied(tmp_path):
    """A new table fails here until migrate_data.py copies it or says why it need not."""
    with storage.migrated(str(tmp_path / "new.db")) as conn:
        present = set(storage.tables(conn))
        tenant_owned = {
            table
            for table in present
            if "tenant_id" in [c[0] for c in conn.execute(f"SELECT * FROM {table}").description]
        }
    assert not set(COPIED) & set(NOT_COPIED)
    assert all(reason.strip() for reason in NOT_COPIED.values())
    assert present - set(COPIED) - set(NOT_COPIED) == set(), (
        "add the new table to migrate_data.COPIED (in the order rows can be written) or to "
        "migrate_data.NOT_COPIED with the reason"
    )
    assert set(COPIED) | set(NOT_COPIED) == present
    assert set(COPIED) <= tenant_owned, "only tenant-owned tables can be copied by tenant"


def test_a_source_that_is_not_sqlite_on_disk_works_too(source, settings, tmp_path, capsys):
    """Any URL to any URL: from the test's database on to a fresh SQLite file."""
    _, tenants = source
    code, _, err = run("--from", tenants["acme"].db_path, "--to", settings.db_path, capsys=capsys)
    assert code == 0, err
    again = str(tmp_path / "again.db")
    code, out, err = run("--from", settings.db_path, "--to", again, capsys=capsys)
    assert code == 0, err
    assert out["tenants"] == ["acme", "other-tenant"]
    for table in COPIED:
        assert table_rows(again, table, "acme") == table_rows(
            tenants["acme"].db_path, table, "acme"
        )
    with sqlite3.connect(again) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
