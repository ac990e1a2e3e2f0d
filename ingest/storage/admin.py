"""Administrative writes: tenants and forms. Plain functions of a ``sqlite3`` connection,
run inside one transaction by the CLI (``cli.in_transaction``) or as writer jobs."""

from __future__ import annotations

import json
import re
from typing import Any

from ingest.clock import utcnow
from ingest.domain import form_fields
from ingest.domain.validation import strip_controls
from ingest.edge.tracker import script_options
from ingest.storage import Connection, IntegrityError, api_keys, lead_setup, stages
from ingest.storage.reads import (
    FORM_SQL,
    ORIGINS_SQL,
    TENANT_SQL,
    Form,
    StoreError,
    Tenant,
    form_from_row,
    list_forms,
    new_id,
    tenant_from_rows,
)

TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
MAX_RETENTION_DAYS = 36500


def get_tenant(conn: Connection, tenant_id: str) -> Tenant:
    row = conn.execute(TENANT_SQL, (tenant_id,)).fetchone()
    if row is None:
        raise StoreError(f"no tenant {tenant_id!r}")
    return tenant_from_rows(row, conn.execute(ORIGINS_SQL, (tenant_id,)).fetchall())


def get_form(conn: Connection, tenant_id: str, form_id: str) -> Form:
    row = conn.execute(FORM_SQL, (tenant_id, form_id)).fetchone()
    if row is None:
        raise StoreError(f"no form {form_id!r} for tenant {tenant_id!r}")
    return form_from_row(tenant_id, row)


def first_form(conn: Connection, tenant_id: str) -> Form | None:
    """The tenant's oldest form, if it has one."""
    forms = list_forms(conn, tenant_id)
    return forms[0] if forms else None


def create_tenant(
    conn: Connection,
    tenant_id: str,
    origins: list[str],
    utm_transfer: bool,
    keep_params: list[str] | None = None,
    options: list[str] | tuple[str, ...] = (),
    retention_days: int | None = None,
) -> str:
    """Create a tenant and return its first API key, named "default" (shown once; only its
    hash is stored).
    ``options`` are the optional parts of utm.js its sites get (``tracker.SCRIPT_OPTIONS``);
    ``retention_days`` how long its page views and sessions are kept (None: forever)."""
    options = script_options(options)
    if not TENANT_ID.match(tenant_id):
        raise StoreError(
            "tenant id must be 1-63 characters of a-z, 0-9, '-' and '_', starting with a "
            "letter or digit"
        )
    try:
        conn.execute(
            "INSERT INTO tenants (tenant_id, api_key_hash, utm_transfer, keep_params,"
            " script_options, retention_days, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                tenant_id,
                "unused:" + tenant_id,  # read no more (migration 0012): the keys are api_keys
                int(utm_transfer),
                json.dumps(sorted(set(keep_params or []))),
                ",".join(options),
                _retention(retention_days),
                utcnow(),
            ),
        )
    except IntegrityError:
        raise StoreError(f"tenant {tenant_id!r} already exists") from None
    _set_origins(conn, tenant_id, origins)
    stages.insert_default_stages(conn, tenant_id, utcnow())
    lead_setup.create_defaults(conn, tenant_id)
    return api_keys.create_key(conn, tenant_id, api_keys.DEFAULT)[1]


def update_tenant(
    conn: Connection,
    tenant_id: str,
    *,
    origins: list[str] | None = None,
    utm_transfer: bool | None = None,
    options: list[str] | tuple[str, ...] | None = None,
    rotate_key: bool = False,
    keep_params: list[str] | None = None,
    retention_days: int | None = None,
) -> tuple[Tenant, str | None]:
    """Change a tenant's settings. Returns the tenant as it now is, and the new API key
    when ``rotate_key`` (every active key revoked, a new "default" made: ``api_keys``).
    ``retention_days`` 0 keeps page views and sessions forever."""
    get_tenant(conn, tenant_id)
    if retention_days is not None:
        conn.execute(
            "UPDATE tenants SET retention_days = ? WHERE tenant_id = ?",
            (_retention(retention_days), tenant_id),
        )
    if utm_transfer is not None:
        conn.execute(
            "UPDATE tenants SET utm_transfer = ? WHERE tenant_id = ?",
            (int(utm_transfer), tenant_id),
        )
    if options is not None:
        conn.execute(
            "UPDATE tenants SET script_options = ? WHERE tenant_id = ?",
            (",".join(script_options(options)), tenant_id),
        )
    if keep_params is not None:
        conn.execute(
            "UPDATE tenants SET keep_params = ? WHERE tenant_id = ?",
            (json.dumps(sorted(set(keep_params))), tenant_id),
        )
    if origins is not None:
        conn.execute("DELETE FROM tenant_origins WHERE tenant_id = ?", (tenant_id,))
        _set_origins(conn, tenant_id, origins)
    api_key = api_keys.rotate_keys(conn, tenant_id) if rotate_key else None
    return get_tenant(conn, tenant_id), api_key


