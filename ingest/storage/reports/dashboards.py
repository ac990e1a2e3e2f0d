"""Dashboards and their tiles (migration 0023): the statements. What a tile may be is
``ingest/domain/reports/tiles.py``'s rule; these keep what it checked, in order.

Positions are whole numbers, unique enough: a new dashboard or tile goes last, a move swaps
it with its neighbour, so an order is one ``ORDER BY position, id``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ingest.domain.validation import strip_controls
from ingest.storage import Connection, IntegrityError
from ingest.storage.reads import StoreError, new_id

NAME_MAX = 100
MAX_DASHBOARDS = 50
MAX_TILES = 40  # per dashboard: each tile is a report read when it is shown


@dataclass(frozen=True)
class TileSettings:
    title: str
    kind: str
    measure: str = ""
    grouping: str = ""
    period: str = "year_to_date"
    period_from: str = ""
    period_to: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    top: int = 10
    selection_id: str = ""


@dataclass(frozen=True)
class Tile:
    tile_id: str
    dashboard_id: str
    position: int
    settings: TileSettings


@dataclass(frozen=True)
class Dashboard:
    dashboard_id: str
    name: str
    position: int
    tiles: list[Tile] = field(default_factory=list)


def clean_name(name: str, what: str = "A dashboard") -> str:
    name = " ".join(strip_controls(name or "").split())
    if not name or len(name) > NAME_MAX:
        raise StoreError(f"{what} needs a name of 1-{NAME_MAX} characters.")
    return name


def _tile(row: Any) -> Tile:
    filters = json.loads(row["filters"] or "{}")
    return Tile(
        row["tile_id"],
        row["dashboard_id"],
        int(row["position"]),
        TileSettings(
            row["title"],
            row["kind"],
            row["measure"],
            row["grouping"],
            row["period"],
            row["period_from"],
            row["period_to"],
            {str(k): str(v) for k, v in filters.items()} if isinstance(filters, dict) else {},
            int(row["top"]),
            row["selection_id"],
        ),
    )


_TILE_COLUMNS = (
    "tile_id, dashboard_id, position, title, kind, measure, grouping, period, period_from,"
    " period_to, filters, top, selection_id"
)


def dashboards(conn: Connection, tenant_id: str) -> list[Dashboard]:
    """The tenant's dashboards in order, each with its tiles in order."""
    rows = conn.execute(
        "SELECT dashboard_id, name, position FROM dashboards WHERE tenant_id = ?"
        " ORDER BY position, dashboard_id",
        (tenant_id,),
    ).fetchall()
    tiles: dict[str, list[Tile]] = {}
    for row in conn.execute(
        f"SELECT {_TILE_COLUMNS} FROM dashboard_tiles WHERE tenant_id = ?"
        " ORDER BY dashboard_id, position, tile_id",
        (tenant_id,),
    ).fetchall():
        tile = _tile(row)
        tiles.setdefault(tile.dashboard_id, []).append(tile)
    return [
        Dashboard(
            r["dashboard_id"], r["name"], int(r["position"]), tiles.get(r["dashboard_id"], [])
        )
        for r in rows
    ]


def get(conn: Connection, tenant_id: str, dashboard_id: str) -> Dashboard | None:
    row = conn.execute(
        "SELECT dashboard_id, name, position FROM dashboards"
        " WHERE tenant_id = ? AND dashboard_id = ?",
        (tenant_id, dashboard_id),
    ).fetchone()
    if row is None:
        return None
    tiles = conn.execute(
        f"SELECT {_TILE_COLUMNS} FROM dashboard_tiles WHERE tenant_id = ? AND dashboard_id = ?"
        " ORDER BY position, tile_id",
        (tenant_id, dashboard_id),
    ).fetchall()
    return Dashboard(
        row["dashboard_id"], row["name"], int(row["position"]), [_tile(t) for t in tiles]
    )


