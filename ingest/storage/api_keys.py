"""A tenant's API keys (``api_keys``, migration 0012): several, each with a name, made by an
admin on the settings page or by the command line, revoked rather than deleted (the page
lists revoked ones too). A key is ``ls_`` and 32 random characters, shown once; only its
SHA-256 is stored. ``key_owner``, the bearer key's lookup, is the one statement here not
scoped by tenant: it is how the API finds the tenant."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from ingest.clock import utcnow
from ingest.domain.validation import strip_controls
from ingest.storage import Connection
from ingest.storage.reads import StoreError, new_id

DEFAULT = "default"  # the name of the key a new tenant gets, and of a rotated one
NAME_MAX = 100
MAX_ACTIVE = 20  # active keys per tenant
KEY_ID_MAX = 64


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    name: str
    created_at: str
    created_by: str | None  # the user's id; None: the command line
    created_by_email: str | None  # None: the command line, or an account no longer here
    revoked_at: str | None
    last_used_at: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_name(value: str) -> str:
    """A key's name as typed, trimmed; ``StoreError`` says what is wrong with it."""
    name = strip_controls(value).strip()
    if not name or len(name) > NAME_MAX:
        raise StoreError(f"A key needs a name of 1-{NAME_MAX} characters.")
    return name


def create_key(
    conn: Connection, tenant_id: str, name: str, created_by: str | None = None
) -> tuple[str, str]:
    """A new active key for the tenant: ``(key id, the key)``; the key is not stored."""
    name = key_name(name)
    (active,) = conn.execute(
        "SELECT count(*) FROM api_keys WHERE tenant_id = ? AND revoked_at IS NULL", (tenant_id,)
    ).fetchone()
    if active >= MAX_ACTIVE:
        raise StoreError(f"An account has at most {MAX_ACTIVE} active keys; revoke one first.")
    key_id, key = new_id("key"), "ls_" + secrets.token_urlsafe(24)
    conn.execute(
        "INSERT INTO api_keys (tenant_id, key_id, name, key_hash, created_at, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (tenant_id, key_id, name, hash_api_key(key), utcnow(), created_by),
    )
    return key_id, key


def revoke_key(conn: Connection, tenant_id: str, key_id: str) -> bool:
    """Revoke the tenant's key (a revoked one stays as it was); False: no such key here."""
    if not key_exists(conn, tenant_id, key_id):
        return False
    conn.execute(
        "UPDATE api_keys SET revoked_at = ? WHERE tenant_id = ? AND key_id = ?"
        " AND revoked_at IS NULL",
        (utcnow(), tenant_id, key_id),
    )
    return True


def rotate_keys(conn: Connection, tenant_id: str) -> str:
    """``tenant update --rotate-key``: every active key of the tenant revoked, and a new one
    named "default" made and returned, so afterwards only the printed key works."""
    conn.execute(
        "UPDATE api_keys SET revoked_at = ? WHERE tenant_id = ? AND revoked_at IS NULL",
        (utcnow(), tenant_id),
    )
    return create_key(conn, tenant_id, DEFAULT)[1]


def key_exists(conn: Connection, tenant_id: str, key_id: str) -> bool:
    if len(key_id) > KEY_ID_MAX:
        return False
    found = conn.execute(
        "SELECT 1 FROM api_keys WHERE tenant_id = ? AND key_id = ?", (tenant_id, key_id)
    ).fetchone()
    return found is not None


def list_keys(conn: Connection, tenant_id: str) -> list[ApiKey]:
    """The tenant's keys, active ones first, newest first."""
    rows = conn.execute(
        "SELECT k.key_id, k.name, k.created_at, k.created_by, u.email, k.revoked_at,"
        " k.last_used_at FROM api_keys k LEFT JOIN users u ON u.user_id = k.created_by"
        " WHERE k.tenant_id = ?"
        " ORDER BY CASE WHEN k.revoked_at IS NULL THEN 0 ELSE 1 END, k.created_at DESC, k.key_id",
        (tenant_id,),
    ).fetchall()
    return [ApiKey(*row) for row in rows]


def key_owner(conn: Connection, key: str) -> tuple[str, str, bool] | None:
    """``(tenant id, key id, revoked)`` of a bearer key, or None when no tenant has it."""
    row = conn.execute(
        "SELECT tenant_id, key_id, revoked_at FROM api_keys WHERE key_hash = ?",
        (hash_api_key(key),),
    ).fetchone()
    return None if row is None else (row[0], row[1], row[2] is not None)


def note_uses(conn: Connection, used: Mapping[tuple[str, str], str]) -> None:
    """A writer job: ``{(tenant id, key id): last used at}`` from one process's flush; a
    later time already stored (another process's) stays."""
    for (tenant_id, key_id), at in sorted(used.items()):  # one order: no deadlock
        conn.execute(
            "UPDATE api_keys SET last_used_at = ? WHERE tenant_id = ? AND key_id = ?"
            " AND (last_used_at IS NULL OR last_used_at < ?)",
            (at, tenant_id, key_id, at),
        )
