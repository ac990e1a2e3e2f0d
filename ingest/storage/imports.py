"""What a contact import needs to know before it writes (``ingest/domain/importing.py``):
which of the file's emails and company names the tenant already has."""

from __future__ import annotations

from collections.abc import Sequence

from ingest.storage import Connection

CHUNK = 500  # values per IN (...): within every engine's limit on parameters


def known_emails(conn: Connection, tenant_id: str, emails: Sequence[str]) -> set[str]:
    return _known(conn, "SELECT email FROM persons WHERE tenant_id = ? AND email IN ({})",
                  tenant_id, emails)  # fmt: skip


def known_company_keys(conn: Connection, tenant_id: str, keys: Sequence[str]) -> set[str]:
    return _known(
        conn, "SELECT name_key FROM companies WHERE tenant_id = ? AND name_key IN ({})",
        tenant_id, keys,
    )  # fmt: skip


def _known(conn: Connection, sql: str, tenant_id: str, values: Sequence[str]) -> set[str]:
    found: set[str] = set()
    unique = sorted(set(values))
    for start in range(0, len(unique), CHUNK):
        chunk = unique[start : start + CHUNK]
        marks = ", ".join("?" * len(chunk))
        found.update(row[0] for row in conn.execute(sql.format(marks), (tenant_id, *chunk)))
    return found
