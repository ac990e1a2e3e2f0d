"""The shell's own pages: the list of the user's tenants, a tenant's home, and the stand-in
for a page that is not built yet."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ingest.webapp.access import Member, Viewer
from ingest.webapp.render import render


async def app_root(request: Request) -> Response:
    return RedirectResponse("/app/", status_code=303)


async def tenants(request: Request, viewer: Viewer) -> Response:
    return render(request, "app/tenants.html", viewer=viewer)


async def home(request: Request, member: Member) -> Response:
    return render(request, "app/home.html", viewer=member)


async def coming_soon(request: Request, member: Member) -> Response:
    current = next((i for i in member.nav if request.url.path == member.url(i.path)), None)
    return render(request, "app/coming_soon.html", {"page": current}, viewer=member)
