"""The signed-in user's account page (``/app/account``): changing one's password ends every
other session and keeps this one; a wrong current password, a short or mismatched new one
and a post without the form token change nothing. On both engines."""

from __future__ import annotations

from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from ingest.app import create_app
from ingest.domain import accounts

from .conftest import PASSWORD, csrf_of, rows, sign_in, within_one_rate_window

ANN = "ann@example.com"
NEW = "a brand new passphrase"


@pytest.fixture
def ann(make_user) -> str:
    make_user(ANN, ("acme", "marketer"))
    return ANN


def change(client, current: str, new: str = NEW, repeat: str | None = None, **extra):
    data = {
        "current_password": current,
        "new_password": new,
        "repeat_password": new if repeat is None else repeat,
        "csrf_token": csrf_of(client.get("/app/account").text),
        **extra,
    }
    return client.post("/app/account", data=data, follow_redirects=False)


def password_hash(db_url: str) -> str:
    return rows(db_url, "SELECT password_hash FROM users WHERE email = ?", ANN)[0]["password_hash"]


def test_the_page_is_linked_from_the_header_and_labels_every_input(client, ann):
    assert sign_in(client, ANN).status_code == 303
    home = client.get("/app/acme/").text
    assert 'href="/app/account"' in home
    page = client.get("/app/account")
    assert page.status_code == 200
    for name in ("current_password", "new_password", "repeat_password"):
        assert f'<label for="{name}">' in page.text and f'id="{name}"' in page.text


def test_a_change_ends_other_sessions_and_keeps_this_one(settings, ann, db_url):
    app = create_app(settings)
    with TestClient(app) as here, TestClient(app) as elsewhere:
        assert sign_in(here, ANN).status_code == 303
        assert sign_in(elsewhere, ANN).status_code == 303
        assert elsewhere.get("/app/acme/", follow_redirects=False).status_code == 200
        before = password_hash(db_url)
        response = change(here, PASSWORD)
        assert response.status_code == 303
        assert response.headers["location"] == "/app/account?saved=password"
        assert "Your password was changed." in here.get(response.headers["location"]).text
        assert password_hash(db_url) != before
        assert password_hash(db_url).startswith("$argon2id$")
        # This browser stays signed in; the other one is sent to sign in again.
        assert here.get("/app/acme/", follow_redirects=False).status_code == 200
        gone = elsewhere.get("/app/acme/", follow_redirects=False)
        assert gone.status_code == 303 and gone.headers["location"].startswith("/app/login")
        # The new password signs in; the old one does not.
        elsewhere.cookies.clear()
        assert sign_in(elsewhere, ANN, PASSWORD).status_code == 400
        assert sign_in(elsewhere, ANN, NEW).status_code == 303


def test_a_wrong_current_password_is_refused(client, ann, db_url):
    sign_in(client, ANN)
    before = password_hash(db_url)
    response = change(client, "not my password")
    assert response.status_code == 400
    assert 'id="current_password-error"' in response.text
    assert "That is not your current password." in response.text
    assert password_hash(db_url) == before
    assert client.get("/app/acme/", follow_redirects=False).status_code == 200


@pytest.mark.parametrize(
    ("new", "repeat", "field"),
    [
        ("short", None, "new_password"),
        ("x" * (accounts.PASSWORD_MAX + 1), None, "new_password"),
        (NEW, NEW + "!", "repeat_password"),
    ],
)
def test_a_bad_new_password_is_shown_next_to_its_field(client, ann, db_url, new, repeat, field):
    sign_in(client, ANN)
    before = password_hash(db_url)
    response = change(client, PASSWORD, new, repeat)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert password_hash(db_url) == before


def test_a_post_without_the_form_token_changes_nothing(client, ann, db_url):
    sign_in(client, ANN)
    before = password_hash(db_url)
    for token in (None, "forged"):
        data = {"current_password": PASSWORD, "new_password": NEW, "repeat_password": NEW}
        if token:
            data["csrf_token"] = token
        response = client.post("/app/account", data=data, follow_redirects=False)
        assert response.status_code == 403
    assert password_hash(db_url) == before


def test_signed_out_the_page_leads_to_sign_in(client, ann):
    response = client.get("/app/account", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/app/login?next=/app/account"


def test_wrong_current_passwords_are_throttled_like_sign_in(settings, ann, db_url):
    within_one_rate_window(settings)
    strict = replace(settings, limit_login_per_account=3, limit_login_per_client=50)
    with TestClient(create_app(strict)) as client:
        sign_in(client, ANN)
        for _ in range(3):
            assert change(client, "not my password").status_code == 400
        # The right one is not even checked now.
        refused = change(client, PASSWORD)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 0
        assert "Too many requests for this account" in refused.text
        assert sign_in(client, ANN).status_code == 429  # and sign-in counts the same
    assert accounts.verify_password(password_hash(db_url), PASSWORD)
