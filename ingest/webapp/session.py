"""The app's session: a signed cookie (Starlette's ``SessionMiddleware``, itsdangerous), its
key, and what it holds.

The cookie holds ``uid`` (the user), ``sv`` (the user's session version when it was issued),
``iat`` (sign-in time) and ``csrf`` (the form token, there before sign-in too, so the sign-in
form is protected). It is valid while the signature holds, ``iat`` is within
``LEADSOURCE_SESSION_MAX_AGE`` and ``sv`` equals the stored version, which sign-out and a
password change raise: so a copied cookie dies with them too.

The key is ``LEADSOURCE_SECRET_KEY``, or one generated once and kept in the database
(``service_secrets``), so every process and every restart agrees; the signer derives its
own key from it with a salt per purpose.
"""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Any

import itsdangerous
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from ingest.config import ConfigError, Settings
from ingest.storage import Database
from ingest.storage import accounts as store

COOKIE = "ls_app"
SALT = "leadsource.app.session"
MIN_SECRET = 32


async def load_secret(settings: Settings, database: Database) -> str:
    if settings.secret_key:
        if len(settings.secret_key) < MIN_SECRET:
            raise ConfigError(f"LEADSOURCE_SECRET_KEY needs at least {MIN_SECRET} characters")
        return settings.secret_key
    candidate = secrets.token_urlsafe(48)
    return await database.write(lambda conn: store.service_secret(conn, "session", candidate))


class AppSession(SessionMiddleware):
    """Starlette's session middleware, put on the app's routes only (the ingest path never
    parses a cookie), with its signer made from the key the lifespan loaded."""

    def __init__(self, app: Any, settings: Settings) -> None:
        super().__init__(
            app,
            secret_key="unset",  # replaced on the first request, from the lifespan's key
            session_cookie=COOKIE,
            max_age=settings.session_max_age,
            path="/app",
            same_site="lax",
            https_only=settings.public_base.startswith("https://"),
        )
        self._secret: str | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        secret = scope["state"]["app_secret"]
        if secret != self._secret:
            self.signer = itsdangerous.TimestampSigner(secret, salt=SALT)
            self._secret = secret
        await super().__call__(scope, receive, send)


def csrf_token(request: Request) -> str:
    """The session's form token, made on first need (the sign-in page makes it)."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def csrf_valid(request: Request, sent: str | None) -> bool:
    token = request.session.get("csrf")
    return isinstance(token, str) and isinstance(sent, str) and hmac.compare_digest(token, sent)


def sign_in(request: Request, user: store.User) -> None:
    """A fresh session for the user, with a new form token."""
    request.session.clear()
    request.session.update(
        {
            "uid": user.user_id,
            "sv": user.session_version,
            "iat": int(time.time()),
            "csrf": secrets.token_urlsafe(32),
        }
    )


def signed_in_user_id(request: Request, max_age: int) -> tuple[str, int] | None:
    """(user id, session version) of a session still within its lifetime, else None."""
    session = request.session
    uid, version, issued = session.get("uid"), session.get("sv"), session.get("iat")
    if not (isinstance(uid, str) and isinstance(version, int) and isinstance(issued, int)):
        return None
    if not 0 <= time.time() - issued < max_age:
        return None
    return uid, version
