"""Serving the built scripts from ``tracker/dist``.

``utm.js`` is one tenant-independent file loaded on every page of every customer's site:
it is compressed once at startup (brotli, the smallest encoding browsers accept, and gzip
for the rest) and cached by ETag. ``utm-debug.js`` runs only in debug mode; it is served
uncached with the tenant's settings written into its ``/*CONFIG*/null`` placeholder.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import brotli
from starlette.requests import Request
from starlette.responses import Response

from . import limits, origins, store
from .errors import NotFound
from .store import Tenant

CONTENT_TYPE = "text/javascript; charset=utf-8"
CONFIG_PLACEHOLDER = "/*CONFIG*/null"
# Loaded by customers' pages on other origins, possibly under Cross-Origin-Embedder-Policy.
CROSS_ORIGIN = {"Access-Control-Allow-Origin": "*", "Cross-Origin-Resource-Policy": "cross-origin"}
# Most preferred first: what we send when the browser accepts several.
ENCODINGS = ("br", "gzip")


@dataclass(frozen=True)
class Script:
    """utm.js in every encoding we send, each with its own ETag (they are different bytes)."""

    bodies: dict[str, bytes]  # "br", "gzip" and "identity"
    etags: dict[str, str]


@dataclass(frozen=True)
class Scripts:
    utm: Script
    debug: str  # utm-debug.js with its placeholder


def load_scripts(directory: str) -> Scripts:
    dist = Path(directory)
    raw = (dist / "utm.js").read_bytes()
    bodies = {
        "br": brotli.compress(raw, mode=brotli.MODE_TEXT, quality=11),
        "gzip": gzip.compress(raw, compresslevel=9, mtime=0),
        "identity": raw,
    }
    digest = hashlib.sha256(raw).hexdigest()[:20]
    etags = {name: f'"{digest}-{name}"' for name in bodies}
    return Scripts(Script(bodies, etags), (dist / "utm-debug.js").read_text(encoding="utf-8"))


def choose_encoding(accept_encoding: str) -> str:
    """The best of ``ENCODINGS`` the header accepts (q > 0; ``*`` covers unnamed ones), or
    ``identity``."""
    weights: dict[str, float] = {}
    for part in accept_encoding.split(",")[:20]:
        name, _, params = part.partition(";")
        name = name.strip().lower()
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if name:
            weights[name] = q
    wildcard = weights.get("*", 0.0)
    accepted = [e for e in ENCODINGS if weights.get(e, wildcard) > 0]
    # The highest q wins; on a tie, our order (br before gzip).
    return max(accepted, key=lambda e: weights.get(e, wildcard), default="identity")


def _not_modified(if_none_match: str, etag: str) -> bool:
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return etag in tags or "*" in tags


async def _tenant(request: Request) -> Tenant:
    tenant_id = request.path_params["tenant_id"]
    tenant = await store.get_tenant(request.state.reader, tenant_id)
    if tenant is None:
        raise NotFound("There is no such tenant. Check the script tag's address.")
    return tenant


async def serve_script(request: Request) -> Response:
    request.state.json_errors = True  # loaded by a script tag; nobody reads an HTML page
    tenant = await _tenant(request)
    limits.enforce(request, "script", tenant.tenant_id)
    script: Script = request.state.scripts.utm
    encoding = choose_encoding(request.headers.get("accept-encoding", ""))
    headers = {
        "Cache-Control": f"public, max-age={request.state.settings.script_max_age}",
        "ETag": script.etags[encoding],
        "Vary": "Accept-Encoding",
        **CROSS_ORIGIN,
    }
    if _not_modified(request.headers.get("if-none-match", ""), script.etags[encoding]):
        return Response(status_code=304, headers=headers)
    if encoding != "identity":
        headers["Content-Encoding"] = encoding
    return Response(script.bodies[encoding], media_type=CONTENT_TYPE, headers=headers)


def js_literal(value: object) -> str:
    """JSON that is safe anywhere in a script, even inline in HTML: no ``</script>``, no
    ``<!--``, and no U+2028/U+2029 (line breaks to older JavaScript parsers)."""
    text = json.dumps(value, ensure_ascii=True)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return text


async def serve_debug_script(request: Request) -> Response:
    """The debug helper, told what the service knows: is UTM transfer on, and may the page
    that loaded it (its Referer's origin) post forms to this tenant?"""
    request.state.json_errors = True
    tenant = await _tenant(request)
    limits.enforce(request, "script", tenant.tenant_id)
    page_origin = origins.origin_of(request.headers.get("referer", "")[:2048])
    allowed = (
        None
        if page_origin is None or not tenant.origins
        else origins.is_allowed(request, tenant, page_origin)
    )
    config = {
        "tenant": tenant.tenant_id,
        "utm_transfer": tenant.utm_transfer,
        "origin_allowed": allowed,
    }
    body = request.state.scripts.debug.replace(CONFIG_PLACEHOLDER, js_literal(config), 1)
    headers = {"Cache-Control": "no-store", **CROSS_ORIGIN}
    return Response(body, media_type=CONTENT_TYPE, headers=headers)
