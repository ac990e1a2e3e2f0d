"""The ASGI application: ``create_app(settings)`` builds one isolated app per database."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from ingest import storage
from ingest.api import attribution as attribution_api
from ingest.api import campaigns as campaigns_api
from ingest.api import companies, lead_setup, leads, openapi
from ingest.api import deals as deals_api
from ingest.api import persons as api
from ingest.api import reports as reports_api
from ingest.api import selections as selections_api
from ingest.api.key_uses import KeyUses
from ingest.config import Settings
from ingest.domain import money
from ingest.domain.credits.follower import Follower
from ingest.edge import collect, forms, limits, tracker
from ingest.edge.middleware import Edge
from ingest.edge.settings_cache import SettingsCache
from ingest.edge.sightings import Sightings
from ingest.errors import AppError, handle_app_error, handle_http_exception
from ingest.ops.metrics import Metrics, metrics_endpoint
from ingest.storage import search_index
from ingest.webapp import routes as webapp
from ingest.webapp.session import load_secret
from ingest.webapp.static import static_url

TEMPLATES_DIR = Path(__file__).parent / "templates"


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
        app_secret = await load_secret(settings, database)
        limiter = limits.create_limiter(settings, database)
        limiter.start()
        sightings = Sightings(database, settings.public_origin)
        sightings.start()
        key_uses = KeyUses(database)
        key_uses.start()
        indexer = search_index.Indexer(database)
        indexer.start()
        credits_follower = Follower(database)
        credits_follower.start()
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
                "app_secret": app_secret,
                "sightings": sightings,
                "key_uses": key_uses,
            }
        finally:
            await indexer.stop()
            await credits_follower.stop()
            await key_uses.stop()
            await sightings.close()
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
        Route(
            "/api/v1/persons/{person_id}", api.person, methods=["GET", "HEAD", "PATCH", "DELETE"]
        ),
        Route("/api/v1/persons/{person_id}/export", api.export_person),
        Route("/api/v1/companies", companies.list_companies),
        Route(
            "/api/v1/companies/{company_id}",
            lead_setup.company,
            methods=["GET", "HEAD", "PATCH"],
        ),
        Route("/api/v1/campaigns", campaigns_api.list_campaigns),
        Route("/api/v1/campaigns/{campaign_id}/performance", campaigns_api.performance),
        Route("/api/v1/categories", lead_setup.list_categories),
        Route("/api/v1/lead-statuses", lead_setup.list_statuses),
        Route("/api/v1/leads", leads.create_lead, methods=["POST"]),
        *deals_api.ROUTES,
        *selections_api.ROUTES,
        *attribution_api.ROUTES,
        *reports_api.ROUTES,
        Route("/healthz", api.health),
        Route("/metrics", metrics_endpoint),
        Route(openapi.OPENAPI_PATH, openapi.serve),
        *webapp.routes(settings),  # the marketer's app, under /app
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(
                Edge,
                hosts=settings.hosts,
                metrics=metrics,
                access_log=settings.access_log,
                client_addresses=settings.log_client_addresses,
            ),
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
    app.state.templates.env.globals["static_url"] = static_url
    app.state.templates.env.filters["money"] = money.display
    app.state.settings = settings
    app.state.metrics = metrics
    return app


def tune_server_process() -> None:
    """Process-wide tuning of a server process. A thread that wants the GIL back (the
    SQLite writer after its fsync, a reader, a PostgreSQL worker) waits behind a busy event
    loop for up to the switch interval, 5 ms by default, and every submission waits for one
    of them: 0.5 ms keeps that wait short (measured in scripts/bench ingest)."""
    sys.setswitchinterval(0.0005)


def app_from_env() -> Starlette:
    """The app of one worker process of ``leadsource serve --workers N``."""
    tune_server_process()
    return create_app(Settings.from_env())
