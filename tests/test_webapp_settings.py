"""The settings and users pages (admins): every post's effect, CSRF refusal, errors next to
the field, hostile values shown as text; on both engines."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from ingest import storage
from ingest.storage.sightings import note_sightings

from .conftest import PASSWORD, csrf_of, rows, sign_in

ADMIN = "admin@acme.example"


@pytest.fixture
def admin(client, make_user) -> str:
    make_user(ADMIN, ("acme", "admin"))
    assert sign_in(client, ADMIN).status_code == 303
    return ADMIN


def post(client, path: str, data: dict | list, *, token: bool = True):
    page = client.get("/app/acme/settings")
    pairs = list(data.items()) if isinstance(data, dict) else list(data)
    if token:
        pairs.append(("csrf_token", csrf_of(page.text)))
    return client.post(
        f"/app/acme/{path}",
        content=urlencode(pairs),
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )


def tenant_row(db_url: str) -> dict:
    return rows(db_url, "SELECT * FROM tenants WHERE tenant_id = ?", "acme")[0]


def origins(db_url: str) -> list[str]:
    found = rows(db_url, "SELECT origin FROM tenant_origins WHERE tenant_id = ?", "acme")
    return sorted(r["origin"] for r in found)


def test_the_settings_page(client, admin):
    page = client.get("/app/acme/settings")
    assert page.status_code == 200
    assert '<label for="utm_transfer">UTM data transfer</label>' in page.text
    assert "without any campaign data" in page.text
    assert (
        "&lt;script src=&#34;http://testserver/t/acme/utm.js&#34;&gt;&lt;/script&gt;</textarea>"
        in page.text
    )
    assert "Not seen yet." in page.text
    for option in ("pageviews", "consent", "inputs", "crossdomain", "api"):
        assert f'value="{option}"' in page.text
    assert '<script src="/app/-/static/copy.' in page.text


def test_utm_transfer_off_and_on(client, admin, db_url):
    response = post(client, "settings/transfer", {})
    assert (response.status_code, response.headers["location"]) == (
        303,
        "/app/acme/settings?saved=transfer-off",
    )
    assert tenant_row(db_url)["utm_transfer"] == 0
    assert "UTM data transfer is off." in client.get(response.headers["location"]).text
    post(client, "settings/transfer", {"utm_transfer": "on"})
    assert tenant_row(db_url)["utm_transfer"] == 1


def test_the_public_edge_sees_a_change_at_once(client, admin, db_url):
    # The settings cache is forgotten: utm-debug.js answers with the new setting.
    assert '"utm_transfer": true' in client.get("/t/acme/utm-debug.js").text
    post(client, "settings/transfer", {})
    assert '"utm_transfer": false' in client.get("/t/acme/utm-debug.js").text


def test_origins_are_added_normalised_and_removed(client, admin, db_url):
    response = post(client, "settings/origins", {"origin": " HTTPS://WWW.Example.com:443/ "})
    assert response.headers["location"] == "/app/acme/settings?saved=origin-added"
    post(client, "settings/origins", {"origin": "http://localhost:8080"})
    assert origins(db_url) == ["http://localhost:8080", "https://www.example.com"]
    page = client.get("/app/acme/settings")
    assert "<code>https://www.example.com</code>" in page.text
    response = post(client, "settings/origins", {"remove": "https://www.example.com"})
    assert response.headers["location"] == "/app/acme/settings?saved=origin-removed"
    assert origins(db_url) == ["http://localhost:8080"]


@pytest.mark.parametrize(
    "value",
    [
        "",
        "www.example.com",
        "ftp://example.com",
        "https://example.com/path",
        "https://example.com/?q=1",
        "https://user@example.com",
        "javascript:alert(1)",
        "https://" + "a" * 300 + ".com",
        '"><img src=x onerror=alert(1)>',
    ],
)
def test_a_bad_origin_is_shown_next_to_the_field_kept_and_escaped(client, admin, db_url, value):
    response = post(client, "settings/origins", {"origin": value})
    assert response.status_code == 422
    assert 'id="origin-error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert "<img src=x" not in response.text
    assert origins(db_url) == []


def test_a_duplicate_origin_is_refused(client, admin, db_url):
    post(client, "settings/origins", {"origin": "https://shop.example"})
    response = post(client, "settings/origins", {"origin": "https://shop.example/"})
    assert response.status_code == 422
    assert "in the list already" in response.text


def test_script_options(client, admin, db_url):
    data = [("option", "pageviews"), ("option", "api")]
    response = post(client, "settings/script", data)
    assert response.headers["location"] == "/app/acme/settings?saved=options"
    assert tenant_row(db_url)["script_options"] == "pageviews,api"
    page = client.get("/app/acme/settings")
    assert 'value="pageviews" checked' in page.text and 'value="consent" checked' not in page.text
    response = post(client, "settings/script", [("option", "<b>evil</b>")])
    assert response.status_code == 422
    assert "&lt;b&gt;evil&lt;/b&gt;" in response.text and "<b>evil</b>" not in response.text
    assert tenant_row(db_url)["script_options"] == "pageviews,api"
    post(client, "settings/script", [])
    assert tenant_row(db_url)["script_options"] == ""


def test_sightings_show_where_the_script_was_seen(client, admin, settings, clock):
    now = clock()
    minutes_ago = now.replace(microsecond=0).isoformat().replace("+00:00", "") + ".000Z"
    hostile = "https://x.example"
    seen = {"acme": {hostile: (minutes_ago, minutes_ago)}}
    storage.transaction(settings.db_path, lambda conn: note_sightings(conn, seen))
    page = client.get("/app/acme/settings")
    assert "Not seen yet" not in page.text
    assert "Seen on <code>https://x.example</code>" in page.text
    assert "just now" in page.text or "minute" in page.text


@pytest.mark.parametrize(
    "path",
    [
        "settings/transfer",
        "settings/origins",
        "settings/script",
        "settings/api-keys",
        "users/invite",
        "users/role",
        "users/remove",
    ],
)
def test_posts_without_the_token_change_nothing(client, admin, db_url, path):
    def state():
        tables = ("memberships", "api_keys")
        return (
            tenant_row(db_url),
            origins(db_url),
            [rows(db_url, f"SELECT * FROM {t}") for t in tables],
        )

    before = state()
    data = {"origin": "https://a.example", "email": "x@example.com", "role": "sales", "name": "k"}
    response = post(client, path, data, token=False)
    assert response.status_code == 403
    after = state()
    assert after == before


# Users


def users_post(client, path: str, data: dict):
    token = csrf_of(client.get("/app/acme/users").text)
    return client.post(
        f"/app/acme/{path}", data={**data, "csrf_token": token}, follow_redirects=False
    )


def member_roles(db_url: str) -> dict[str, str]:
    found = rows(
        db_url,
        "SELECT u.email, m.role FROM memberships m JOIN users u ON u.user_id = m.user_id"
        " WHERE m.tenant_id = ?",
        "acme",
    )
    return {r["email"]: r["role"] for r in found}


def user_id(db_url: str, email: str) -> str:
    return rows(db_url, "SELECT user_id FROM users WHERE email = ?", email)[0]["user_id"]


def test_invite_a_new_user_shows_the_password_once(client, admin, db_url):
    response = users_post(client, "users/invite", {"email": "New@Example.com ", "role": "marketer"})
    assert response.headers["location"] == "/app/acme/users?saved=invited"
    page = client.get(response.headers["location"])
    password = page.text.split('id="new-password" readonly value="')[1].split('"')[0]
    assert member_roles(db_url)["new@example.com"] == "marketer"
    assert password not in client.get("/app/acme/users").text
    client.cookies.clear()
    assert sign_in(client, "new@example.com", password).headers["location"] == "/app/acme/"


def test_invite_an_existing_user_adds_the_membership(client, admin, make_user, db_url):
    make_user("old@example.com", ("beta", "sales"))
    users_post(client, "users/invite", {"email": "old@example.com", "role": "sales"})
    page = client.get("/app/acme/users")
    assert "already had an account" in page.text and 'id="new-password"' not in page.text
    assert member_roles(db_url)["old@example.com"] == "sales"
    client.cookies.clear()
    assert sign_in(client, "old@example.com", PASSWORD).status_code == 303
    assert client.get("/app/acme/users").status_code == 403  # a sales member may not


@pytest.mark.parametrize(
    ("email", "role", "field"),
    [
        ("not an email", "sales", "email"),
        ('"><script>alert(1)</script>@x.com', "sales", "email"),
        ("a@example.com", "king", "role"),
        (ADMIN, "sales", "email"),  # a member already
    ],
)
def test_a_bad_invite_is_shown_next_to_the_field(client, admin, db_url, email, role, field):
    response = users_post(client, "users/invite", {"email": email, "role": role})
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert "<script>alert" not in response.text
    assert member_roles(db_url) == {ADMIN: "admin"}


def test_change_role_and_remove(client, admin, make_user, db_url):
    make_user("bob@example.com", ("acme", "marketer"))
    bob = user_id(db_url, "bob@example.com")
    response = users_post(client, "users/role", {"user_id": bob, "role": "admin"})
    assert response.headers["location"] == "/app/acme/users?saved=role"
    assert member_roles(db_url)["bob@example.com"] == "admin"
    page = client.get("/app/acme/users")
    assert "Remove bob@example.com from acme?" in page.text
    response = users_post(client, "users/remove", {"user_id": bob})
    assert response.headers["location"] == "/app/acme/users?saved=removed"
    assert member_roles(db_url) == {ADMIN: "admin"}
    assert rows(db_url, "SELECT count(*) AS n FROM users WHERE email = ?", "bob@example.com")


def test_no_one_removes_themselves_or_the_last_admin(client, admin, make_user, db_url):
    me = user_id(db_url, ADMIN)
    for path, data in (("users/remove", {}), ("users/role", {"role": "sales"})):
        response = users_post(client, path, {"user_id": me, **data})
        assert response.status_code == 422
        assert "yourself" in response.text or "your own role" in response.text
    # With a second admin, one may be demoted; then the last one stays.
    make_user("eve@example.com", ("acme", "admin"))
    eve = user_id(db_url, "eve@example.com")
    assert users_post(client, "users/role", {"user_id": eve, "role": "sales"}).status_code == 303
    assert member_roles(db_url) == {ADMIN: "admin", "eve@example.com": "sales"}


def test_the_last_admin_stays(settings, make_user):
    from ingest.domain import accounts
    from ingest.storage.reads import StoreError

    make_user(ADMIN, ("acme", "admin"))
    make_user("bob@example.com", ("acme", "sales"))

    def work(conn):
        me = accounts.account(conn, ADMIN).user_id
        bob = accounts.account(conn, "bob@example.com").user_id
        for change in (
            lambda: accounts.change_role(conn, "acme", me, "sales", bob),
            lambda: accounts.remove_member(conn, "acme", me, bob),
        ):
            with pytest.raises(StoreError, match="at least one admin"):
                change()

    storage.transaction(settings.db_path, work)


def test_a_member_of_another_tenant_is_not_found_here(client, admin, make_user, db_url):
    make_user("other@example.com", ("beta", "admin"))
    other = user_id(db_url, "other@example.com")
    for path, data in (("users/remove", {}), ("users/role", {"role": "sales"})):
        response = users_post(client, path, {"user_id": other, **data})
        assert response.status_code == 422 and "No such member." in response.text
    assert rows(db_url, "SELECT role FROM memberships WHERE user_id = ?", other) == [
        {"role": "admin"}
    ]
