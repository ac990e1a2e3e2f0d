"""The users page (admins): the tenant's members with their roles; invite by email (a new
account gets a generated password, shown once), change a role, remove a member (confirmed).
Nobody removes themselves or changes their own role, and the last admin stays."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ingest.domain import accounts
from ingest.domain.validation import EMAIL_MAX
from ingest.storage import accounts as store
from ingest.storage.reads import StoreError
from ingest.webapp import access
from ingest.webapp.access import Member
from ingest.webapp.render import render

USER_ID_MAX = 64
INVITED = "invited_user"  # the session's one-time slot: who was invited, and a new password
SAVED = {
    "invited": "The user was added.",
    "role": "The role was changed.",
    "removed": "The user was removed from this account.",
}


async def _page(
    request: Request,
    member: Member,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    members = await request.state.db.read(store.members, member.tenant_id)
    errors = dict(errors or {})
    listed = {user.user_id for user, _ in members} | {"email", "role"}
    for key in [k for k in errors if k not in listed]:  # shown above the list instead
        errors["general"] = errors.pop(key)
    context = {
        "members": members,
        "roles": accounts.ROLES,
        "saved": SAVED.get(request.query_params.get("saved", "")),
        "invited": request.session.pop(INVITED, None) if status == 200 else None,
        "errors": errors,
        "values": values or {},
    }
    return render(request, "app/users.html", context, viewer=member, status=status)


async def page(request: Request, member: Member) -> Response:
    return await _page(request, member)


def _back(member: Member, saved: str) -> Response:
    return RedirectResponse(member.url(f"users?saved={saved}"), status_code=303)


async def invite(request: Request, member: Member) -> Response:
    form = await access.form(request)
    email, role = form.get("email", "")[: EMAIL_MAX + 1], form.get("role", "")
    values = {"email": email, "role": role}
    try:
        accounts.normal_email(email)
        accounts.role(role)
    except StoreError:
        error = {"email": "Enter an email address, like name@example.com."}
        if role not in accounts.ROLES:
            error = {"role": "Choose a role."}
        return await _page(request, member, errors=error, values=values, status=422)
    password = accounts.generate_password()
    new_hash = await run_in_threadpool(accounts.hash_password, password)
    try:
        added, created = await request.state.db.write(
            lambda conn: accounts.invite(conn, member.tenant_id, email, role, new_hash)
        )
    except StoreError as error:
        return await _page(request, member, errors={"email": str(error)}, values=values, status=422)
    request.session[INVITED] = {"email": added, "password": password if created else None}
    return _back(member, "invited")


async def change_role(request: Request, member: Member) -> Response:
    form = await access.form(request)
    user_id = form.get("user_id", "")[:USER_ID_MAX]
    try:
        await request.state.db.write(
            lambda conn: accounts.change_role(
                conn, member.tenant_id, user_id, form.get("role", ""), member.user.user_id
            )
        )
    except StoreError as error:
        return await _page(request, member, errors={user_id: str(error)}, status=422)
    return _back(member, "role")


async def remove(request: Request, member: Member) -> Response:
    user_id = (await access.form(request)).get("user_id", "")[:USER_ID_MAX]
    try:
        await request.state.db.write(
            lambda conn: accounts.remove_member(
                conn, member.tenant_id, user_id, member.user.user_id
            )
        )
    except StoreError as error:
        return await _page(request, member, errors={user_id: str(error)}, status=422)
    return _back(member, "removed")
