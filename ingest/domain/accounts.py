"""Accounts of the marketer's app: roles, emails, passwords (Argon2id via argon2-cffi), and
the administrative changes the CLI (and later the app's users page) make, as plain functions
of a connection run in one transaction."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ingest.domain.validation import EMAIL_MAX
from ingest.storage import Connection
from ingest.storage import accounts as store
from ingest.storage.reads import StoreError

ADMIN, MARKETER, SALES = "admin", "marketer", "sales"
ROLES = (ADMIN, MARKETER, SALES)
# "owner" is how the issue and many people name the administrator: the same role.
ROLE_ALIASES = {"owner": ADMIN}

PASSWORD_MIN, PASSWORD_MAX = 10, 256
_EMAIL = re.compile(r"^[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+\.[^@\s<>\"(),;:.]{2,}$")

# argon2-cffi's defaults are RFC 9106's low-memory profile (Argon2id, 64 MiB, 3 passes):
# about 0.15 s of one core per hash. Tests swap in a cheaper hasher.
hasher = PasswordHasher()
# Verified when the email is unknown, so a wrong email costs what a wrong password costs and
# the timing does not tell which emails have accounts.
_DUMMY_HASH = hasher.hash(secrets.token_urlsafe(16))


def role(value: str) -> str:
    name = ROLE_ALIASES.get(value.strip().lower(), value.strip().lower())
    if name not in ROLES:
        raise StoreError(f"role must be one of {', '.join(ROLES)} (or owner), not {value!r}")
    return name


def normal_email(value: str) -> str:
    email = value.strip().lower()
    if len(email) > EMAIL_MAX or not _EMAIL.match(email) or not email.isprintable():
        raise StoreError(f"{value!r} is not an email address")
    return email


def check_password(password: str) -> str:
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise StoreError(f"a password has {PASSWORD_MIN}-{PASSWORD_MAX} characters")
    return password


def generate_password() -> str:
    return secrets.token_urlsafe(15)  # 20 characters, 120 random bits


def hash_password(password: str) -> str:
    return hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Slow on purpose (run it in a thread); ``None`` (no such user) is always False."""
    try:
        return hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return hasher.check_needs_rehash(password_hash)


@dataclass(frozen=True)
class Account:
    user_id: str
    email: str
    tenants: dict[str, str]  # tenant id -> role

    def as_json(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "email": self.email,
            "tenants": [{"tenant_id": t, "role": r} for t, r in sorted(self.tenants.items())],
        }


def account(conn: Connection, email: str) -> Account:
    user = store.user_by_email(conn, normal_email(email))
    if user is None:
        raise StoreError(f"no user with the email {email!r}")
    return Account(
        user.user_id,
        user.email,
        {m.tenant_id: m.role for m in store.memberships(conn, user.user_id)},
    )


def create(
    conn: Connection, email: str, tenant_id: str, role_name: str, password: str | None
) -> tuple[Account, str]:
    """A new user, member of one tenant; returns the account and its password (generated
    when none is given)."""
    email, role_name = normal_email(email), role(role_name)
    password = check_password(password) if password is not None else generate_password()
    user = store.create_user(conn, email, hash_password(password))
    store.set_membership(conn, tenant_id, user.user_id, role_name)
    return account(conn, email), password


def update(
    conn: Connection,
    email: str,
    *,
    tenant_id: str | None = None,
    role_name: str | None = None,
    remove: bool = False,
    password: str | None = None,
) -> Account:
    """Add or change the user's role in a tenant (or remove them from it), and/or set a new
    password, which ends every session of theirs."""
    user = store.user_by_email(conn, normal_email(email))
    if user is None:
        raise StoreError(f"no user with the email {email!r}")
    if tenant_id is not None:
        if remove:
            if not store.remove_membership(conn, tenant_id, user.user_id):
                raise StoreError(f"{user.email} is not a member of {tenant_id!r}")
        elif role_name is None:
            raise StoreError("give --role with --tenant (or --remove)")
        else:
            store.set_membership(conn, tenant_id, user.user_id, role(role_name))
    if password is not None:
        store.set_password(conn, user.user_id, hash_password(check_password(password)))
    return account(conn, user.email)


# The users page (ingest/webapp/users.py): an admin's changes to their tenant's members, each a
# writer job. The password hash is made before, outside the writer (Argon2 is slow on purpose).


def invite(
    conn: Connection, tenant_id: str, email: str, role_name: str, new_hash: str
) -> tuple[str, bool]:
    """Add ``email`` to the tenant with a role: a new user with the password behind
    ``new_hash`` if there is no account, else a membership of the existing one. Returns the
    email and whether the user is new."""
    email, role_name = normal_email(email), role(role_name)
    user = store.user_by_email(conn, email)
    if user is not None and store.role_in(conn, tenant_id, user.user_id):
        raise StoreError(f"{email} is a member already")
    created = user is None
    if user is None:
        user = store.create_user(conn, email, new_hash)
    store.set_membership(conn, tenant_id, user.user_id, role_name)
    return email, created


def change_role(conn: Connection, tenant_id: str, user_id: str, role_name: str, by: str) -> str:
    """Returns the member's email. The last admin stays admin; nobody changes their own role."""
    role_name = role(role_name)
    user, current = _member(conn, tenant_id, user_id)
    if user_id == by:
        raise StoreError("You cannot change your own role: ask another admin.")
    if current == ADMIN and role_name != ADMIN and store.admin_count(conn, tenant_id) <= 1:
        raise StoreError("The account needs at least one admin.")
    store.set_membership(conn, tenant_id, user_id, role_name)
    return user.email


def remove_member(conn: Connection, tenant_id: str, user_id: str, by: str) -> str:
    """Returns the removed member's email. Nobody removes themselves or the last admin."""
    user, current = _member(conn, tenant_id, user_id)
    if user_id == by:
        raise StoreError("You cannot remove yourself: ask another admin.")
    if current == ADMIN and store.admin_count(conn, tenant_id) <= 1:
        raise StoreError("The account needs at least one admin.")
    store.remove_membership(conn, tenant_id, user_id)
    return user.email


def _member(conn: Connection, tenant_id: str, user_id: str) -> tuple[store.User, str]:
    user = store.user_by_id(conn, user_id)
    current = store.role_in(conn, tenant_id, user_id) if user else None
    if user is None or current is None:
        raise StoreError("No such member.")
    return user, current
