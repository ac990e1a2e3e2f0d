"""Several named API keys per tenant: made and revoked on the settings page (admins), made
and rotated by the command line, moved in by migration 0012; a revoked key is 401. On both
engines."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from ingest import storage
from ingest.app import create_app
from ingest.storage import admin, api_keys
from ingest.storage.api_keys import hash_api_key
from ingest.storage.reads import StoreError

from .conftest import csrf_of, rows, sign_in

ADMIN = "admin@acme.example"


@pytest.fixture
def admin_user(client, make_user) -> str:
    make_user(ADMIN, ("acme", "admin"))
    assert sign_in(client, ADMIN).status_code == 303
    return ADMIN


def token(client) -> str:
    return csrf_of(client.get("/app/acme/settings").text)


def make_key(client, name: str) -> str:
    """A key made on the settings page; the key as the page shows it, once."""
    response = client.post(
        "/app/acme/settings/api-keys",
        data={"name": name, "csrf_token": token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/app/acme/settings?saved=key"
    page = client.get(response.headers["location"]).text
    return page.split('id="new-key" readonly value="')[1].split('"')[0]


def revoke(client, key_id: str, tenant_id: str = "acme", **data: str):
    return client.post(
        f"/app/{tenant_id}/settings/api-keys/{key_id}/revoke",
        data={"csrf_token": token(client), **data},
        follow_redirects=False,
    )


def keys(db_url: str, tenant_id: str = "acme") -> dict[str, dict]:
    found = rows(db_url, "SELECT * FROM api_keys WHERE tenant_id = ?", tenant_id)
    return {row["key_hash"]: row for row in found}


def api(client, key: str):
    return client.get("/api/v1/persons", headers={"Authorization": f"Bearer {key}"})


def test_two_keys_both_work(client, admin_user, db_url):
    crm, bi = make_key(client, "CRM sync"), make_key(client, "BI export")
    assert crm != bi and crm.startswith("ls_") and bi.startswith("ls_")
    assert api(client, crm).status_code == 200
    assert api(client, bi).status_code == 200
    # Named, made by the admin; with the tenant's first key, "default", three.
    stored = keys(db_url)
    assert stored[hash_api_key(crm)]["name"] == "CRM sync"
    me = rows(db_url, "SELECT user_id FROM users WHERE email = ?", ADMIN)[0]["user_id"]
    assert stored[hash_api_key(bi)]["created_by"] == me
    assert sorted(row["name"] for row in stored.values()) == ["BI export", "CRM sync", "default"]


def test_a_new_key_is_shown_once_and_only_its_hash_is_stored(client, admin_user, db_url):
    key = make_key(client, "Zapier")
    page = client.get("/app/acme/settings").text
    assert key not in page
    assert "Zapier" in page  # listed by name
    assert key not in str(rows(db_url, "SELECT * FROM api_keys"))
    assert hash_api_key(key) in keys(db_url)


def test_a_revoked_key_is_401_and_the_others_still_work(client, admin_user, db_url):
    crm, bi = make_key(client, "CRM sync"), make_key(client, "BI export")
    crm_id = keys(db_url)[hash_api_key(crm)]["key_id"]
    page = client.get("/app/acme/settings").text
    assert "Revoke the key “CRM sync”?" in page  # confirmed first, on the page
    response = revoke(client, crm_id)
    assert response.headers["location"] == "/app/acme/settings?saved=revoked"
    refused = api(client, crm)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert refused.json() == {
        "error": {
            "code": "unauthorized",
            "message": "That API key was revoked. Ask an administrator for another.",
        }
    }
    export = client.get("/api/v1/companies", headers={"Authorization": f"Bearer {crm}"})
    assert export.status_code == 401
    assert api(client, bi).status_code == 200
    assert keys(db_url)[hash_api_key(crm)]["revoked_at"] is not None
    # The page lists it as revoked, without a revoke button; revoking again changes nothing.
    page = client.get("/app/acme/settings").text
    row = re.search(rf'<tr id="key-{crm_id}">.*?</tr>', page, re.S).group(0)
    assert "Revoked" in row and "Revoke…" not in row
    revoked_at = keys(db_url)[hash_api_key(crm)]["revoked_at"]
    assert revoke(client, crm_id).status_code == 303
    assert keys(db_url)[hash_api_key(crm)]["revoked_at"] == revoked_at


def test_the_list_shows_name_creation_who_and_status(client, admin_user, db_url):
    make_key(client, '<b>"evil"</b>')
    page = client.get("/app/acme/settings").text
    table = page.split('id="key-list"')[1].split("</table>")[0]
    assert "&lt;b&gt;&#34;evil&#34;&lt;/b&gt;" in table and "<b>" not in table
    assert f"by {ADMIN}" in table
    assert "by the command line" in table  # the tenant's first key
    assert table.count("Active") == 2 and "never" in table


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_bad_name_is_shown_next_to_the_field(client, admin_user, db_url, name):
    before = keys(db_url)
    response = client.post(
        "/app/acme/settings/api-keys", data={"name": name, "csrf_token": token(client)}
    )
    assert response.status_code == 422
    assert 'id="key-name-error"' in response.text and 'aria-invalid="true"' in response.text
    assert 'id="new-key"' not in response.text
    assert keys(db_url) == before


def test_non_admins_are_refused_the_key_routes(client, admin_user, make_user, db_url):
    default_id = next(iter(keys(db_url).values()))["key_id"]
    for role in ("marketer", "sales"):
        email = f"{role}@acme.example"
        make_user(email, ("acme", role))
        client.cookies.clear()
        assert sign_in(client, email).status_code == 303
        csrf = csrf_of(client.get("/app/").text)
        for path in ("settings/api-keys", f"settings/api-keys/{default_id}/revoke"):
            response = client.post(
                f"/app/acme/{path}",
                data={"name": "mine", "csrf_token": csrf},
                follow_redirects=False,
            )
            assert response.status_code == 403, (role, path)
        assert client.get("/app/acme/settings").status_code == 403
    assert [row["revoked_at"] for row in keys(db_url).values()] == [None]
    assert len(keys(db_url)) == 1


def test_another_tenants_key_id_is_not_found(client, admin_user, make_user, settings, db_url):
    beta_key = storage.transaction(
        settings.db_path, lambda conn: admin.create_tenant(conn, "beta", [], True)
    )
    beta_id = keys(db_url, "beta")[hash_api_key(beta_key)]["key_id"]
    for key_id in (beta_id, "key_nope", "x" * 300):
        response = revoke(client, key_id)
        assert response.status_code == 404, key_id
        assert "beta" not in response.text
    assert keys(db_url, "beta")[hash_api_key(beta_key)]["revoked_at"] is None
    assert api(client, beta_key).status_code == 200
    # And beta's page is not acme's admin's: 404 as for any tenant one is not a member of.
    assert revoke(client, beta_id, tenant_id="beta").status_code == 404


def test_a_revoke_without_the_form_token_changes_nothing(client, admin_user, db_url):
    key = make_key(client, "CRM sync")
    key_id = keys(db_url)[hash_api_key(key)]["key_id"]
    for data in ({}, {"csrf_token": "forged"}):
        response = client.post(
            f"/app/acme/settings/api-keys/{key_id}/revoke", data=data, follow_redirects=False
        )
        assert response.status_code == 403
    assert api(client, key).status_code == 200


def test_active_keys_are_bounded(settings, make_tenant):
    make_tenant("acme")

    def work(conn):
        for n in range(api_keys.MAX_ACTIVE - 1):  # the tenant has its default key
            api_keys.create_key(conn, "acme", f"key {n}")
        with pytest.raises(StoreError, match="at most"):
            api_keys.create_key(conn, "acme", "one too many")

    storage.transaction(settings.db_path, work)


def test_last_used_is_noted_without_a_write_per_request(settings, make_tenant, clock, db_url):
    tenant = make_tenant("acme")
    statements: list[str] = []
    with storage.tracing(statements.append), TestClient(create_app(settings, clock=clock)) as c:
        for _ in range(3):
            assert c.get("/api/v1/persons", headers=tenant.auth).status_code == 200
        updates = [s for s in statements if "last_used_at" in s and "UPDATE" in s.upper()]
        assert updates == []  # noted in memory only
    # Written when the app stops (and every few seconds while it runs), once.
    (row,) = rows(db_url, "SELECT last_used_at FROM api_keys")
    assert row["last_used_at"] == "2026-11-23T10:00:00.000Z"


# -- the command line ------------------------------------------------------------------


def test_rotate_key_revokes_every_active_key_and_prints_a_new_default(
    cli_run, client, settings, db_url
):
    _, created = cli_run("tenant", "create", "acme")
    other = storage.transaction(
        settings.db_path, lambda conn: api_keys.create_key(conn, "acme", "CRM sync")
    )[1]
    code, out = cli_run("tenant", "update", "acme", "--rotate-key")
    assert code == 0
    new = out["api_key"]
    assert api(client, new).status_code == 200
    for old in (created["api_key"], other):
        assert api(client, old).status_code == 401
    stored = keys(db_url)
    assert stored[hash_api_key(new)]["name"] == "default"
    assert stored[hash_api_key(new)]["created_by"] is None
    assert sorted(row["revoked_at"] is None for row in stored.values()) == [False, False, True]


@pytest.fixture
def cli_run(db_url, capsys, monkeypatch):
    import json

    from ingest.ops.cli import main

    monkeypatch.setenv("LEADSOURCE_BASE_URL", "https://ls.example")

    def run(*args: str):
        code = main([*args, "--db", db_url])
        out, _ = capsys.readouterr()
        return code, json.loads(out) if code == 0 else None

    return run


# -- the migration ---------------------------------------------------------------------


def test_migration_moves_each_tenants_key_in_as_default(tmp_path):
    from ingest.storage import migrations, sqlite

    path = str(tmp_path / "old.db")
    conn = sqlite.connect(path)
    try:
        conn.execute(migrations._SCHEMA_MIGRATIONS)
        for version, name, sql in migrations.migrations():
            if version < 12:
                migrations._apply(conn, version, name, sql, "sqlite")
        for tenant_id, key in (("acme", "ls_old_acme_key"), ("beta", "ls_old_beta_key")):
            conn.execute(
                "INSERT INTO tenants (tenant_id, api_key_hash, created_at) VALUES (?, ?, ?)",
                (tenant_id, hash_api_key(key), "2026-01-01T00:00:00.000Z"),
            )
        storage.migrate(conn)
        assert api_keys.key_owner(conn, "ls_old_acme_key") == ("acme", "key_default", False)
        assert api_keys.key_owner(conn, "ls_old_beta_key") == ("beta", "key_default", False)
        (listed,) = api_keys.list_keys(conn, "acme")
        assert (listed.name, listed.created_at, listed.created_by) == (
            "default",
            "2026-01-01T00:00:00.000Z",
            None,
        )
        # The old column keeps no hash: revoking the key leaves no copy of it anywhere.
        hashes = [r[0] for r in conn.execute("SELECT api_key_hash FROM tenants ORDER BY 1")]
        assert hashes == ["unused:acme", "unused:beta"]
        # And a tenant made afterwards gets its default key there too.
        key = admin.create_tenant(conn, "gamma", [], True)
        assert api_keys.key_owner(conn, key)[0] == "gamma"
    finally:
        conn.close()
