"""When each API key was last used, for the settings page, at no cost per request: the API
notes a key's use in memory (a dictionary update) and each process writes what it noted as
one writer job every ``FLUSH_SECONDS`` (``api_keys.last_used_at``), as the script sightings
are. The page's "last used" is thus at most that far behind."""

from __future__ import annotations

import logging
from datetime import datetime

from ingest.clock import iso_time
from ingest.edge.flushing import Flushing
from ingest.storage import Database
from ingest.storage.api_keys import note_uses

log = logging.getLogger("leadsource.key_uses")

FLUSH_SECONDS = 10.0
MAX_KEYS = 10_000  # keys noted between two flushes; more wait for the next


class KeyUses(Flushing):
    flush_seconds = FLUSH_SECONDS
    task_name = "leadsource-key-uses"

    def __init__(self, database: Database) -> None:
        self.database = database
        self.pending: dict[tuple[str, str], str] = {}

    def note(self, tenant_id: str, key_id: str, at: datetime) -> None:
        key = (tenant_id, key_id)
        if key in self.pending or len(self.pending) < MAX_KEYS:
            self.pending[key] = iso_time(at)

    async def flush(self) -> None:
        batch, self.pending = self.pending, {}
        if not batch:
            return
        try:
            await self.database.write(lambda conn: note_uses(conn, batch))
        except Exception:
            # The key's next use notes it again; nothing to retry.
            log.warning("API key uses could not be stored", exc_info=True)
