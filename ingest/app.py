"""The ASGI application: ``create_app(settings)`` builds one isolated app per database."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Route
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import api, collect, forms, limits, openapi, storage, tracker
from .config import Settings
from .errors import AppError, handle_app_error, handle_http_exception
from .hosts import TrustedHosts
from .logs import AccessLog
from .metrics import Metrics, RequestMetrics, metrics_endpoint
from .settings_cache import SettingsCache

TEMPLATES_DIR = Path(__file__).parent / "templates"

# Hosted pages run no script at all, so a visitor's hostile value cannot run one either.
HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'"


class SecurityHeaders:
    """CSP and nosniff on every response of ours; pages may still be framed (hosted forms)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"strict-origin-when-cross-origin"))
                content_type = dict(headers).get(b"content-type", b"")
                if content_type.startswith(b"text/html"):
                    headers.append((b"content-security-policy", HTML_CSP.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def utc_clock() -> datetime:
    return datetime.now(UTC)


def create_app(settings: Settings, *, clock: Callable[[], datetime] = utc_clock) -> Starlette:
    """``clock`` is the time page views are recorded at; tests pass one they can move."""
    metrics = Metrics()  # this app's own registry

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, object]]:
        scripts = tracker.load_scripts(settings.tracker_dir)  # compressed once, here
        database = storage.open_database(
            settings.db_path,
            max_batch=settings.writer_max_batch,
            pool_size=settings.db_pool_size,
        )
        await database.start()  # applies pending migrations before anything reads
        limiter = limits.create_limiter(settings, database)
        limiter.start()
        metrics.watch(database, limiter)
        app.state.db = database
        app.state.limiter = limiter
        try:
            yield {
                "settings": settings,
                "db": database,
                "scripts": scripts,
                "clock": clock,
                "limiter": limiter,
                "settings_cache": SettingsCache(settings.settings_cache_ms),
            }
        finally:
            await limiter.close()  # its last counts go through the database
            await database.close()

    routes = [
        Route("/t/{tenant_id}/utm.js", tracker.serve_script, methods=["GET", "HEAD"]),
        Route("/t/{tenant_id}/utm-debug.js", tracker.serve_debug_script, methods=["GET", "HEAD"]),
        Route("/t/{tenant_id}/collect", collect.collect, methods=["POST", "OPTIONS"]),
        Route(
            "/t/{tenant_id}/forms/{form_id}",
            forms.form_endpoint,
            methods=["GET", "HEAD", "POST", "OPTIONS"],
        ),
        Route("/t/{tenant_id}/forms/{form_id}/thanks", forms.thanks),
        Route("/api/v1/persons", api.list_persons),
        Route("/api/v1/persons/{person_id}", api.person, methods=["GET", "HEAD", "DELETE"]),
        Route("/api/v1/persons/{person_id}/export", api.export_person),
        Route("/healthz", api.health),
        Route("/metrics", metrics_endpoint),
        Route(openapi.OPENAPI_PATH, openapi.serve),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(AccessLog, client_addresses=settings.log_client_addresses),
            Middleware(RequestMetrics, metrics=metrics),
            Middleware(TrustedHosts, patterns=settings.hosts),
            Middleware(SecurityHeaders),
        ],
        exception_handlers={
            AppError: handle_app_error,
            HTTPException: handle_http_exception,
        },
        lifespan=lifespan,
    )
    # A trailing-slash redirect would be built from the request's Host; ours are not needed.
    app.router.redirect_slashes = False
    app.state.templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    app.state.settings = settings
    app.state.metrics = metrics
    return app


def app_from_env() -> Starlette:
    """The app of one worker process of ``leadsource serve --workers N``."""
    return create_app(Settings.from_env())
