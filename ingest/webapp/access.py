"""Who may see what in the app, checked on the server for every request.

``signed_in(handler)`` and ``tenant_page(handler, roles, nav)`` wrap a page's handler into a
Starlette endpoint (``routes.py`` applies them; a page never checks access itself):

- no valid session: ``303`` to ``/app/login?next=...`` (the page asked for comes back after
  sign-in);
- ``/app/{tenant}/...`` of a tenant the user is not a member of (or that does not exist):
  ``404``, the same page either way;
- a member whose role is not in ``roles``: ``403``;
- any method but GET and HEAD: the form's ``csrf_token`` must match the session's, else
  ``403``. The parsed form is then ``await form(request)``.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote

from starlette.datastructures import ImmutableMultiDict, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import Message

from ingest.domain.accounts import ROLES
from ingest.edge.bodies import read_body
from ingest.errors import BadRequest, Forbidden, NotFound
from ingest.storage import accounts as store
from ingest.webapp.session import csrf_valid, signed_in_user_id

LOGIN = "/app/login"
MAX_FORM_BYTES = 64 * 1024
MAX_UPLOAD_BYTES = 3 * 1024 * 1024  # a contact file (domain/importing.py) and its form
SAFE_METHODS = ("GET", "HEAD")
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str  # under /app/{tenant}/
    roles: tuple[str, ...]
    blurb: str = ""  # one line on the home page
    group: str = ""  # the navigation's section ("Reports", "Leads", ...)


@dataclass(frozen=True)
class Viewer:
    """The signed-in user and their tenants."""

    user: store.User
    tenants: tuple[store.Membership, ...]


@dataclass(frozen=True)
class Member(Viewer):
    """A signed-in member of the tenant in the path, with their role there."""

    tenant_id: str = ""
    role: str = ""
    all_nav: tuple[NavItem, ...] = field(default=(), repr=False)

    @property
    def nav(self) -> list[NavItem]:
        """The pages this member's role may use."""
        return [item for item in self.all_nav if self.role in item.roles]

    @property
    def nav_groups(self) -> list[tuple[str, list[NavItem]]]:
        """The navigation in its sections, in order, each with the pages this role may open."""
        groups: dict[str, list[NavItem]] = {}
        for item in self.nav:
            groups.setdefault(item.group, []).append(item)
        return list(groups.items())

    def url(self, path: str = "") -> str:
        return f"/app/{quote(self.tenant_id)}/{path}"

    def may(self, *roles: str) -> bool:
        return self.role in roles


class SignInRequired(Exception):
    pass


async def form(request: Request) -> ImmutableMultiDict[str, str]:
    """The posted form, parsed once per request: urlencoded (at most 64 KB), or multipart for
    a page that takes a file (at most ``MAX_UPLOAD_BYTES``, one file: ``uploaded``)."""
    parsed = getattr(request.state, "app_form", None)
    if parsed is None:
        content_type = request.headers.get("content-type", "")
        files: dict[str, bytes] = {}
        if content_type.startswith("multipart/form-data"):
            parsed, files = await _multipart(request)
        else:
            body = await read_body(request, MAX_FORM_BYTES, "The form is too large.")
            pairs = (
                parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
                if content_type.startswith("application/x-www-form-urlencoded")
                else []
            )
            parsed = ImmutableMultiDict(pairs)
        request.state.app_form = parsed
        request.state.app_files = files
    return parsed


async def uploaded(request: Request, name: str) -> bytes | None:
    """The content of the posted file ``name``, or None when none came."""
    await form(request)
    return request.state.app_files.get(name)


async def _multipart(request: Request) -> tuple[ImmutableMultiDict[str, str], dict[str, bytes]]:
    limit = MAX_UPLOAD_BYTES
    body = await read_body(request, limit, f"The upload is too large (at most {limit >> 20} MB).")

    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    pairs: list[tuple[str, str]] = []
    files: dict[str, bytes] = {}
    try:
        # The parser reads a stream: give it the bounded body already read.
        async with Request(request.scope, replay).form(max_files=1, max_fields=100) as parsed:
            for key, value in parsed.multi_items():
                if isinstance(value, UploadFile):
                    files[key] = await value.read()
                else:
                    pairs.append((key, value))
    except HTTPException as exc:  # Starlette's answer to a body its parser refuses
        raise BadRequest(f"The upload could not be read ({exc.detail}).") from None
    return ImmutableMultiDict(pairs), files


async def check_csrf(request: Request) -> None:
    if request.method in SAFE_METHODS:
        return
    if not csrf_valid(request, (await form(request)).get(CSRF_FIELD)):
        raise Forbidden(
            "This form has expired or did not come from Leadsource. Go back, reload the "
            "page and send it again."
        )


async def viewer(request: Request) -> Viewer:
    """The signed-in user, or ``SignInRequired``."""
    session = signed_in_user_id(request, request.app.state.settings.session_max_age)
    if session is None:
        raise SignInRequired
    user_id, version = session
    found = await request.state.db.read(store.session_user, user_id)
    if found is None or found[0].session_version != version:
        request.session.clear()  # ended by sign-out elsewhere or a new password
        raise SignInRequired
    return Viewer(found[0], tuple(found[1]))


def login_redirect(request: Request) -> Response:
    target = LOGIN
    if request.method in SAFE_METHODS:
        target += "?next=" + quote(request.url.path, safe="/")
    return RedirectResponse(target, status_code=303)


Handler = Callable[..., Awaitable[Response]]


def signed_in(handler: Callable[[Request, Viewer], Awaitable[Response]]) -> Handler:
    """A page for any signed-in user (the list of their tenants, their own account)."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        try:
            who = await viewer(request)
        except SignInRequired:
            return login_redirect(request)
        await check_csrf(request)
        return await handler(request, who)

    return endpoint


def tenant_page(
    handler: Callable[[Request, Member], Awaitable[Response]],
    roles: Sequence[str],
    nav: tuple[NavItem, ...] = (),
) -> Handler:
    """A page of the tenant in the path (``{tenant}``) for its members with one of
    ``roles``. The endpoint carries ``roles`` for the isolation tests."""
    roles = tuple(roles)
    assert roles and set(roles) <= set(ROLES), roles

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        try:
            who = await viewer(request)
        except SignInRequired:
            return login_redirect(request)
        tenant_id = request.path_params["tenant"]
        role = next((m.role for m in who.tenants if m.tenant_id == tenant_id), None)
        if role is None:
            raise NotFound("Nothing here.")
        await check_csrf(request)
        if role not in roles:
            raise Forbidden("Your role in this account does not give access to this page.")
        member = Member(who.user, who.tenants, tenant_id, role, nav)
        return await handler(request, member)

    endpoint.roles = roles  # type: ignore[attr-defined]
    return endpoint
