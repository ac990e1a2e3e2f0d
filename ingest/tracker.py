"""Serving ``utm.js``: one tenant-independent file, compressed once, cached by ETag."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from . import store
from .errors import NotFound

CONTENT_TYPE = "text/javascript; charset=utf-8"


@dataclass(frozen=True)
class Script:
    raw: bytes
    gzipped: bytes
    etag: str


def load_script(path: str) -> Script:
    raw = Path(path).read_bytes()
    etag = '"' + hashlib.sha256(raw).hexdigest()[:20] + '"'
    return Script(raw, gzip.compress(raw, compresslevel=9, mtime=0), etag)


def _accepts_gzip(request: Request) -> bool:
    for part in request.headers.get("accept-encoding", "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*") and params.replace(" ", "") != "q=0":
            return True
    return False


async def serve_script(request: Request) -> Response:
    tenant_id = request.path_params["tenant_id"]
    if await store.get_tenant(request.state.reader, tenant_id) is None:
        raise NotFound(f"No tenant {tenant_id!r}.")
    script: Script = request.state.script
    headers = {
        "Cache-Control": f"public, max-age={request.state.settings.script_max_age}",
        "ETag": script.etag,
        "Vary": "Accept-Encoding",
        # The script is loaded cross-origin by customers' sites.
        "Access-Control-Allow-Origin": "*",
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    if script.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    body = script.raw
    if _accepts_gzip(request):
        body = script.gzipped
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type=CONTENT_TYPE, headers=headers)
