"""The one timestamp format of the database: ISO 8601 UTC, milliseconds, 'Z'. Strings of
this format sort as the times they name, on either engine."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> str:
    return iso_time(datetime.now(UTC))


def iso_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
