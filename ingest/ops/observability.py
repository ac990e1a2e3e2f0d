"""Expected events that are not errors (a client that left before sending its body): counted
in the app's metrics (``ingest/metrics.py``, ``leadsource_events_total``) instead of filling
the log."""

from __future__ import annotations

from starlette.requests import Request

CLIENT_DISCONNECTED = "client_disconnected"


def record(request: Request, event: str) -> None:
    request.app.state.metrics.observe_event(event)
