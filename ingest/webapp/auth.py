"""Sign-in and sign-out.

A failed sign-in counts against the client's address and the email (``limits.login_keys``);
past either limit the form answers 429 without checking the password. The password is
checked in a worker thread (Argon2 takes a core for about 0.15 s), against a dummy hash when
the email is unknown, so the answer and its timing do not tell which emails have accounts.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ingest.domain import accounts
from ingest.domain.validation import EMAIL_MAX
from ingest.edge import limits
from ingest.errors import Forbidden
from ingest.storage import accounts as store
from ingest.webapp import session
from ingest.webapp.access import LOGIN, SignInRequired, Viewer, check_csrf, form, viewer
from ingest.webapp.render import render

WRONG = "The email or the password is not right."


def safe_next(value: str | None) -> str | None:
    """Only a path of the app itself: never another site (``//evil``, ``/\\evil``)."""
    if value and value.startswith("/app/") and "//" not in value and "\\" not in value:
        return value if value.isprintable() else None
    return None


def _home(who: Viewer) -> str:
    return f"/app/{who.tenants[0].tenant_id}/" if who.tenants else "/app/"


async def login(request: Request) -> Response:
    if request.method == "POST":
        return await _sign_in(request)
    try:
        who = await viewer(request)
    except SignInRequired:
        pass
    else:
        return RedirectResponse(safe_next(request.query_params.get("next")) or _home(who), 303)
    return _page(request, next_url=safe_next(request.query_params.get("next")))


def _page(
    request: Request,
    *,
    email: str = "",
    error: str | None = None,
    next_url: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    context = {"email": email, "error": error, "next": next_url}
    return render(request, "app/login.html", context, status=status, headers=headers)


async def _sign_in(request: Request) -> Response:
    data = await form(request)
    email = data.get("email", "").strip().lower()[:EMAIL_MAX]
    password = data.get("password", "")[: accounts.PASSWORD_MAX + 1]
    next_url = safe_next(data.get("next"))
    try:
        await check_csrf(request)
    except Forbidden:
        # An expired page, or cookies blocked: the page comes back with a new token.
        error = "The sign-in page had expired. Please sign in again."
        return _page(request, email=email, error=error, next_url=next_url, status=403)
    try:
        keys = limits.login_keys(request, email)
    except limits.RateLimited as refused:
        return _page(
            request,
            email=email,
            error=refused.message,
            next_url=next_url,
            status=429,
            headers={"Retry-After": str(refused.retry_after)},
        )
    user = await request.state.db.read(store.user_by_email, email) if email else None
    hashed = user.password_hash if user else None
    if not await run_in_threadpool(accounts.verify_password, hashed, password) or user is None:
        request.state.limiter.add(keys)
        return _page(request, email=email, error=WRONG, next_url=next_url, status=400)
    if accounts.needs_rehash(user.password_hash):
        new_hash = await run_in_threadpool(accounts.hash_password, password)
        await request.state.db.write(
            lambda conn: store.rehash_password(conn, user.user_id, user.password_hash, new_hash)
        )
    session.sign_in(request, user)
    tenants = await request.state.db.read(store.memberships, user.user_id)
    return RedirectResponse(next_url or _home(Viewer(user, tuple(tenants))), status_code=303)


async def logout(request: Request) -> Response:
    """Ends every session of the user (the stored version goes up), not only this one: a
    signed cookie cannot be recalled, so a copy of it must stop working too."""
    if "uid" in request.session:
        await check_csrf(request)
        try:
            who = await viewer(request)
        except SignInRequired:
            pass
        else:
            await request.state.db.write(lambda conn: store.end_sessions(conn, who.user.user_id))
    request.session.clear()
    return RedirectResponse(LOGIN, status_code=303)
