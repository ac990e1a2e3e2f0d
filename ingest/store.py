"""Tenants, forms and the person read model. All SQL of those lives here, parameterised,
and every statement is scoped by ``tenant_id``."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import aiosqlite

from .db import utcnow

TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


class StoreError(Exception):
    """A request the store refuses, with a message fit for the person who made it."""


def new_id(prefix: str) -> str:
    # Time first, so ids sort by creation; 40 random bits make collisions within a
    # millisecond negligible.
    return f"{prefix}_{int(time.time() * 1000):011x}{secrets.token_hex(5)}"


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class Tenant:
    tenant_id: str
    utm_transfer: bool
    origins: tuple[str, ...] = ()


@dataclass(frozen=True)
class Form:
    tenant_id: str
    form_id: str
    name: str
    thank_you_url: str | None
    published: bool
    custom_fields: list[dict[str, Any]] = field(default_factory=list)


# -- tenants ---------------------------------------------------------------------------


async def create_tenant(
    conn: aiosqlite.Connection, tenant_id: str, origins: list[str], utm_transfer: bool
) -> str:
    """Create a tenant and return its API key (shown once; only its hash is stored)."""
    if not TENANT_ID.match(tenant_id):
        raise StoreError(
            "tenant id must be 1-63 characters of a-z, 0-9, '-' and '_', starting with a "
            "letter or digit"
        )
    if await get_tenant(conn, tenant_id) is not None:
        raise StoreError(f"tenant {tenant_id!r} already exists")
    api_key = "ls_" + secrets.token_urlsafe(24)
    await conn.execute(
        "INSERT INTO tenants (tenant_id, api_key_hash, utm_transfer, created_at)"
        " VALUES (?, ?, ?, ?)",
        (tenant_id, hash_api_key(api_key), int(utm_transfer), utcnow()),
    )
    await _set_origins(conn, tenant_id, origins)
    return api_key


async def update_tenant(
    conn: aiosqlite.Connection,
    tenant_id: str,
    *,
    origins: list[str] | None = None,
    utm_transfer: bool | None = None,
    rotate_key: bool = False,
) -> str | None:
    """Change a tenant's settings; returns the new API key when ``rotate_key``."""
    if await get_tenant(conn, tenant_id) is None:
        raise StoreError(f"no tenant {tenant_id!r}")
    if utm_transfer is not None:
        await conn.execute(
            "UPDATE tenants SET utm_transfer = ? WHERE tenant_id = ?",
            (int(utm_transfer), tenant_id),
        )
    if origins is not None:
        await conn.execute("DELETE FROM tenant_origins WHERE tenant_id = ?", (tenant_id,))
        await _set_origins(conn, tenant_id, origins)
    if not rotate_key:
        return None
    api_key = "ls_" + secrets.token_urlsafe(24)
    await conn.execute(
        "UPDATE tenants SET api_key_hash = ? WHERE tenant_id = ?",
        (hash_api_key(api_key), tenant_id),
    )
    return api_key


async def _set_origins(conn: aiosqlite.Connection, tenant_id: str, origins: list[str]) -> None:
    await conn.executemany(
        "INSERT OR IGNORE INTO tenant_origins (tenant_id, origin) VALUES (?, ?)",
        [(tenant_id, origin) for origin in origins],
    )


async def get_tenant(conn: aiosqlite.Connection, tenant_id: str) -> Tenant | None:
    async with conn.execute(
        "SELECT tenant_id, utm_transfer FROM tenants WHERE tenant_id = ?", (tenant_id,)
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    async with conn.execute(
        "SELECT origin FROM tenant_origins WHERE tenant_id = ? ORDER BY origin", (tenant_id,)
    ) as cur:
        origins = tuple(r["origin"] for r in await cur.fetchall())
    return Tenant(row["tenant_id"], bool(row["utm_transfer"]), origins)


async def tenant_for_api_key(conn: aiosqlite.Connection, api_key: str) -> str | None:
    async with conn.execute(
        "SELECT tenant_id FROM tenants WHERE api_key_hash = ?", (hash_api_key(api_key),)
    ) as cur:
        row = await cur.fetchone()
    return None if row is None else row["tenant_id"]


# -- forms -----------------------------------------------------------------------------


async def create_form(
    conn: aiosqlite.Connection,
    tenant_id: str,
    *,
    name: str,
    thank_you_url: str | None,
    published: bool,
    custom_fields: list[dict[str, Any]],
) -> Form:
    if await get_tenant(conn, tenant_id) is None:
        raise StoreError(f"no tenant {tenant_id!r}")
    form = Form(tenant_id, new_id("frm"), name, thank_you_url, published, custom_fields)
    await conn.execute(
        "INSERT INTO forms (tenant_id, form_id, name, thank_you_url, published, custom_fields,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            tenant_id,
            form.form_id,
            name,
            thank_you_url,
            int(published),
            json.dumps(custom_fields),
            utcnow(),
        ),
    )
    return form


