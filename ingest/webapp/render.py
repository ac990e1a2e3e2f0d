"""Rendering an app page: its template (extending ``app/base.html``) with what the layout
needs: the member (navigation, tenant switcher, sign-out) and the session's form token."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ingest.webapp.access import Member, Viewer
from ingest.webapp.session import csrf_token


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    viewer: Viewer | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    values = {
        "viewer": viewer,
        "member": viewer if isinstance(viewer, Member) else None,
        "csrf_token": csrf_token(request),
        **(context or {}),
    }
    return request.app.state.templates.TemplateResponse(
        request, template, values, status_code=status, headers=dict(headers or {})
    )