def get_tile(conn: Connection, tenant_id: str, tile_id: str) -> Tile | None:
    row = conn.execute(
        f"SELECT {_TILE_COLUMNS} FROM dashboard_tiles WHERE tenant_id = ? AND tile_id = ?",
        (tenant_id, tile_id),
    ).fetchone()
    return None if row is None else _tile(row)


def defaults_made(conn: Connection, tenant_id: str) -> bool:
    row = conn.execute(
        "SELECT dashboards_made FROM tenants WHERE tenant_id = ?", (tenant_id,)
    ).fetchone()
    return row is None or bool(row[0])


def make_defaults(
    conn: Connection,
    tenant_id: str,
    defaults: list[tuple[str, list[TileSettings]]],
    selection: tuple[str, dict[str, str]],
    at: str,
) -> bool:
    """The tenant's first dashboards, once: False when they were made before (even if
    deleted since). ``selection``: the saved selection (name, query) a selection tile with
    no ``selection_id`` shows, made unless one of that name exists."""
    claimed = conn.execute(
        "UPDATE tenants SET dashboards_made = 1 WHERE tenant_id = ? AND dashboards_made = 0",
        (tenant_id,),
    ).rowcount
    if claimed != 1:
        return False
    from ingest.storage import selections

    name, query = selection
    found = conn.execute(
        "SELECT selection_id FROM selections WHERE tenant_id = ? AND name = ?", (tenant_id, name)
    ).fetchone()
    selection_id = (
        found[0]
        if found
        else selections.create(
            conn, tenant_id, kind="persons", name=name, query=query, user_id=None, at=at
        )
    )
    for dashboard_name, tiles in defaults:
        dashboard_id = create_dashboard(conn, tenant_id, dashboard_name, at)
        for tile in tiles:
            if tile.kind == "selection" and not tile.selection_id:
                tile = TileSettings(**{**tile.__dict__, "selection_id": selection_id})
            add_tile(conn, tenant_id, dashboard_id, tile, at)
    return True


def _next_position(conn: Connection, sql: str, params: tuple[Any, ...]) -> int:
    return int(conn.execute(sql, params).fetchone()[0] or 0) + 1


def create_dashboard(conn: Connection, tenant_id: str, name: str, at: str) -> str:
    name = clean_name(name)
    count = conn.execute(
        "SELECT COUNT(*) FROM dashboards WHERE tenant_id = ?", (tenant_id,)
    ).fetchone()[0]
    if count >= MAX_DASHBOARDS:
        raise StoreError(f"An account keeps at most {MAX_DASHBOARDS} dashboards.")
    if conn.execute(
        "SELECT 1 FROM dashboards WHERE tenant_id = ? AND name = ?", (tenant_id, name)
    ).fetchone():
        raise StoreError(f"There is a dashboard called {name!r} already.")
    position = _next_position(
        conn, "SELECT MAX(position) FROM dashboards WHERE tenant_id = ?", (tenant_id,)
    )
    dashboard_id = new_id("dsh")
    try:
        conn.execute(
            "INSERT INTO dashboards (tenant_id, dashboard_id, name, position, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            (tenant_id, dashboard_id, name, position, at, at),
        )
    except IntegrityError:
        raise StoreError(f"There is a dashboard called {name!r} already.") from None
    return dashboard_id


def rename_dashboard(
    conn: Connection, tenant_id: str, dashboard_id: str, name: str, at: str
) -> None:
    name = clean_name(name)
    if conn.execute(
        "SELECT 1 FROM dashboards WHERE tenant_id = ? AND name = ? AND dashboard_id <> ?",
        (tenant_id, name, dashboard_id),
    ).fetchone():
        raise StoreError(f"There is a dashboard called {name!r} already.")
    conn.execute(
        "UPDATE dashboards SET name = ?, updated_at = ? WHERE tenant_id = ? AND dashboard_id = ?",
        (name, at, tenant_id, dashboard_id),
    )


