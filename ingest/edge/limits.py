"""Rate limits of the public endpoints, per client address and per tenant, in fixed windows.

Counting happens in each process's memory; every ``LEADSOURCE_RATE_FLUSH_MS`` a background
task adds the local counts to the shared counters (a ``rate_counters`` upsert run as one writer
job, so it joins a group commit instead of adding a transaction per request; or Redis when
``LEADSOURCE_REDIS_URL`` is set) and reads back the totals, which include the other
processes' counts. A request is refused when the last known total plus what this process
counted since exceeds the limit. One process is therefore exact; several can together pass
a limit by what the others counted within one flush interval.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from starlette.requests import Request

from ingest.config import Settings
from ingest.edge.flushing import Flushing
from ingest.errors import AppError
from ingest.storage import Database, rate_counters

log = logging.getLogger("leadsource.limits")

# (tenant_id, scope, subject, window_start); subject "*" is the tenant as a whole.
Key = rate_counters.Key
TENANT = "*"
SCOPES = ("submit", "form", "collect", "script", "login")
# The tenant slot of the app's sign-in counters: a user signs in before any tenant is chosen,
# and no tenant id can start with "(".
APP = "(app)"
# (subject, limit, whose): whose fills the refusal's "Too many requests ..." sentence.
Subject = tuple[str, int, str]


class RateLimited(AppError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class LimitStats:
    """Refusals since start, by scope; for the metrics endpoint."""

    refused: dict[str, int]
    flush_failures: int = 0


@functools.lru_cache(maxsize=4096)
def client_subject(address: str) -> str:
    # Counters are shared storage: they hold a hash, never the address. (Kept for the
    # addresses seen lately: the same clients come back.)
    return hashlib.sha256(address.encode()).hexdigest()[:24]


class Counters(Protocol):
    async def add(self, deltas: dict[Key, int], window: int) -> dict[Key, int]:
        """Add the deltas (0 only reads) and return each key's total over all processes."""
        ...

    async def close(self) -> None: ...


class DatabaseCounters:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def add(self, deltas: dict[Key, int], window: int) -> dict[Key, int]:
        oldest = min(key[3] for key in deltas)
        expired_before = oldest - window
        return await self.database.write(
            lambda conn: rate_counters.add_counts(conn, deltas, expired_before)
        )

    async def close(self) -> None:
        pass


class RedisCounters:
    """The same counters in Redis: INCRBY per key, expiring two windows after they start."""

    def __init__(self, url: str, prefix: str = "leadsource:rate") -> None:
        import redis.asyncio  # only when configured

        self.redis = redis.asyncio.Redis.from_url(url)
        self.prefix = prefix

    def name(self, key: Key) -> str:
        return ":".join((self.prefix, *map(str, key)))

    async def add(self, deltas: dict[Key, int], window: int) -> dict[Key, int]:
        keys = list(deltas)
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.incrby(self.name(key), deltas[key])
                pipe.expire(self.name(key), 2 * window)
            results = await pipe.execute()
        return {key: int(results[2 * i]) for i, key in enumerate(keys)}

    async def close(self) -> None:
        await self.redis.aclose()


class Limiter(Flushing):
    task_name = "leadsource-limits"

    def __init__(
        self,
        settings: Settings,
        counters: Counters,
        *,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.window = max(1, settings.rate_window)
        self.flush_seconds = max(0.01, settings.rate_flush_ms / 1000)
        self.limits = {
            "submit": (settings.limit_submit_per_client, settings.limit_submit_per_tenant),
            "form": (settings.limit_form_per_client, settings.limit_form_per_tenant),
            "collect": (settings.limit_collect_per_client, settings.limit_collect_per_tenant),
            "script": (settings.limit_script_per_client, settings.limit_script_per_tenant),
            "login": (settings.limit_login_per_client, settings.limit_login_per_account),
        }
        self.counters = counters
        self.now = now
        self.shared: dict[Key, int] = {}  # totals as of the last flush
        self.inflight: dict[Key, int] = {}  # counted here, being flushed
        self.local: dict[Key, int] = {}  # counted here since
        self.stats = LimitStats(refused=dict.fromkeys(SCOPES, 0))

    def count(self, key: Key) -> int:
        return self.shared.get(key, 0) + self.inflight.get(key, 0) + self.local.get(key, 0)

    def hit(self, scope: str, tenant_id: str, client: str) -> None:
        """Count one request, or raise ``RateLimited`` (and count nothing) when the client or
        the tenant is at its limit in the current window."""
        per_client, per_tenant = self.limits[scope]
        keys = self.check(
            scope,
            tenant_id,
            (
                (client_subject(client), per_client, "from your address"),
                (TENANT, per_tenant, "for this website"),
            ),
        )
        self.add(keys)

    def check(self, scope: str, tenant_id: str, subjects: tuple[Subject, ...]) -> list[Key]:
        """Raise ``RateLimited`` when any subject is at its limit in the current window;
        otherwise return the keys to ``add`` to (limits of 0 are off: no key)."""
        now = self.now()
        start = int(now // self.window * self.window)
        keys = []
        for subject, limit, whose in subjects:
            if limit <= 0:
                continue
            key = (tenant_id, scope, subject, start)
            if self.count(key) >= limit:
                self.stats.refused[scope] += 1
                retry_after = max(1, math.ceil(start + self.window - now))
                raise RateLimited(
                    f"Too many requests {whose} right now. Please try again in "
                    f"{retry_after} seconds.",
                    retry_after,
                )
            keys.append(key)
        return keys

    def add(self, keys: list[Key]) -> None:
        for key in keys:
            self.local[key] = self.local.get(key, 0) + 1

    async def flush(self) -> None:
        """Add what this process counted to the shared counters; learn the others' counts."""
        current = int(self.now() // self.window * self.window)
        self.inflight, self.local = self.local, {}
        keys = {k: 0 for k in self.shared if k[3] >= current}
        keys.update(self.inflight)
        if not keys:
            return
        try:
            totals = await self.counters.add(keys, self.window)
        except Exception:
            # Nothing counted is lost: it is flushed with the next round.
            self.stats.flush_failures += 1
            log.warning("rate-limit counters could not be flushed", exc_info=True)
            for key, hits in self.inflight.items():
                self.local[key] = self.local.get(key, 0) + hits
            self.inflight = {}
            return
        self.shared = {k: v for k, v in totals.items() if k[3] >= current}
        self.inflight = {}

    async def close(self) -> None:
        await self.stop()  # its last counts go through the counters first
        await self.counters.close()


def create_limiter(settings: Settings, database: Database) -> Limiter:
    counters: Counters = (
        RedisCounters(settings.redis_url) if settings.redis_url else DatabaseCounters(database)
    )
    return Limiter(settings, counters)


def enforce(request: Request, scope: str, tenant_id: str) -> None:
    """Count this request against its limits. The client is the address uvicorn saw, which
    is the X-Forwarded-For entry only when the peer is a trusted proxy."""
    client = request.client.host if request.client else "unknown"
    request.state.limiter.hit(scope, tenant_id, client)


def login_keys(request: Request, email: str) -> list[Key]:
    """Refuse a sign-in (``RateLimited``) when this client or this email has failed too often
    in the window; otherwise return the keys a failure is counted under (``Limiter.add``).
    Only failures count, so a user who signs in often is never refused."""
    limiter: Limiter = request.state.limiter
    client = request.client.host if request.client else "unknown"
    per_client, per_account = limiter.limits["login"]
    return limiter.check(
        "login",
        APP,
        (
            (client_subject(client), per_client, "from your address"),
            ("account:" + client_subject(email), per_account, "for this account"),
        ),
    )
