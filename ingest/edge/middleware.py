"""What every request passes on its way in and out, in one ASGI layer (each layer costs a
coroutine and a wrapped ``send`` per request, on the path every submission takes):

- refused before routing when its ``Host`` is not one the service is published under
  (``hosts.py``), in the one error shape;
- security headers on every answer: nosniff, a referrer policy, and for HTML a CSP under
  which no script runs (hosted pages have none, so a visitor's hostile value cannot run one);
  the marketer's app (``/app``) gets a strict CSP of its own (scripts and styles only from
  its files, never framed) on every answer, and ``no-store`` unless it set a cache policy
  (its fingerprinted static files do);
- counted in the metrics by route template (``metrics.py``);
- with ``LEADSOURCE_ACCESS_LOG``, one log line: method, path without query, status,
  duration; the client's address only with ``LEADSOURCE_LOG_CLIENT_ADDRESSES`` (``logs.py``).
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ingest.edge.hosts import REFUSED, host_allowed, host_name
from ingest.ops.logs import access_log
from ingest.ops.metrics import UNMATCHED, Metrics

# Hosted pages may still be framed (embedded forms); they run no script at all.
HTML_CSP = b"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'"
# The app: its own files only, no inline script or style, never in a frame, forms post only
# to itself.
APP_CSP = (
    b"default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none';"
    b" form-action 'self'; base-uri 'none'; object-src 'none'"
)
APP_HEADERS = [
    (b"content-security-policy", APP_CSP),
    (b"x-frame-options", b"DENY"),
]
NO_STORE = (b"cache-control", b"no-store")
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]


class Edge:
    def __init__(
        self,
        app: ASGIApp,
        *,
        hosts: tuple[str, ...],
        metrics: Metrics,
        access_log: bool = False,
        client_addresses: bool = False,
    ) -> None:
        self.app = app
        self.access_log = access_log
        self.hosts = tuple(p.strip().lower() for p in hosts if p.strip())
        self.metrics = metrics
        self.client_addresses = client_addresses

    def _host_refused(self, scope: Scope) -> bool:
        for name, value in scope["headers"]:
            if name == b"host":
                return not host_allowed(host_name(value.decode("latin-1")), self.hosts)
        return not host_allowed("", self.hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http":
            if kind == "websocket" and self._host_refused(scope):
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        path = scope["path"]
        app_path = path.startswith("/app/") or path == "/app"

        async def send_out(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", ()), *SECURITY_HEADERS]
                if app_path:
                    if not any(name == b"cache-control" for name, _ in headers):
                        headers.append(NO_STORE)
                    headers.extend(APP_HEADERS)
                else:
                    for name, value in headers:
                        if name == b"content-type":
                            if value.startswith(b"text/html"):
                                headers.append((b"content-security-policy", HTML_CSP))
                            break
                message["headers"] = headers
            await send(message)

        try:
            if self._host_refused(scope):
                await _refuse(send_out)
            else:
                await self.app(scope, receive, send_out)
        finally:
            seconds = time.perf_counter() - started
            # The router records the route it matched in the scope it was handed, ours.
            route = getattr(scope.get("route"), "path", None) or UNMATCHED
            self.metrics.observe_request(scope["method"], route, status, seconds)
            if self.access_log and access_log.isEnabledFor(logging.INFO):
                extra: dict[str, object] = {
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                }
                if self.client_addresses and scope.get("client"):
                    extra["client"] = scope["client"][0]
                access_log.info("%s %s %d", scope["method"], scope["path"], status, extra=extra)


async def _refuse(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(REFUSED)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": REFUSED})
