"""The service's logs: one JSON object per line, and an access log that keeps no client
address (unless ``LEADSOURCE_LOG_CLIENT_ADDRESSES``) and no query string, where emails
(``/api/v1/persons?email=``) and campaign links' private parameters would otherwise land."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("leadsource.access")

# Attributes every LogRecord has; anything else was passed in ``extra=`` and is logged too.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def log_config(level: str = "info") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for uvicorn: our loggers and uvicorn's, as JSON lines.
    uvicorn's own access log is off (``access_log=False``); ``AccessLog`` replaces it."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"default": handler},
        "loggers": {
            name: {"handlers": ["default"], "level": level.upper(), "propagate": False}
            for name in ("leadsource", "uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


class AccessLog:
    """One line per request: method, path (no query), status, duration; the client's address
    only when the setting asks for it."""

    def __init__(self, app: ASGIApp, *, client_addresses: bool = False) -> None:
        self.app = app
        self.client_addresses = client_addresses

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            extra: dict[str, object] = {
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            }
            if self.client_addresses and scope.get("client"):
                extra["client"] = scope["client"][0]
            access_log.info("%s %s %d", scope["method"], scope["path"], status, extra=extra)
