"""``POST /t/{tenant}/collect``: the page views utm.js sends when a site opts in
(``data-pageviews``).

The script sends them with ``navigator.sendBeacon`` as ``text/plain`` (so no CORS
preflight) and never reads the answer, so every outcome is short: 204 when stored or
deliberately ignored (bots), our one JSON error shape otherwise.
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from ingest.domain.privacy import private_params_removed
from ingest.domain.sessions import PageView, record_pageview
from ingest.domain.touch import clean_url
from ingest.domain.validation import load_json, valid_visitor_id
from ingest.edge import limits, origins
from ingest.edge.bodies import read_body
from ingest.errors import BadRequest, Forbidden, NotFound, Unavailable, UnsupportedMediaType
from ingest.storage import WriterClosed

MAX_BODY = 4 * 1024
CONTENT_TYPES = ("text/plain", "application/json")
# A page's address as a browser gives it (location.href): http(s), a host name or IPv4
# address, an optional port, then anything without spaces or control characters. One rule,
# stated as is in the OpenAPI document (a JSON Schema pattern as well as a Python one).
PAGE_ADDRESS = r"^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9._~-]+(:[0-9]{1,5})?([/?#][^\x00-\x20\x7f]*)?$"
_PAGE_ADDRESS = re.compile(PAGE_ADDRESS)

# User agents that are not a person's browser: crawlers, link previews, headless and
# automated browsers, speed tests, uptime monitors and HTTP libraries. Lower case; "bot"
# only as the end of a word, and not in the phone brand Cubot.
BOT_PATTERNS = (
    r"(?<!cu)bot(?![a-z])",
    *(
        re.escape(word)
        for word in (
            "crawl",
            "spider",
            "slurp",
            "scrap",
            "archiver",
            "headless",
            "phantomjs",
            "puppeteer",
            "playwright",
            "selenium",
            "webdriver",
            "cypress",
            "lighthouse",
            "pagespeed",
            "gtmetrix",
            "preview",
            "facebookexternalhit",
            "facebookcatalog",
            "embedly",
            "iframely",
            "whatsapp",
            "validator",
            "monitor",
            "uptime",
            "pingdom",
            "statuscake",
            "site24x7",
            "synthetic",
            "datadog",
            "newrelic",
            "curl/",
            "wget/",
            "python",
            "httpx",
            "aiohttp",
            "go-http-client",
            "java/",
            "okhttp",
            "axios/",
            "node-fetch",
            "undici",
            "libwww",
            "httpclient",
            "guzzle",
            "postman",
        )
    ),
)
_BOT = re.compile("|".join(BOT_PATTERNS))
# Every browser people use says "Mozilla/5.0 (platform) Engine/version ...": an agent without
# that shape (``x``, a bare ``Mozilla/5.0``) is a script pretending.
_BROWSER = re.compile(r"^Mozilla/5\.0 \([^)]{2,}\).* [A-Za-z]+/\d")
MAX_USER_AGENT = 512


def is_bot(user_agent: str) -> bool:
    """Not shaped like a browser, or a known kind of machine. Real browsers' agents are well
    under the bound."""
    agent = user_agent[:MAX_USER_AGENT]
    return not _BROWSER.match(agent) or bool(_BOT.search(agent.lower()))


async def collect(request: Request) -> Response:
    request.state.json_errors = True  # sent by a script, whatever its Content-Type says
    tenant = await request.state.settings_cache.tenant(
        request.state.db, request.path_params["tenant_id"]
    )
    if tenant is None:
        raise NotFound("There is no such tenant. Check the script tag's address.")
    if request.method == "OPTIONS":
        return origins.preflight(request, tenant, allow_headers="Content-Type")
    request.state.cors_headers = cors = origins.cors_headers(request, tenant)
    limits.enforce(request, "collect", tenant.tenant_id)
    if not origins.request_allowed(request, tenant):
        raise Forbidden(
            "This website is not allowed to send page views to this tenant. "
            "An administrator can add it with `leadsource tenant update --origin`."
        )
    if is_bot(request.headers.get("user-agent", "")):
        return Response(status_code=204, headers=cors)

    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in CONTENT_TYPES:
        raise UnsupportedMediaType("Send the page view as text/plain or application/json.")
    body = await read_body(request, MAX_BODY, f"A page view can be at most {MAX_BODY // 1024} KB.")
    view = parse_pageview(body, request.state.clock())
    view = replace(
        view,
        url=private_params_removed(view.url, tenant.keep_params) or view.url,
        referrer=private_params_removed(view.referrer, tenant.keep_params),
    )

    job = functools.partial(
        record_pageview,
        tenant_id=tenant.tenant_id,
        view=view,
        utm_transfer=tenant.utm_transfer,
        max_sessions_per_day=request.state.settings.sessions_per_visitor_per_day,
    )
    try:
        await request.state.db.write(job)
    except WriterClosed:
        raise Unavailable("The service is shutting down.") from None
    return Response(status_code=204, headers=cors)


def parse_pageview(body: bytes, at: datetime) -> PageView:
    """``{"v": visitor id, "u": page address, "r": external referrer or ""}``."""
    try:
        data = load_json(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadRequest("The body must be a JSON object.") from None
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object.")
    visitor_id = data.get("v")
    if not valid_visitor_id(visitor_id):
        raise BadRequest('"v" must be 8-64 characters of A-Z, a-z, 0-9, _ and -.')
    raw_url = data.get("u")
    url = (
        clean_url(raw_url)
        if isinstance(raw_url, str) and _PAGE_ADDRESS.fullmatch(raw_url)
        else None
    )
    if url is None:
        raise BadRequest('"u" must be the http(s) address of the page.')
    referrer = data.get("r")
    if referrer is not None and not isinstance(referrer, str):
        raise BadRequest('"r" must be a string.')
    return PageView(visitor_id, url, referrer or None, at)