def delete_dashboard(conn: Connection, tenant_id: str, dashboard_id: str) -> None:
    conn.execute(
        "DELETE FROM dashboard_tiles WHERE tenant_id = ? AND dashboard_id = ?",
        (tenant_id, dashboard_id),
    )
    conn.execute(
        "DELETE FROM dashboards WHERE tenant_id = ? AND dashboard_id = ?",
        (tenant_id, dashboard_id),
    )


def _swap(conn: Connection, table: str, id_column: str, scope: str, tenant_id: str,
          scope_params: tuple[Any, ...], row_id: str, step: int) -> None:  # fmt: skip
    """Swaps a row's position with its neighbour's (``step`` -1 earlier, +1 later)."""
    rows = conn.execute(
        f"SELECT {id_column}, position FROM {table} WHERE tenant_id = ?{scope}"
        f" ORDER BY position, {id_column}",
        (tenant_id, *scope_params),
    ).fetchall()
    ids = [r[0] for r in rows]
    if row_id not in ids:
        return
    at = ids.index(row_id)
    other = at + step
    if not 0 <= other < len(ids):
        return
    ids[at], ids[other] = ids[other], ids[at]
    for position, found in enumerate(ids, 1):  # renumbered: ties and gaps go too
        conn.execute(
            f"UPDATE {table} SET position = ? WHERE tenant_id = ? AND {id_column} = ?",
            (position, tenant_id, found),
        )


def move_dashboard(conn: Connection, tenant_id: str, dashboard_id: str, step: int) -> None:
    _swap(conn, "dashboards", "dashboard_id", "", tenant_id, (), dashboard_id, step)


def move_tile(conn: Connection, tenant_id: str, dashboard_id: str, tile_id: str, step: int) -> None:
    _swap(conn, "dashboard_tiles", "tile_id", " AND dashboard_id = ?", tenant_id,
          (dashboard_id,), tile_id, step)  # fmt: skip


def _tile_values(tile: TileSettings) -> tuple[Any, ...]:
    return (
        clean_name(tile.title, "A tile"),
        tile.kind,
        tile.measure,
        tile.grouping,
        tile.period,
        tile.period_from,
        tile.period_to,
        json.dumps(dict(sorted(tile.filters.items())), separators=(",", ":"), ensure_ascii=False),
        tile.top,
        tile.selection_id,
    )


def add_tile(
    conn: Connection, tenant_id: str, dashboard_id: str, tile: TileSettings, at: str
) -> str:
    count = conn.execute(
        "SELECT COUNT(*) FROM dashboard_tiles WHERE tenant_id = ? AND dashboard_id = ?",
        (tenant_id, dashboard_id),
    ).fetchone()[0]
    if count >= MAX_TILES:
        raise StoreError(f"A dashboard holds at most {MAX_TILES} tiles.")
    position = _next_position(
        conn,
        "SELECT MAX(position) FROM dashboard_tiles WHERE tenant_id = ? AND dashboard_id = ?",
        (tenant_id, dashboard_id),
    )
    tile_id = new_id("til")
    conn.execute(
        f"INSERT INTO dashboard_tiles (tenant_id, {_TILE_COLUMNS}, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (tenant_id, tile_id, dashboard_id, position, *_tile_values(tile), at, at),
    )
    return tile_id


def update_tile(
    conn: Connection, tenant_id: str, tile_id: str, tile: TileSettings, at: str
) -> None:
    conn.execute(
        "UPDATE dashboard_tiles SET title = ?, kind = ?, measure = ?, grouping = ?, period = ?,"
        " period_from = ?, period_to = ?, filters = ?, top = ?, selection_id = ?, updated_at = ?"
        " WHERE tenant_id = ? AND tile_id = ?",
        (*_tile_values(tile), at, tenant_id, tile_id),
    )


def delete_tile(conn: Connection, tenant_id: str, tile_id: str) -> None:
    conn.execute(
        "DELETE FROM dashboard_tiles WHERE tenant_id = ? AND tile_id = ?", (tenant_id, tile_id)
    )
