"""Every setting of the service in one place, read from ``LEADSOURCE_*`` env vars.

Each setting has a help string; ``tests/test_config.py`` checks that the README documents
every one of them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    pass


def _int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {value!r}") from None


@dataclass(frozen=True)
class Settings:
    db_path: str = field(
        default="leadsource.db",
        metadata={"env": "LEADSOURCE_DB", "help": "Path of the SQLite database file."},
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

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f.metadata["env"])
            if raw is None or raw == "":
                continue
            values[f.name] = _int(raw, f.metadata["env"]) if f.type == "int" else raw
        settings = cls(**values)
        clean = {k: v for k, v in overrides.items() if v is not None}
        return replace(settings, **clean) if clean else settings

    @property
    def public_base(self) -> str:
        return self.base_url.rstrip("/")


def documented_settings() -> list[tuple[str, str, object]]:
    """(env var, help, default) for every setting, for docs and their test."""
    return [(f.metadata["env"], f.metadata["help"], f.default) for f in fields(Settings)]
