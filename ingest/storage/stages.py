"""The pipeline's stages of a tenant and its deals' default currency: every statement of
them (the rules are ``ingest/domain/stages.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ingest.storage import Connection
from ingest.storage.dialect import for_update

# (stage_id, name, probability) of a new tenant's pipeline; migration 0016 gives existing
# tenants the same.
DEFAULT_STAGES = (
    ("stg_qualification", "Qualification", 20),
    ("stg_proposal", "Proposal", 50),
    ("stg_negotiation", "Negotiation", 80),
)


@dataclass(frozen=True)
class Stage:
    stage_id: str
    name: str
    probability: int
    position: int
    active: bool
    open_deals: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.stage_id,
            "name": self.name,
            "probability": self.probability,
            "position": self.position,
            "active": self.active,
        }


# -- stages ------------------------------------------------------------------------------

_STAGE_COLUMNS = "stage_id, name, probability, position, active"


def _stage(row: Any, open_deals: int = 0) -> Stage:
    return Stage(
        row["stage_id"],
        row["name"],
        int(row["probability"]),
        int(row["position"]),
        bool(row["active"]),
        open_deals,
    )


def insert_default_stages(conn: Connection, tenant_id: str, now: str) -> None:
    for position, (stage_id, name, probability) in enumerate(DEFAULT_STAGES, start=1):
        insert_stage(conn, tenant_id, stage_id, name, probability, position, now)


def insert_stage(
    conn: Connection,
    tenant_id: str,
    stage_id: str,
    name: str,
    probability: int,
    position: int,
    now: str,
) -> None:
    conn.execute(
        "INSERT INTO pipeline_stages (tenant_id, stage_id, name, name_key, probability,"
        " position, active, created_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
        (tenant_id, stage_id, name, name.lower(), probability, position, now),
    )


def stages(conn: Connection, tenant_id: str) -> list[Stage]:
    """Every stage of the tenant, in position order, with its count of open deals."""
    counts = {
        row[0]: int(row[1])
        for row in conn.execute(
            "SELECT stage_id, COUNT(*) FROM deals WHERE tenant_id = ? AND status = 'open'"
            " GROUP BY stage_id",
            (tenant_id,),
        ).fetchall()
    }
    rows = conn.execute(
        f"SELECT {_STAGE_COLUMNS} FROM pipeline_stages WHERE tenant_id = ?"
        " ORDER BY position, stage_id",
        (tenant_id,),
    ).fetchall()
    return [_stage(row, counts.get(row["stage_id"], 0)) for row in rows]


def stage(conn: Connection, tenant_id: str, stage_id: str, *, lock: bool = False) -> Stage | None:
    """One stage; ``lock``: its row locked on PostgreSQL until the job ends, so a deal moved
    into it and its deactivation are ordered."""
    row = conn.execute(
        f"SELECT {_STAGE_COLUMNS} FROM pipeline_stages WHERE tenant_id = ? AND stage_id = ?"
        + (for_update(conn) if lock else ""),
        (tenant_id, stage_id),
    ).fetchone()
    return None if row is None else _stage(row)


def stage_by_name(
    conn: Connection, tenant_id: str, name: str, *, lock: bool = False
) -> Stage | None:
    row = conn.execute(
        f"SELECT {_STAGE_COLUMNS} FROM pipeline_stages WHERE tenant_id = ? AND name_key = ?"
        + (for_update(conn) if lock else ""),
        (tenant_id, name.strip().lower()),
    ).fetchone()
    return None if row is None else _stage(row)


def first_active_stage(conn: Connection, tenant_id: str) -> Stage | None:
    row = conn.execute(
        f"SELECT {_STAGE_COLUMNS} FROM pipeline_stages WHERE tenant_id = ? AND active = 1"
        " ORDER BY position, stage_id LIMIT 1",
        (tenant_id,),
    ).fetchone()
    return None if row is None else _stage(row)


def next_position(conn: Connection, tenant_id: str) -> int:
    row = conn.execute(
        "SELECT COALESCE(MAX(position), 0) FROM pipeline_stages WHERE tenant_id = ?",
        (tenant_id,),
    ).fetchone()
    return int(row[0]) + 1


def update_stage(conn: Connection, tenant_id: str, stage_id: str, **values: Any) -> None:
    """Set ``name`` (and its key), ``probability``, ``position`` or ``active``."""
    if "name" in values:
        values["name_key"] = values["name"].lower()
    if "active" in values:
        values["active"] = int(values["active"])
    sets = ", ".join(f"{column} = ?" for column in values)
    conn.execute(
        f"UPDATE pipeline_stages SET {sets} WHERE tenant_id = ? AND stage_id = ?",
        (*values.values(), tenant_id, stage_id),
    )


def open_deals_in_stage(conn: Connection, tenant_id: str, stage_id: str) -> int:
    row = conn.execute(
        "SELECT COUNT(*) FROM deals WHERE tenant_id = ? AND status = 'open' AND stage_id = ?",
        (tenant_id, stage_id),
    ).fetchone()
    return int(row[0])


def tenant_currency(conn: Connection, tenant_id: str) -> str | None:
    row = conn.execute("SELECT currency FROM tenants WHERE tenant_id = ?", (tenant_id,)).fetchone()
    return None if row is None else row[0]


def set_tenant_currency(conn: Connection, tenant_id: str, currency: str) -> None:
    conn.execute("UPDATE tenants SET currency = ? WHERE tenant_id = ?", (currency, tenant_id))
