"""Which websites may send a tenant's browsers to us: form posts, page views, the debug view.

With no origins configured a tenant takes requests from anywhere; otherwise only from its
listed sites and from our own hosted pages. One rule, used by every endpoint a customer's
page calls, so that they can never disagree.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from ingest.storage.reads import Tenant


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an http(s) URL, lower-cased; None for anything else."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def own_origin(request: Request) -> str:
    """Our hosted pages' origin: the base URL's, never the request's ``Host``."""
    return request.state.settings.public_origin


def is_allowed(request: Request, tenant: Tenant, origin: str) -> bool:
    """Whether a page of ``origin`` may send this tenant's visitors' data here."""
    origin = origin.lower().rstrip("/")
    allowed = {o.lower().rstrip("/") for o in tenant.origins}
    return not allowed or origin in allowed or origin == own_origin(request)


def request_allowed(request: Request, tenant: Tenant) -> bool:
    """A request without an Origin header is not a browser's cross-site request: allowed."""
    origin = request.headers.get("origin")
    return origin is None or is_allowed(request, tenant, origin)


def cors_headers(request: Request, tenant: Tenant) -> dict[str, str]:
    origin = request.headers.get("origin")
    if not origin or not is_allowed(request, tenant, origin):
        return {}
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


def preflight(request: Request, tenant: Tenant, *, allow_headers: str) -> Response:
    """The answer to a CORS preflight: permission for allowed origins, nothing otherwise."""
    headers = cors_headers(request, tenant)
    if headers:
        headers.update(
            {
                "Access-Control-Allow-Methods": "POST",
                "Access-Control-Allow-Headers": allow_headers,
                "Access-Control-Max-Age": "600",
            }
        )
    return Response(status_code=204, headers=headers)
