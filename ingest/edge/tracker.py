"""Serving the built scripts from ``tracker/dist``.

A site gets only the code it uses: ``tracker/build.mjs`` builds ``utm.js`` once for every
combination of its optional parts (``SCRIPT_OPTIONS``), and a tenant's ``script_options``
pick the variant its sites are served, at the one address the web developer pasted. Each
variant is compressed the first time it is asked for (brotli, the smallest encoding browsers
accept, and gzip for the rest) and kept; its ETag is its own, so changing a tenant's options
changes the ETag, and browsers pick up the new variant when their copy's max-age
(``LEADSOURCE_SCRIPT_MAX_AGE``) runs out. ``utm-debug.js`` runs only in debug mode; it is
served uncached with the tenant's settings written into its ``/*CONFIG*/null`` placeholder.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import brotli
from starlette.requests import Request
from starlette.responses import Response

from ingest.edge import limits, origins
from ingest.errors import NotFound
from ingest.storage.reads import StoreError, Tenant

CONTENT_TYPE = "text/javascript; charset=utf-8"
CONFIG_PLACEHOLDER = "/*CONFIG*/null"
# Loaded by customers' pages on other origins, possibly under Cross-Origin-Embedder-Policy.
CROSS_ORIGIN = {"Access-Control-Allow-Origin": "*", "Cross-Origin-Resource-Policy": "cross-origin"}
# Most preferred first: what we send when the browser accepts several.
ENCODINGS = ("br", "gzip")

# The optional parts of utm.js, in the build's order (tracker/variants.mjs; a test checks the
# two agree), with what each does for a site. tracker/README.md says why each is optional.
SCRIPT_OPTIONS = {
    "pageviews": "a page-view beacon on every page (sessions and views in campaign reports)",
    "consent": "consent mode: nothing is stored until the site calls "
    "Leadsource.consent(true), and never under Global Privacy Control or Do Not Track",
    "inputs": "inputs the site placed in any form are filled by name (utm_source, "
    "first_utm_source, gclid, ls_touches, ...), for third-party form handlers",
    "crossdomain": "touches carried to the site's other domains: links (data-decorate) and "
    "iframes (our hosted forms, hosts in data-iframes)",
    "api": "the JavaScript API: Leadsource.touches() and Leadsource.fill()",
}


def script_options(names: Iterable[str]) -> tuple[str, ...]:
    """Option names checked and put in the build's order, each once."""
    wanted = {name.strip().lower() for name in names if name.strip()}
    unknown = wanted - SCRIPT_OPTIONS.keys()
    if unknown:
        raise StoreError(
            f"unknown script option {', '.join(sorted(unknown))}; "
            f"the options are {', '.join(SCRIPT_OPTIONS)}"
        )
    return tuple(name for name in SCRIPT_OPTIONS if name in wanted)


@dataclass
class Script:
    """One variant of utm.js, compressed on first use: each encoding is different bytes with
    its own ETag."""

    raw: bytes
    bodies: dict[str, bytes] = field(default_factory=dict)  # "br", "gzip" and "identity"
    etags: dict[str, str] = field(default_factory=dict)

    def encoded(self, encoding: str) -> tuple[bytes, str]:
        if not self.bodies:
            self.bodies = {
                "br": brotli.compress(self.raw, mode=brotli.MODE_TEXT, quality=11),
                "gzip": gzip.compress(self.raw, compresslevel=9, mtime=0),
                "identity": self.raw,
            }
            digest = hashlib.sha256(self.raw).hexdigest()[:20]
            self.etags = {name: f'"{digest}-{name}"' for name in self.bodies}
        return self.bodies[encoding], self.etags[encoding]


@dataclass(frozen=True)
class Scripts:
    variants: dict[tuple[str, ...], Script]  # by options, in the build's order
    debug: str  # utm-debug.js with its placeholder

    def for_tenant(self, tenant: Tenant) -> Script:
        return self.variants[tenant.script_options]


def load_scripts(directory: str) -> Scripts:
    """Every variant the build made, as ``dist/build.json`` lists them."""
    dist = Path(directory)
    manifest = json.loads((dist / "build.json").read_text(encoding="utf-8"))
    variants = {
        tuple(entry["options"]): Script((dist / name).read_bytes())
        for name, entry in manifest["variants"].items()
    }
    return Scripts(variants, (dist / "utm-debug.js").read_text(encoding="utf-8"))


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
    tenant = await request.state.settings_cache.tenant(request.state.db, tenant_id)
    if tenant is None:
        raise NotFound("There is no such tenant. Check the script tag's address.")
    return tenant


async def serve_script(request: Request) -> Response:
    request.state.json_errors = True  # loaded by a script tag; nobody reads an HTML page
    tenant = await _tenant(request)
    limits.enforce(request, "script", tenant.tenant_id)
    # Is the script installed? Which site loaded it (settings page, "seen on ...").
    request.state.sightings.note(
        tenant.tenant_id,
        request.headers.get("origin"),
        request.headers.get("referer"),
        request.state.clock(),
    )
    encoding = choose_encoding(request.headers.get("accept-encoding", ""))
    body, etag = request.state.scripts.for_tenant(tenant).encoded(encoding)
    headers = {
        "Cache-Control": f"public, max-age={request.state.settings.script_max_age}",
        "ETag": etag,
        "Vary": "Accept-Encoding",
        **CROSS_ORIGIN,
    }
    if _not_modified(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    if encoding != "identity":
        headers["Content-Encoding"] = encoding
    return Response(body, media_type=CONTENT_TYPE, headers=headers)


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
        "options": list(tenant.script_options),
    }
    body = request.state.scripts.debug.replace(CONFIG_PLACEHOLDER, js_literal(config), 1)
    headers = {"Cache-Control": "no-store", **CROSS_ORIGIN}
    return Response(body, media_type=CONTENT_TYPE, headers=headers)
