"""Users of the marketer's app, their memberships of tenants, and the service's generated
secrets: plain functions of a connection, run by ``Database.read``/``write`` or inside an
administrative transaction (the CLI).

``users`` and ``service_secrets`` are the service's own, not a tenant's; ``memberships`` is
keyed by tenant first, and every statement on it names ``tenant_id``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ingest.clock import utcnow
from ingest.storage import Connection, IntegrityError
from ingest.storage.dialect import for_update
from ingest.storage.reads import StoreError, new_id


@dataclass(frozen=True)
class User:
    user_id: str
    email: str
    password_hash: str
    session_version: int


@dataclass(frozen=True)
class Membership:
    tenant_id: str
    role: str


_USER = "SELECT user_id, email, password_hash, session_version FROM users"


def _user(row: Any) -> User | None:
    if row is None:
        return None
    return User(row["user_id"], row["email"], row["password_hash"], row["session_version"])


def user_by_email(conn: Connection, email: str) -> User | None:
    return _user(conn.execute(f"{_USER} WHERE email = ?", (email,)).fetchone())


def user_by_id(conn: Connection, user_id: str) -> User | None:
    return _user(conn.execute(f"{_USER} WHERE user_id = ?", (user_id,)).fetchone())


def memberships(conn: Connection, user_id: str) -> list[Membership]:
    """The user's tenants, in tenant id order (the first is where sign-in leads)."""
    rows = conn.execute(
        "SELECT tenant_id, role FROM memberships WHERE user_id = ? ORDER BY tenant_id",
        (user_id,),
    ).fetchall()
    return [Membership(row["tenant_id"], row["role"]) for row in rows]


def session_user(conn: Connection, user_id: str) -> tuple[User, list[Membership]] | None:
    """What every app request reads: the user (for the session version) and their tenants."""
    user = user_by_id(conn, user_id)
    if user is None:
        return None
    return user, memberships(conn, user_id)


def create_user(conn: Connection, email: str, password_hash: str) -> User:
    now = utcnow()
    user = User(new_id("usr"), email, password_hash, 1)
    try:
        conn.execute(
            "INSERT INTO users (user_id, email, password_hash, session_version,"
            " password_changed_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (user.user_id, email, password_hash, 1, now, now),
        )
    except IntegrityError:
        raise StoreError(f"a user with the email {email!r} exists already") from None
    return user


def set_password(conn: Connection, user_id: str, password_hash: str) -> None:
    """A new password ends every session issued before it."""
    conn.execute(
        "UPDATE users SET password_hash = ?, password_changed_at = ?,"
        " session_version = session_version + 1 WHERE user_id = ?",
        (password_hash, utcnow(), user_id),
    )


def change_password(conn: Connection, user_id: str, old_hash: str, new_hash: str) -> int | None:
    """The user's own change in the app: stored only while the hash is still the one they
    verified (None: it changed meanwhile). Ends every session issued before it; returns the
    new session version, for the session that made the change to keep."""
    cursor = conn.execute(
        "UPDATE users SET password_hash = ?, password_changed_at = ?,"
        " session_version = session_version + 1 WHERE user_id = ? AND password_hash = ?",
        (new_hash, utcnow(), user_id, old_hash),
    )
    if cursor.rowcount == 0:
        return None
    row = conn.execute("SELECT session_version FROM users WHERE user_id = ?", (user_id,))
    return row.fetchone()[0]


def rehash_password(conn: Connection, user_id: str, old_hash: str, new_hash: str) -> None:
    """The same password under stronger hash parameters: sessions stay valid. Only when
    the hash is still the one verified, so a password change meanwhile wins."""
    conn.execute(
        "UPDATE users SET password_hash = ? WHERE user_id = ? AND password_hash = ?",
        (new_hash, user_id, old_hash),
    )


def end_sessions(conn: Connection, user_id: str) -> None:
    conn.execute(
        "UPDATE users SET session_version = session_version + 1 WHERE user_id = ?", (user_id,)
    )


def set_membership(conn: Connection, tenant_id: str, user_id: str, role: str) -> None:
    if conn.execute("SELECT 1 FROM tenants WHERE tenant_id = ?", (tenant_id,)).fetchone() is None:
        raise StoreError(f"no tenant {tenant_id!r}")
    conn.execute(
        "INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (tenant_id, user_id) DO UPDATE SET role = excluded.role",
        (tenant_id, user_id, role, utcnow()),
    )


def remove_membership(conn: Connection, tenant_id: str, user_id: str) -> bool:
    cursor = conn.execute(
        "DELETE FROM memberships WHERE tenant_id = ? AND user_id = ?", (tenant_id, user_id)
    )
    return cursor.rowcount > 0


def members(conn: Connection, tenant_id: str) -> list[tuple[User, str]]:
    """A tenant's users with their role, by email."""
    rows = conn.execute(
        "SELECT u.user_id, u.email, u.password_hash, u.session_version, m.role"
        " FROM memberships m JOIN users u ON u.user_id = m.user_id"
        " WHERE m.tenant_id = ? ORDER BY u.email",
        (tenant_id,),
    ).fetchall()
    return [(_user(row), row["role"]) for row in rows]  # type: ignore[misc]


def service_secret(conn: Connection, name: str, candidate: str) -> str:
    """The secret called ``name``: ``candidate`` when none was stored yet, else the stored
    one. Processes starting together all get the one that was stored first."""
    conn.execute(
        "INSERT INTO service_secrets (name, value, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT (name) DO NOTHING",
        (name, candidate, utcnow()),
    )
    return conn.execute("SELECT value FROM service_secrets WHERE name = ?", (name,)).fetchone()[0]


def role_in(conn: Connection, tenant_id: str, user_id: str) -> str | None:
    row = conn.execute(
        "SELECT role FROM memberships WHERE tenant_id = ? AND user_id = ?", (tenant_id, user_id)
    ).fetchone()
    return row["role"] if row else None


def admin_count(conn: Connection, tenant_id: str) -> int:
    """The tenant's admins, for a job about to demote or remove one. On PostgreSQL their rows
    stay locked until the job commits: two admins demoting each other at once would each
    count two and leave none; the second now waits and counts again. (On SQLite the write
    lock orders the jobs already.)"""
    rows = conn.execute(
        "SELECT user_id FROM memberships WHERE tenant_id = ? AND role = ?" + for_update(conn),
        (tenant_id, "admin"),
    ).fetchall()
    return len(rows)
