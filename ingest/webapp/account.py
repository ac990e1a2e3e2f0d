"""The signed-in user's own account (``/app/account``, any tenant's member or none): a new
password.

The current password is checked as sign-in checks one: in a worker thread, and a wrong one
counts against the same limits (per client address and per email; past either, 429 without
checking). The new password is hashed outside the writer, and stored only if the hash is
still the one just verified, so two changes at once cannot both win. Storing it raises the
user's session version, which ends every other session of theirs (other browsers, copies of
the cookie); this browser's session takes the new version and stays signed in."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ingest.domain import accounts
from ingest.edge import limits
from ingest.storage import accounts as store
from ingest.storage.reads import StoreError
from ingest.webapp.access import Viewer, form
from ingest.webapp.render import render

PATH = "/app/account"
SAVED = {"password": "Your password was changed. Every other session of yours was signed out."}


def _page(
    request: Request,
    who: Viewer,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    context = {
        "saved": SAVED.get(request.query_params.get("saved", "")) if status == 200 else None,
        "errors": errors or {},
        "password_min": accounts.PASSWORD_MIN,
        "password_max": accounts.PASSWORD_MAX,
    }
    return render(request, "app/account.html", context, viewer=who, status=status, headers=headers)


async def account(request: Request, who: Viewer) -> Response:
    if request.method == "POST":
        return await _change_password(request, who)
    return _page(request, who)


async def _change_password(request: Request, who: Viewer) -> Response:
    data = await form(request)
    bound = accounts.PASSWORD_MAX + 1
    current = data.get("current_password", "")[:bound]
    new, repeat = data.get("new_password", "")[:bound], data.get("repeat_password", "")[:bound]
    try:
        keys = limits.login_keys(request, who.user.email)
    except limits.RateLimited as refused:
        headers = {"Retry-After": str(refused.retry_after)}
        errors = {"current_password": refused.message}
        return _page(request, who, errors=errors, status=429, headers=headers)
    if not await run_in_threadpool(accounts.verify_password, who.user.password_hash, current):
        request.state.limiter.add(keys)
        errors = {"current_password": "That is not your current password."}
        return _page(request, who, errors=errors, status=400)
    try:
        accounts.check_password(new)
    except StoreError:
        errors = {
            "new_password": f"A password has {accounts.PASSWORD_MIN}-{accounts.PASSWORD_MAX}"
            " characters."
        }
        return _page(request, who, errors=errors, status=422)
    if new != repeat:
        errors = {"repeat_password": "The two new passwords differ. Type the same one twice."}
        return _page(request, who, errors=errors, status=422)
    new_hash = await run_in_threadpool(accounts.hash_password, new)
    version = await request.state.db.write(
        lambda conn: store.change_password(conn, who.user.user_id, who.user.password_hash, new_hash)
    )
    if version is None:  # changed meanwhile, in another session
        errors = {"current_password": "Your password was changed meanwhile. Try again."}
        return _page(request, who, errors=errors, status=409)
    request.session["sv"] = version  # this browser stays signed in; the others do not
    return RedirectResponse(PATH + "?saved=password", status_code=303)