async def update_form(
    conn: aiosqlite.Connection,
    tenant_id: str,
    form_id: str,
    *,
    published: bool | None = None,
    thank_you_url: str | None = None,
) -> Form:
    form = await get_form(conn, tenant_id, form_id)
    if form is None:
        raise StoreError(f"no form {form_id!r} for tenant {tenant_id!r}")
    if published is not None:
        await conn.execute(
            "UPDATE forms SET published = ? WHERE tenant_id = ? AND form_id = ?",
            (int(published), tenant_id, form_id),
        )
    if thank_you_url is not None:
        await conn.execute(
            "UPDATE forms SET thank_you_url = ? WHERE tenant_id = ? AND form_id = ?",
            (thank_you_url or None, tenant_id, form_id),
        )
    updated = await get_form(conn, tenant_id, form_id)
    assert updated is not None
    return updated


async def get_form(conn: aiosqlite.Connection, tenant_id: str, form_id: str) -> Form | None:
    async with conn.execute(
        "SELECT form_id, name, thank_you_url, published, custom_fields FROM forms"
        " WHERE tenant_id = ? AND form_id = ?",
        (tenant_id, form_id),
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    return Form(
        tenant_id,
        row["form_id"],
        row["name"],
        row["thank_you_url"],
        bool(row["published"]),
        json.loads(row["custom_fields"]),
    )


# -- persons (read model) --------------------------------------------------------------

_TOUCH_KEYS = (
    "source",
    "medium",
    "campaign",
    "term",
    "content",
    "utm_id",
    "landing_page",
    "referrer",
    "at",
)
_TOUCH_COLUMNS = ", ".join((*_TOUCH_KEYS, "click_ids"))


async def find_persons(
    conn: aiosqlite.Connection, tenant_id: str, *, email: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    if email is not None:
        sql = (
            "SELECT * FROM persons WHERE tenant_id = ? AND email = ?"
            " ORDER BY created_at DESC, person_id DESC LIMIT ?"
        )
        params: tuple[Any, ...] = (tenant_id, email.strip().lower(), limit)
    else:
        sql = (
            "SELECT * FROM persons WHERE tenant_id = ?"
            " ORDER BY created_at DESC, person_id DESC LIMIT ?"
        )
        params = (tenant_id, limit)
    async with conn.execute(sql, params) as cur:
        rows = await cur.fetchall()
    return [await _person(conn, tenant_id, row) for row in rows]


async def get_person(
    conn: aiosqlite.Connection, tenant_id: str, person_id: str
) -> dict[str, Any] | None:
    async with conn.execute(
        "SELECT * FROM persons WHERE tenant_id = ? AND person_id = ?", (tenant_id, person_id)
    ) as cur:
        row = await cur.fetchone()
    return None if row is None else await _person(conn, tenant_id, row)


async def _person(conn: aiosqlite.Connection, tenant_id: str, row: aiosqlite.Row) -> dict[str, Any]:
    company = None
    if row["company_id"]:
        async with conn.execute(
            "SELECT company_id, name, source_touch_id FROM companies"
            " WHERE tenant_id = ? AND company_id = ?",
            (tenant_id, row["company_id"]),
        ) as cur:
            c = await cur.fetchone()
        if c is not None:
            company = {
                "id": c["company_id"],
                "name": c["name"],
                "source": await get_touch(conn, tenant_id, c["source_touch_id"]),
            }
    async with conn.execute(
        "SELECT submission_id, form_id, submitted_at, conversion_touch_id FROM submissions"
        " WHERE tenant_id = ? AND person_id = ? ORDER BY submitted_at, submission_id",
        (tenant_id, row["person_id"]),
    ) as cur:
        subs = await cur.fetchall()
    return {
        "id": row["person_id"],
        "email": row["email"],
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "created_at": row["created_at"],
        "first_touch": await get_touch(conn, tenant_id, row["first_touch_id"]),
        "lead_creation": await get_touch(conn, tenant_id, row["lead_creation_touch_id"]),
        "company": company,
        "submissions": [
            {
                "id": s["submission_id"],
                "form_id": s["form_id"],
                "submitted_at": s["submitted_at"],
                "conversion": await get_touch(conn, tenant_id, s["conversion_touch_id"]),
            }
            for s in subs
        ],
    }


async def get_touch(
    conn: aiosqlite.Connection, tenant_id: str, touch_id: str | None
) -> dict[str, Any] | None:
    if touch_id is None:
        return None
    async with conn.execute(
        f"SELECT {_TOUCH_COLUMNS} FROM touches WHERE tenant_id = ? AND touch_id = ?",
        (tenant_id, touch_id),
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    touch = {key: row[key] for key in _TOUCH_KEYS}
    touch["click_ids"] = json.loads(row["click_ids"]) if row["click_ids"] else {}
    return touch
