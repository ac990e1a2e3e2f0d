"""The app's static files (``ingest/webapp/static/``), served at
``/app/-/static/NAME.HASH.EXT`` (``-`` is no tenant id): the content hash in the name lets
browsers keep them for a year, and a changed file gets a new name. Templates link them with
``static_url("app.css")``."""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from ingest.errors import NotFound

STATIC_DIR = Path(__file__).resolve().parent / "static"
PREFIX = "/app/-/static/"
CACHE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str


def _load() -> tuple[dict[str, str], dict[str, Asset]]:
    urls: dict[str, str] = {}
    assets: dict[str, Asset] = {}
    for path in sorted(STATIC_DIR.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        body = path.read_bytes()
        digest = hashlib.sha256(body).hexdigest()[:12]
        served = f"{path.stem}.{digest}{path.suffix}"
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if media_type.startswith("text/") or media_type.endswith("javascript"):
            media_type += "; charset=utf-8"
        urls[path.name] = PREFIX + served
        assets[served] = Asset(body, media_type)
    return urls, assets


URLS, ASSETS = _load()


def static_url(name: str) -> str:
    return URLS[name]  # a KeyError names a file the templates expect and the package lacks


async def serve(request: Request) -> Response:
    asset = ASSETS.get(request.path_params["name"])
    if asset is None:
        raise NotFound("No such file.")
    return Response(asset.body, media_type=asset.media_type, headers={"Cache-Control": CACHE})
