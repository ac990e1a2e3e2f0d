"""The app's shell: sessions (cookie flags, expiry, sign-out and password change ending
them), CSRF, the sign-in throttle, security headers and static files; on both engines."""

from __future__ import annotations

import re
import time
from dataclasses import replace

import pytest
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from ingest import storage
from ingest.app import create_app
from ingest.config import ConfigError
from ingest.domain import accounts
from ingest.edge.middleware import APP_CSP
from ingest.webapp import access, session
from ingest.webapp.session import AppSession

from .conftest import PASSWORD, csrf_of, rows, sign_in, within_one_rate_window


@pytest.fixture
def ann(make_user) -> str:
    return make_user("ann@example.com", ("acme", "marketer"), ("beta", "admin"))


def test_sign_in_leads_to_the_first_tenant_and_back_to_the_page_asked_for(client, ann):
    response = client.get("/app/beta/settings", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (
        303,
        "/app/login?next=/app/beta/settings",
    )
    page = client.get(response.headers["location"])
    assert 'name="next" value="/app/beta/settings"' in page.text
    assert (
        sign_in(client, "ann@example.com", next="/app/beta/settings").headers["location"]
        == "/app/beta/settings"
    )
    client.cookies.clear()
    assert sign_in(client, "ann@example.com").headers["location"] == "/app/acme/"
    # Signed in, the sign-in page sends one on.
    response = client.get("/app/login", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/app/acme/")


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/app/", "/app/\\\\evil", "/t/x", "/\\evil"]
)
def test_sign_in_never_sends_elsewhere(client, ann, target):
    assert sign_in(client, "ann@example.com", next=target).headers["location"] == "/app/acme/"


def test_a_user_without_tenants_gets_the_empty_list(client, make_user, settings):
    make_user("solo@example.com", ("acme", "sales"))
    storage.transaction(
        settings.db_path,
        lambda conn: accounts.update(conn, "solo@example.com", tenant_id="acme", remove=True),
    )
    assert sign_in(client, "solo@example.com").headers["location"] == "/app/"
    assert "not a member of any account" in client.get("/app/").text


def test_wrong_password_and_unknown_email_answer_alike(client, ann):
    wrong = sign_in(client, "ann@example.com", "not the password")
    unknown = sign_in(client, "nobody@example.com", PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 400
        assert "The email or the password is not right." in response.text
        assert 'role="alert"' in response.text
    assert 'value="ann@example.com"' in wrong.text  # the email is kept
    assert client.get("/app/acme/", follow_redirects=False).status_code == 303


def test_the_session_cookie(client, ann, settings):
    response = sign_in(client, "ann@example.com")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("ls_app=")
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"path", "max-age", "httponly", "samesite"} <= flags
    assert "secure" not in flags  # the base URL is http here
    assert "path=/app;" in cookie and "samesite=lax" in cookie
    assert f"Max-Age={settings.session_max_age}" in cookie
    # Only the app's routes look at it: the ingest path sets no cookie.
    assert "set-cookie" not in client.get("/healthz").headers


def test_the_cookie_is_secure_behind_https(settings, ann):
    https = replace(settings, base_url="https://ls.example")
    with TestClient(create_app(https), base_url="https://ls.example") as client:
        response = client.get("/app/login")
        assert "; secure" in response.headers["set-cookie"]


def test_sign_out_ends_the_session_and_every_copy_of_it(client, ann, db_url):
    sign_in(client, "ann@example.com")
    copy = dict(client.cookies)
    home = client.get("/app/acme/")
    assert home.status_code == 200
    response = client.post(
        "/app/logout", data={"csrf_token": csrf_of(home.text)}, follow_redirects=False
    )
    assert (response.status_code, response.headers["location"]) == (303, "/app/login")
    assert "ls_app=null" in response.headers["set-cookie"]
    assert client.get("/app/acme/", follow_redirects=False).status_code == 303
    # The cookie as it was before signing out is refused too.
    client.cookies.clear()
    client.cookies.update(copy)
    assert client.get("/app/acme/", follow_redirects=False).status_code == 303
    assert rows(db_url, "SELECT session_version FROM users") == [{"session_version": 2}]


def test_a_password_change_ends_every_session(client, ann, settings):
    sign_in(client, "ann@example.com")
    assert client.get("/app/acme/").status_code == 200
    storage.transaction(
        settings.db_path,
        lambda conn: accounts.update(conn, "ann@example.com", password="a brand new password"),
    )
    response = client.get("/app/acme/", follow_redirects=False)
    assert response.headers["location"] == "/app/login?next=/app/acme/"
    assert sign_in(client, "ann@example.com", "a brand new password").status_code == 303


def test_a_session_expires(client, ann, settings, monkeypatch):
    sign_in(client, "ann@example.com")
    assert client.get("/app/acme/").status_code == 200

    class Later:
        @staticmethod
        def time() -> float:
            return time.time() + settings.session_max_age + 1

    monkeypatch.setattr(session, "time", Later)
    assert client.get("/app/acme/", follow_redirects=False).status_code == 303


def test_a_tampered_cookie_is_no_session(client, ann):
    sign_in(client, "ann@example.com")
    value = client.cookies["ls_app"]
    client.cookies.clear()
    client.cookies.set("ls_app", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert client.get("/app/acme/", follow_redirects=False).status_code == 303


def test_the_key_is_generated_once_and_shared_by_processes(settings, ann, db_url):
    with TestClient(create_app(settings)) as first:
        sign_in(first, "ann@example.com")
        cookies = dict(first.cookies)
    (stored,) = rows(db_url, "SELECT name, value FROM service_secrets")
    assert stored["name"] == "session" and len(stored["value"]) >= 32
    with TestClient(create_app(settings), cookies=cookies) as second:
        assert second.get("/app/acme/").status_code == 200
    # A configured key replaces it: the old cookies are no session.
    keyed = replace(settings, secret_key="k" * 40)
    with TestClient(create_app(keyed), cookies=cookies) as third:
        assert third.get("/app/acme/", follow_redirects=False).status_code == 303


def test_a_short_secret_key_is_refused(settings):
    with (
        pytest.raises(ConfigError, match="at least 32"),
        TestClient(create_app(replace(settings, secret_key="short"))),
    ):
        pass


# -- CSRF ---------------------------------------------------------------------------------


def test_posts_need_the_sessions_token(settings, ann):
    with TestClient(create_app(settings)) as client:
        sign_in(client, "ann@example.com")
        token = csrf_of(client.get("/app/acme/").text)
        for data in ({}, {"csrf_token": ""}, {"csrf_token": token[:-1] + "x"}):
            response = client.post("/app/logout", data=data, follow_redirects=False)
            assert response.status_code == 403, data
            assert "did not come from Leadsource" in response.text
            assert response.headers["content-security-policy"] == APP_CSP.decode()
        # Refused, so still signed in; the token works.
        assert client.get("/app/acme/").status_code == 200
        ok = client.post("/app/logout", data={"csrf_token": token}, follow_redirects=False)
        assert ok.status_code == 303


def test_tenant_pages_check_the_token_on_posts(settings, make_user):
    make_user("ann@example.com", ("acme", "marketer"), ("beta", "sales"))
    app = create_app(settings)

    async def handler(request, member):
        data = await access.form(request)
        return PlainTextResponse(f"saved {data.get('name')} for {member.tenant_id}")

    # Made as routes.py makes every tenant page: the session middleware on the route.
    route = Route(
        "/app/{tenant}/things",
        access.tenant_page(handler, ("admin", "marketer")),
        methods=["POST"],
        middleware=[Middleware(AppSession, settings=settings)],
    )
    app.router.routes.append(route)
    with TestClient(app) as client:
        sign_in(client, "ann@example.com")
        token = csrf_of(client.get("/app/acme/").text)
        assert client.post("/app/acme/things", data={"name": "x"}).status_code == 403
        response = client.post("/app/acme/things", data={"name": "x", "csrf_token": token})
        assert (response.status_code, response.text) == (200, "saved x for acme")
        # Role: sales in beta may not; another tenant: 404 before anything else.
        assert client.post("/app/beta/things", data={"csrf_token": token}).status_code == 403
        assert client.post("/app/gamma/things", data={"csrf_token": token}).status_code == 404


def test_the_sign_in_form_needs_its_token(client, ann):
    client.get("/app/login")
    response = client.post(
        "/app/login",
        data={"email": "ann@example.com", "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "The sign-in page had expired" in response.text
    assert "uid" not in client.cookies.get("ls_app", "")
    # The page it answers has a fresh token that works.
    data = {"email": "ann@example.com", "password": PASSWORD, "csrf_token": csrf_of(response.text)}
    response = client.post("/app/login", data=data, follow_redirects=False)
    assert response.status_code == 303


# -- throttling ---------------------------------------------------------------------------


@pytest.fixture
def strict(settings):
    within_one_rate_window(settings)
    return replace(settings, limit_login_per_account=3, limit_login_per_client=5)


def test_failed_sign_ins_are_throttled_per_account(strict, ann, make_user):
    make_user("bo@example.com", ("acme", "sales"))
    with TestClient(create_app(strict)) as client:
        for _ in range(3):
            assert sign_in(client, "ann@example.com", "wrong password!").status_code == 400
        # The right password does not help now; nothing is checked.
        refused = sign_in(client, "Ann@Example.com", PASSWORD)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 0
        assert "Too many requests for this account" in refused.text
        # Another account from the same client still signs in.
        assert sign_in(client, "bo@example.com").status_code == 303


def test_failed_sign_ins_are_throttled_per_client_whatever_x_forwarded_for_says(strict, ann):
    with TestClient(create_app(strict)) as client:
        for i in range(5):
            response = sign_in(
                client,
                f"guess{i}@example.com",
                "wrong password!",
            )
            assert response.status_code == 400
        for spoofed in ("203.0.113.9", "198.51.100.1, 10.0.0.1"):
            token = csrf_of(client.get("/app/login").text)
            response = client.post(
                "/app/login",
                data={"email": "ann@example.com", "password": PASSWORD, "csrf_token": token},
                headers={"X-Forwarded-For": spoofed, "X-Real-IP": spoofed},
                follow_redirects=False,
            )
            assert response.status_code == 429
            assert "Too many requests from your address" in response.text


def test_successful_sign_ins_are_not_counted(strict, ann):
    with TestClient(create_app(strict)) as client:
        for _ in range(8):
            client.cookies.clear()
            assert sign_in(client, "ann@example.com").status_code == 303


def test_login_refusals_are_counted_in_the_metrics(strict, ann):
    token = "operator-token-0123456789"
    with TestClient(create_app(replace(strict, metrics_token=token))) as client:
        for _ in range(4):
            sign_in(client, "ann@example.com", "wrong password!")
        metrics = client.get("/metrics", headers={"Authorization": f"Bearer {token}"}).text
        assert re.search(r'scope="login"\} 1\.0', metrics), metrics


# -- headers and static files -------------------------------------------------------------


def test_every_app_answer_is_strict_and_not_stored(client, ann, make_tenant):
    tenant = make_tenant("hosted")
    sign_in(client, "ann@example.com")
    for path in ("/app/login", "/app/", "/app/acme/", "/app/acme/settings", "/app/nope/", "/app/x"):
        response = client.get(path, follow_redirects=False)
        assert response.headers["content-security-policy"] == APP_CSP.decode(), path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store", path
        assert response.headers["x-frame-options"] == "DENY"
        assert "<style" not in response.text and "<script" not in response.text, path
    # The hosted form keeps its own policy: it may be framed.
    hosted = client.get(tenant.form_path)
    assert "frame-ancestors" not in hosted.headers["content-security-policy"]


def test_static_files_are_fingerprinted_and_cached(client, ann):
    page = client.get("/app/login").text
    (href,) = re.findall(r'<link rel="stylesheet" href="(/app/-/static/[^"]+)"', page)
    assert re.fullmatch(r"/app/-/static/app\.[0-9a-f]{12}\.css", href)
    response = client.get(href)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/css; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "--brand" in response.text
    (icon,) = re.findall(r'rel="icon" href="(/app/-/static/favicon\.[0-9a-f]{12}\.svg)"', page)
    assert client.get(icon).headers["content-type"].startswith("image/svg+xml")
    for missing in ("/app/-/static/app.css", "/app/-/static/app.000000000000.css"):
        assert client.get(missing).status_code == 404


def test_app_statements_name_the_tenant(client, ann, settings):
    """Every statement on memberships names tenant_id (the one look-up by user selects it)."""
    statements: list[str] = []
    with storage.tracing(statements.append), TestClient(create_app(settings)) as traced:
        sign_in(traced, "ann@example.com")
        traced.get("/app/")
        traced.get("/app/acme/")
        traced.get("/app/beta/settings")
    on_memberships = [s for s in statements if "memberships" in s]
    assert on_memberships
    assert all("tenant_id" in s for s in on_memberships)


def test_every_labelled_page_has_a_section_of_the_navigation():
    from ingest.webapp.routes import NAV, PAGES, SECTIONS

    labelled = [page.label for page in PAGES if page.label]
    sectioned = [label for _, labels in SECTIONS for label in labels]
    assert sorted(labelled) == sorted(sectioned)
    assert [item.label for item in NAV] == sectioned
    assert all(item.group for item in NAV)
