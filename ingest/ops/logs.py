"""The service's logs: one JSON object per line, and an access log that keeps no client
address (unless ``LEADSOURCE_LOG_CLIENT_ADDRESSES``) and no query string, where emails
(``/api/v1/persons?email=``) and campaign links' private parameters would otherwise land."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

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
    uvicorn's own access log is off (``access_log=False``); ``edge.Edge`` writes ours."""
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