def _retention(days: int | None) -> int | None:
    """Days to keep page views and sessions as stored: None (or 0) is forever."""
    if days is None or days == 0:
        return None
    if not 1 <= days <= MAX_RETENTION_DAYS:
        raise StoreError(f"retention must be 1-{MAX_RETENTION_DAYS} days, or 0 for forever")
    return days


def _set_origins(conn: Connection, tenant_id: str, origins: list[str]) -> None:
    conn.executemany(
        "INSERT INTO tenant_origins (tenant_id, origin) VALUES (?, ?) ON CONFLICT DO NOTHING",
        [(tenant_id, origin) for origin in origins],
    )


def create_form(
    conn: Connection,
    tenant_id: str,
    *,
    name: str,
    thank_you_url: str | None,
    published: bool,
    custom_fields: list[dict[str, Any]],
    thank_you_message: str | None = None,
) -> Form:
    get_tenant(conn, tenant_id)
    custom_fields = _fields(custom_fields)
    form = Form(
        tenant_id,
        new_id("frm"),
        _form_name(name),
        thank_you_url,
        published,
        custom_fields,
        _message(thank_you_message),
    )
    conn.execute(
        "INSERT INTO forms (tenant_id, form_id, name, thank_you_url, published, custom_fields,"
        " thank_you_message, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            tenant_id,
            form.form_id,
            form.name,
            thank_you_url,
            int(published),
            json.dumps(custom_fields),
            form.thank_you_message,
            utcnow(),
        ),
    )
    return form


FORM_NAME_MAX = 200
THANK_YOU_MESSAGE_MAX = 2000


def _form_name(name: str) -> str:
    name = strip_controls(name).strip()
    if not name or len(name) > FORM_NAME_MAX:
        raise StoreError(f"a form needs a name of 1-{FORM_NAME_MAX} characters")
    return name


def _message(message: str | None) -> str | None:
    if message is None:
        return None
    message = strip_controls(message, multiline=True).strip()
    if len(message) > THANK_YOU_MESSAGE_MAX:
        raise StoreError(f"the thank-you message can be at most {THANK_YOU_MESSAGE_MAX} characters")
    return message or None


def _fields(custom_fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    try:
        return form_fields.definitions(custom_fields)
    except form_fields.FieldError as error:
        raise StoreError(str(error)) from None


def update_form(
    conn: Connection,
    tenant_id: str,
    form_id: str,
    *,
    published: bool | None = None,
    thank_you_url: str | None = None,
    name: str | None = None,
    custom_fields: list[dict[str, Any]] | None = None,
    thank_you_message: str | None = None,
) -> Form:
    """Change a form; ``None`` leaves a setting as it is, ``""`` clears the thank-you address
    or message."""
    get_form(conn, tenant_id, form_id)
    if name is not None:
        conn.execute(
            "UPDATE forms SET name = ? WHERE tenant_id = ? AND form_id = ?",
            (_form_name(name), tenant_id, form_id),
        )
    if custom_fields is not None:
        conn.execute(
            "UPDATE forms SET custom_fields = ? WHERE tenant_id = ? AND form_id = ?",
            (json.dumps(_fields(custom_fields)), tenant_id, form_id),
        )
    if thank_you_message is not None:
        conn.execute(
            "UPDATE forms SET thank_you_message = ? WHERE tenant_id = ? AND form_id = ?",
            (_message(thank_you_message), tenant_id, form_id),
        )
    if published is not None:
        conn.execute(
            "UPDATE forms SET published = ? WHERE tenant_id = ? AND form_id = ?",
            (int(published), tenant_id, form_id),
        )
    if thank_you_url is not None:
        conn.execute(
            "UPDATE forms SET thank_you_url = ? WHERE tenant_id = ? AND form_id = ?",
            (thank_you_url or None, tenant_id, form_id),
        )
    return get_form(conn, tenant_id, form_id)
