"""Every setting of the service in one place, read from ``LEADSOURCE_*`` env vars.

Each setting has a help string; ``tests/test_config.py`` checks that the README documents
every one of them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    pass


def _int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {value!r}") from None


def _bool(value: str, name: str) -> bool:
    if value.lower() in ("1", "on", "true", "yes"):
        return True
    if value.lower() in ("0", "off", "false", "no"):
        return False
    raise ConfigError(f"{name} must be on or off, got {value!r}")


def _list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _limit(env: str, default: int, what: str) -> Any:
    return field(
        default=default,
        metadata={
            "env": env,
            "help": f"Most {what} per `LEADSOURCE_RATE_WINDOW` seconds; 0: no limit.",
        },
    )


@dataclass(frozen=True)
class Settings:
    db_path: str = field(
        default="leadsource.db",
        metadata={
            "env": "LEADSOURCE_DB",
            "help": "The database: a SQLite file's path, or a postgresql://user@host/name URL.",
        },
    )
    base_url: str = field(
        default="http://127.0.0.1:8000",
        metadata={
            "env": "LEADSOURCE_BASE_URL",
            "help": "Public URL of the ingest service, used in script tags, embed snippets "
            "and hosted form links.",
        },
    )
    max_body_bytes: int = field(
        default=64 * 1024,
        metadata={
            "env": "LEADSOURCE_MAX_BODY_BYTES",
            "help": "Largest accepted form submission body; larger bodies get 413.",
        },
    )
    db_pool_size: int = field(
        default=8,
        metadata={
            "env": "LEADSOURCE_DB_POOL_SIZE",
            "help": "PostgreSQL: connections per process (each request's transaction takes one).",
        },
    )
    settings_cache_ms: int = field(
        default=1000,
        metadata={
            "env": "LEADSOURCE_SETTINGS_CACHE_MS",
            "help": "How long a process keeps a tenant's settings and forms in memory; "
            "changes reach every process within this time (0: read them on every request).",
        },
    )
    writer_max_batch: int = field(
        default=256,
        metadata={
            "env": "LEADSOURCE_WRITER_MAX_BATCH",
            "help": "Most submissions the writer commits in one transaction (group commit).",
        },
    )
    script_max_age: int = field(
        default=300,
        metadata={
            "env": "LEADSOURCE_SCRIPT_MAX_AGE",
            "help": "Seconds browsers may cache utm.js before revalidating (it carries an "
            "ETag): how long a change of the tenant's script options, such as turning "
            "consent mode on, takes to reach every visitor.",
        },
    )
    tracker_dir: str = field(
        default=str(REPO_ROOT / "tracker" / "dist"),
        metadata={
            "env": "LEADSOURCE_TRACKER_DIR",
            "help": "Directory of the built scripts served as utm.js and utm-debug.js.",
        },
    )

    allowed_hosts: tuple[str, ...] = field(
        default=(),
        metadata={
            "env": "LEADSOURCE_ALLOWED_HOSTS",
            "help": "Comma-separated host names the service answers to (`*.example.com` "
            "matches subdomains); other `Host` headers get 400. Empty: the base URL's host.",
        },
    )
    trusted_proxies: tuple[str, ...] = field(
        default=(),
        metadata={
            "env": "LEADSOURCE_TRUSTED_PROXIES",
            "help": "Comma-separated addresses or networks of reverse proxies whose "
            "`X-Forwarded-For` and `X-Forwarded-Proto` are believed. Empty: none, not even "
            "loopback.",
        },
    )
    access_log: bool = field(
        default=False,
        metadata={
            "env": "LEADSOURCE_ACCESS_LOG",
            "help": "on: a JSON log line per request (method, path without query, status, "
            "duration). Off by default: /metrics counts requests by route, and a submission's "
            "path stays free of logging.",
        },
    )
    log_client_addresses: bool = field(
        default=False,
        metadata={
            "env": "LEADSOURCE_LOG_CLIENT_ADDRESSES",
            "help": "on: access log lines include the client's address (off by default).",
        },
    )
    redis_url: str = field(
        default="",
        metadata={
            "env": "LEADSOURCE_REDIS_URL",
            "help": "Redis URL (`redis://host:6379/0`) for the rate-limit counters; empty: "
            "they live in the database.",
        },
    )
    rate_window: int = field(
        default=60,
        metadata={
            "env": "LEADSOURCE_RATE_WINDOW",
            "help": "Length in seconds of the fixed window every rate limit counts in.",
        },
    )
    rate_flush_ms: int = field(
        default=500,
        metadata={
            "env": "LEADSOURCE_RATE_FLUSH_MS",
            "help": "How often each process adds its local counts to the shared counters "
            "and reads the other processes' (milliseconds).",
        },
    )
    limit_submit_per_client: int = _limit(
        "LEADSOURCE_LIMIT_SUBMIT_PER_CLIENT", 20, "form submissions from one client address"
    )
    limit_submit_per_tenant: int = _limit(
        "LEADSOURCE_LIMIT_SUBMIT_PER_TENANT", 1200, "form submissions to one tenant"
    )
    limit_form_per_client: int = _limit(
        "LEADSOURCE_LIMIT_FORM_PER_CLIENT", 120, "hosted form pages for one client address"
    )
    limit_form_per_tenant: int = _limit(
        "LEADSOURCE_LIMIT_FORM_PER_TENANT", 6000, "hosted form pages of one tenant"
    )
    limit_collect_per_client: int = _limit(
        "LEADSOURCE_LIMIT_COLLECT_PER_CLIENT", 300, "page-view beacons from one client address"
    )
    limit_collect_per_tenant: int = _limit(
        "LEADSOURCE_LIMIT_COLLECT_PER_TENANT", 30000, "page-view beacons to one tenant"
    )
    limit_script_per_client: int = _limit(
        "LEADSOURCE_LIMIT_SCRIPT_PER_CLIENT",
        600,
        "`utm.js` and `utm-debug.js` requests from one client address",
    )
    limit_script_per_tenant: int = _limit(
        "LEADSOURCE_LIMIT_SCRIPT_PER_TENANT",
        120000,
        "`utm.js` and `utm-debug.js` requests for one tenant",
    )
    limit_login_per_client: int = _limit(
        "LEADSOURCE_LIMIT_LOGIN_PER_CLIENT",
        20,
        "failed sign-ins to the app from one client address",
    )
    limit_login_per_account: int = _limit(
        "LEADSOURCE_LIMIT_LOGIN_PER_ACCOUNT", 5, "failed sign-ins to the app for one email"
    )
    sessions_per_visitor_per_day: int = field(
        default=50,
        metadata={
            "env": "LEADSOURCE_SESSIONS_PER_VISITOR_PER_DAY",
            "help": "Most sessions one visitor id can start in 24 hours; later page views "
            "that would start another are not stored.",
        },
    )
    metrics_token: str = field(
        default="",
        repr=False,  # a secret: not in logs or tracebacks that print the settings
        metadata={
            "env": "LEADSOURCE_METRICS_TOKEN",
            "help": "Token Prometheus sends as `Authorization: Bearer <token>` to read "
            "`/metrics`; empty: `/metrics` answers 404.",
        },
    )

    secret_key: str = field(
        default="",
        repr=False,
        metadata={
            "env": "LEADSOURCE_SECRET_KEY",
            "help": "Key (at least 32 characters) that signs the app's session cookies; "
            "changing it signs everyone out. Empty: one is generated and kept in the "
            "database, so every process on it agrees.",
        },
    )
    session_max_age: int = field(
        default=12 * 3600,
        metadata={
            "env": "LEADSOURCE_SESSION_MAX_AGE",
            "help": "Seconds an app session lasts from sign-in; then the user signs in again.",
        },
    )

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f.metadata["env"])
            if raw is None or raw == "":
                continue
            name = f.metadata["env"]
            if f.type == "int":
                values[f.name] = _int(raw, name)
            elif f.type == "bool":
                values[f.name] = _bool(raw, name)
            elif f.type == "tuple[str, ...]":
                values[f.name] = _list(raw)
            else:
                values[f.name] = raw
        settings = cls(**values)
        clean = {k: v for k, v in overrides.items() if v is not None}
        return replace(settings, **clean) if clean else settings

    @property
    def public_base(self) -> str:
        return self.base_url.rstrip("/")

    @property
    def public_origin(self) -> str:
        parts = urlsplit(self.public_base)
        return f"{parts.scheme}://{parts.netloc}".lower()

    @property
    def hosts(self) -> tuple[str, ...]:
        """The host names requests may name: the setting, or the base URL's host."""
        return self.allowed_hosts or ((urlsplit(self.public_base).hostname or "").lower(),)


def documented_settings() -> list[tuple[str, str, object]]:
    """(env var, help, default) for every setting, for docs and their test."""
    return [(f.metadata["env"], f.metadata["help"], f.default) for f in fields(Settings)]
