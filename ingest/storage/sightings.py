"""Where a tenant's script was seen: the ``script_sightings`` table (migration 0008).

``note_sightings`` is a writer job that upserts what a process collected
(``ingest/edge/sightings.py``) and keeps at most ``MAX_ORIGINS`` origins per tenant, the most
recently seen; ``script_sightings`` is the read the settings page uses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ingest.storage import Connection

MAX_ORIGINS = 20  # per tenant, in memory and in the table

# {tenant_id: {origin: (first_seen_at, last_seen_at)}}, times in the one ISO format.
Seen = Mapping[str, Mapping[str, tuple[str, str]]]


def note_sightings(conn: Connection, seen: Seen) -> None:
    for tenant_id in sorted(seen):  # one order in every process: no deadlock on PostgreSQL
        for origin, (first, last) in sorted(seen[tenant_id].items()):
            conn.execute(
                "INSERT INTO script_sightings (tenant_id, origin, first_seen_at, last_seen_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (tenant_id, origin) DO UPDATE SET"
                " last_seen_at = CASE WHEN script_sightings.last_seen_at > excluded.last_seen_at"
                " THEN script_sightings.last_seen_at ELSE excluded.last_seen_at END",
                (tenant_id, origin, first, last),
            )
        (count,) = conn.execute(
            "SELECT count(*) FROM script_sightings WHERE tenant_id = ?", (tenant_id,)
        ).fetchone()
        if count > MAX_ORIGINS:
            conn.execute(
                "DELETE FROM script_sightings WHERE tenant_id = ? AND origin NOT IN"
                " (SELECT origin FROM script_sightings WHERE tenant_id = ?"
                " ORDER BY last_seen_at DESC, origin LIMIT ?)",
                (tenant_id, tenant_id, MAX_ORIGINS),
            )


def script_sightings(conn: Connection, tenant_id: str) -> list[dict[str, Any]]:
    """The origins that loaded the tenant's utm.js, the most recently seen first."""
    rows = conn.execute(
        "SELECT origin, first_seen_at, last_seen_at FROM script_sightings WHERE tenant_id = ?"
        " ORDER BY last_seen_at DESC, origin",
        (tenant_id,),
    ).fetchall()
    return [
        {
            "origin": r["origin"],
            "first_seen_at": r["first_seen_at"],
            "last_seen_at": r["last_seen_at"],
        }
        for r in rows
    ]
