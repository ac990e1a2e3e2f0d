"""Tenants and forms kept in memory for LEADSOURCE_SETTINGS_CACHE_MS: the hot path reads no
settings from the database, and a change still reaches the process within that time."""

from __future__ import annotations

import asyncio

from ingest import storage
from ingest.edge.settings_cache import MAX_ENTRIES, SettingsCache
from ingest.storage import admin


class Counting:
    """The real database, counting the reads that reach it."""

    def __init__(self, database) -> None:
        self.database = database
        self.reads = 0

    async def read(self, fn, *args):
        self.reads += 1
        return await self.database.read(fn, *args)


def run(settings, make_tenant, scenario):
    async def main():
        database = storage.open_database(settings.db_path)
        await database.start()
        try:
            return await scenario(Counting(database))
        finally:
            await database.close()

    return asyncio.run(main())


def test_a_change_reaches_the_process_after_the_interval(settings, make_tenant):
    tenant = make_tenant()
    now = [100.0]
    cache = SettingsCache(1000, clock=lambda: now[0])

    async def scenario(db):
        first = await cache.tenant(db, tenant.tenant_id)
        storage.transaction(
            settings.db_path,
            lambda conn: admin.update_tenant(conn, tenant.tenant_id, utm_transfer=False),
        )
        now[0] += 0.5
        within = await cache.tenant(db, tenant.tenant_id)
        now[0] += 0.6
        after = await cache.tenant(db, tenant.tenant_id)
        return first, within, after, db.reads

    first, within, after, reads = run(settings, make_tenant, scenario)
    assert first.utm_transfer and within.utm_transfer  # kept for the interval
    assert not after.utm_transfer  # then read again
    assert reads == 2


def test_forms_unknown_ids_and_forget(settings, make_tenant):
    tenant = make_tenant()
    cache = SettingsCache(60_000)

    async def scenario(db):
        found = [await cache.tenant_and_form(db, tenant.tenant_id, tenant.form_id) for _ in "ab"]
        missing = [await cache.tenant_and_form(db, tenant.tenant_id, "frm_nope") for _ in "ab"]
        unknown = [await cache.tenant(db, "nobody") for _ in "ab"]
        reads = db.reads
        cache.forget(tenant.tenant_id)
        await cache.tenant_and_form(db, tenant.tenant_id, tenant.form_id)
        return found, missing, unknown, reads, db.reads

    found, missing, unknown, reads, after_forget = run(settings, make_tenant, scenario)
    assert found[0] == found[1] and found[0][1].form_id == tenant.form_id
    assert missing == [(found[0][0], None)] * 2
    assert unknown == [None, None]
    assert reads == 3  # one per key
    assert after_forget == 4


def test_the_cache_is_bounded(settings, make_tenant):
    make_tenant()
    cache = SettingsCache(60_000)

    async def scenario(db):
        for i in range(MAX_ENTRIES + 50):
            await cache.tenant(db, f"random-{i}")
        return len(cache._entries)

    assert run(settings, make_tenant, scenario) == MAX_ENTRIES


def test_zero_reads_every_time(settings, make_tenant):
    tenant = make_tenant()
    cache = SettingsCache(0)

    async def scenario(db):
        for _ in range(3):
            await cache.tenant(db, tenant.tenant_id)
        return db.reads

    assert run(settings, make_tenant, scenario) == 3


def test_requests_arriving_together_share_one_read(settings, make_tenant):
    tenant = make_tenant()
    cache = SettingsCache(60_000)

    async def scenario(db):
        found = await asyncio.gather(*(cache.tenant(db, tenant.tenant_id) for _ in range(20)))
        return found, db.reads

    found, reads = run(settings, make_tenant, scenario)
    assert reads == 1
    assert {f.tenant_id for f in found} == {tenant.tenant_id}
