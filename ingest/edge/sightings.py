"""Is the script installed? Which sites loaded a tenant's ``utm.js``, and when last.

``serve_script`` tells ``Sightings.note`` the request's ``Origin`` (or else its ``Referer``);
only the page's origin is kept, normalised to ``scheme://host[:port]``: anything that is not
an http(s) address with a plain host name or IP address is ignored, as is the service's own
origin (its hosted pages and the debug view). Counting costs a dictionary update: each
process keeps what it saw in memory, bounded (``MAX_ORIGINS`` per tenant, ``MAX_TENANTS``
tenants between flushes), and every ``FLUSH_SECONDS`` upserts it into ``script_sightings``
as one writer job, as the rate limits do. Nobody's site is ever fetched: a Referer is only
what a browser, or anyone, says.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from datetime import datetime
from urllib.parse import urlsplit

from ingest.clock import iso_time
from ingest.edge.flushing import Flushing
from ingest.storage import Database
from ingest.storage.sightings import MAX_ORIGINS, note_sightings

log = logging.getLogger("leadsource.sightings")

FLUSH_SECONDS = 5.0
MAX_TENANTS = 10_000  # tenants noted between two flushes; more are dropped until the next
MAX_HEADER = 2048  # longer Origin or Referer values are not looked at
_HOST_NAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalised_origin(value: str | None) -> str | None:
    """``scheme://host[:port]`` of an http(s) address, lower-cased, without a default port
    or a trailing dot; None for anything else (other schemes, user info tricks are dropped
    with the path, hosts that are neither a DNS name nor an IP address)."""
    if not value or len(value) > MAX_HEADER:
        return None
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    if ":" in host:  # an IPv6 literal
        try:
            host = f"[{ipaddress.IPv6Address(host).compressed}]"
        except ValueError:
            return None
    elif not _HOST_NAME.match(host):
        return None
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}:{port}"
    return f"{scheme}://{host}"


class Sightings(Flushing):
    flush_seconds = FLUSH_SECONDS
    task_name = "leadsource-sightings"

    def __init__(self, database: Database, own_origin: str) -> None:
        self.database = database
        self.own_origin = normalised_origin(own_origin)
        self.pending: dict[str, dict[str, tuple[str, str]]] = {}
        self.flush_failures = 0

    def note(
        self, tenant_id: str, origin_header: str | None, referer: str | None, at: datetime
    ) -> None:
        """Note that a page of this origin loaded the tenant's script (cheap, never raises)."""
        origin = normalised_origin(origin_header) if origin_header not in (None, "null") else None
        origin = origin or normalised_origin(referer)
        if origin is None or origin == self.own_origin:
            return
        seen = self.pending.get(tenant_id)
        if seen is None:
            if len(self.pending) >= MAX_TENANTS:
                return
            seen = self.pending[tenant_id] = {}
        now = iso_time(at)
        if origin in seen:
            seen[origin] = (seen[origin][0], now)
        elif len(seen) < MAX_ORIGINS:
            seen[origin] = (now, now)

    async def flush(self) -> None:
        batch, self.pending = self.pending, {}
        if not batch:
            return
        try:
            await self.database.write(lambda conn: note_sightings(conn, batch))
        except Exception:
            # Lost sightings come back with the site's next visitor; nothing to retry.
            self.flush_failures += 1
            log.warning("script sightings could not be stored", exc_info=True)

    async def close(self) -> None:
        await self.stop()
