"""Tenants and forms as the public endpoints see them, kept in memory for a moment.

Every submission, page view and script load needs its tenant's settings (and a submission
its form); they change rarely and are read constantly. Each process keeps what it read for
``LEADSOURCE_SETTINGS_CACHE_MS`` (default one second), so a change made by the CLI or
another process reaches every process within that time, and the hot path needs no database
read. Unknown ids are remembered too (a client trying random ids costs one read per id per
interval), within a bounded number of entries. When an entry is due, the requests that arrive
while it is read again share that one read.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ingest.storage import reads as store
from ingest.storage.reads import Form, Tenant

MAX_ENTRIES = 10_000


class SettingsCache:
    def __init__(self, ttl_ms: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl_ms / 1000
        self.clock = clock
        self._entries: OrderedDict[tuple[str, ...], tuple[float, Any]] = OrderedDict()
        self._pending: dict[tuple[str, ...], asyncio.Future[Any]] = {}

    async def tenant(self, db: Any, tenant_id: str) -> Tenant | None:
        return await self._get(db, (tenant_id,), store.get_tenant, tenant_id)

    async def tenant_and_form(
        self, db: Any, tenant_id: str, form_id: str
    ) -> tuple[Tenant | None, Form | None]:
        return await self._get(db, (tenant_id, form_id), store.tenant_and_form, tenant_id, form_id)

    def forget(self, tenant_id: str) -> None:
        """Drop what is kept of a tenant (after this process changed it)."""
        for key in [k for k in self._entries if k[0] == tenant_id]:
            del self._entries[key]

    async def _get(self, db: Any, key: tuple[str, ...], read: Callable[..., Any], *args: str):
        if self.ttl <= 0:
            return await db.read(read, *args)
        now = self.clock()
        found = self._entries.get(key)
        if found is not None and now - found[0] < self.ttl:
            return found[1]
        # Requests that arrive while the read is on its way wait for that one read.
        pending = self._pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        task = self._pending[key] = asyncio.ensure_future(db.read(read, *args))
        try:
            value = await asyncio.shield(task)
        finally:
            self._pending.pop(key, None)
        self._entries[key] = (now, value)
        self._entries.move_to_end(key)
        while len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)
        return value
