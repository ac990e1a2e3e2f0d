"""The tenant's lead setup: category groups, categories and lead statuses (migration 0015),
managed by admins. Plain functions of a connection; writes run as writer jobs or in the
CLI's transaction.

Nothing in use is ever deleted: an item is deactivated, and a deactivation in use is refused
with a message for the admin. The three kinds share one shape (a name unique in the tenant,
a position, active), so one set of functions serves them, each kind named by ``KINDS``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ingest.domain.validation import strip_controls
from ingest.storage import Connection, IntegrityError
from ingest.storage.dialect import for_update
from ingest.storage.reads import StoreError, new_id

NAME_MAX = 100

# The seed's defaults (seed 002), with fixed ids: ids are per tenant. Migration 0015 writes
# the same rows for tenants that existed before it.
DEFAULT_GROUPS = (
    ("grp_potential", "Potential customer", True),
    ("grp_customer", "Customer", False),
    ("grp_partner", "Partner", False),
)
DEFAULT_CATEGORIES = (
    ("cat_lead", "grp_potential", "Lead"),
    ("cat_mql", "grp_potential", "Marketing qualified lead (MQL)"),
    ("cat_opportunity", "grp_potential", "Opportunity"),
    ("cat_lost", "grp_potential", "Lost opportunity"),
    ("cat_customer", "grp_customer", "Customer"),
    ("cat_partner", "grp_partner", "Partner"),
)
DEFAULT_STATUSES = (
    ("sts_open", "Open"),
    ("sts_contacting", "Contacting"),
    ("sts_disqualified", "Disqualified"),
    ("sts_recontact", "Recontact"),
    ("sts_qualified", "Qualified"),
)
DEFAULT_CATEGORY = "cat_lead"


@dataclass(frozen=True)
class Kind:
    table: str
    key: str
    prefix: str
    label: str
    scope: str | None = None  # positions count within this column's value (a group)


KINDS = {
    "status": Kind("lead_statuses", "status_id", "sts", "lead status"),
    "category": Kind("categories", "category_id", "cat", "category", scope="group_id"),
    "group": Kind("category_groups", "group_id", "grp", "category group"),
}


@dataclass(frozen=True)
class Status:
    status_id: str
    name: str
    position: int
    active: bool


@dataclass(frozen=True)
class Category:
    category_id: str
    group_id: str
    name: str
    position: int
    active: bool


@dataclass
class Group:
    group_id: str
    name: str
    lead_status_enabled: bool
    position: int
    active: bool
    categories: list[Category] = field(default_factory=list)


@dataclass
class Setup:
    groups: list[Group]
    statuses: list[Status]
    default_category_id: str | None

    @property
    def categories(self) -> list[Category]:
        return [c for g in self.groups for c in g.categories]

    def category(self, category_id: str | None) -> Category | None:
        return next((c for c in self.categories if c.category_id == category_id), None)

    def group(self, group_id: str | None) -> Group | None:
        return next((g for g in self.groups if g.group_id == group_id), None)


def create_defaults(conn: Connection, tenant_id: str) -> None:
    """A new tenant's groups, categories, statuses and default category."""
    conn.executemany(
        "INSERT INTO category_groups (tenant_id, group_id, name, lead_status_enabled, position,"
        " active) VALUES (?, ?, ?, ?, ?, 1)",
        [
            (tenant_id, group_id, name, int(enabled), position)
            for position, (group_id, name, enabled) in enumerate(DEFAULT_GROUPS, 1)
        ],
    )
    positions: dict[str, int] = {}
    rows = []
    for category_id, group_id, name in DEFAULT_CATEGORIES:
        positions[group_id] = positions.get(group_id, 0) + 1
        rows.append((tenant_id, category_id, group_id, name, positions[group_id]))
    conn.executemany(
        "INSERT INTO categories (tenant_id, category_id, group_id, name, position, active)"
        " VALUES (?, ?, ?, ?, ?, 1)",
        rows,
    )
    conn.executemany(
        "INSERT INTO lead_statuses (tenant_id, status_id, name, position, active)"
        " VALUES (?, ?, ?, ?, 1)",
        [(tenant_id, sid, name, pos) for pos, (sid, name) in enumerate(DEFAULT_STATUSES, 1)],
    )
    conn.execute(
        "UPDATE tenants SET default_category_id = ? WHERE tenant_id = ?",
        (DEFAULT_CATEGORY, tenant_id),
    )


# -- reads -------------------------------------------------------------------------------


def setup(conn: Connection, tenant_id: str) -> Setup:
    """Every group (with its categories), status and the default category, in order."""
    groups = [
        Group(
            r["group_id"],
            r["name"],
            bool(r["lead_status_enabled"]),
            r["position"],
            bool(r["active"]),
        )
        for r in conn.execute(
            "SELECT group_id, name, lead_status_enabled, position, active FROM category_groups"
            " WHERE tenant_id = ? ORDER BY position, group_id",
            (tenant_id,),
        ).fetchall()
    ]
    by_id = {g.group_id: g for g in groups}
    for r in conn.execute(
        "SELECT category_id, group_id, name, position, active FROM categories"
        " WHERE tenant_id = ? ORDER BY position, category_id",
        (tenant_id,),
    ).fetchall():
        group = by_id.get(r["group_id"])
        if group is not None:
            group.categories.append(
                Category(
                    r["category_id"], r["group_id"], r["name"], r["position"], bool(r["active"])
                )
            )
    row = conn.execute(
        "SELECT default_category_id FROM tenants WHERE tenant_id = ?", (tenant_id,)
    ).fetchone()
    return Setup(groups, statuses(conn, tenant_id), row[0] if row else None)


def statuses(conn: Connection, tenant_id: str) -> list[Status]:
    return [
        Status(r["status_id"], r["name"], r["position"], bool(r["active"]))
        for r in conn.execute(
            "SELECT status_id, name, position, active FROM lead_statuses WHERE tenant_id = ?"
            " ORDER BY position, status_id",
            (tenant_id,),
        ).fetchall()
    ]


# -- admin's changes ---------------------------------------------------------------------


def clean_name(name: str, kind: Kind) -> str:
    name = " ".join(strip_controls(name or "").split())
    if not name or len(name) > NAME_MAX:
        raise StoreError(f"A {kind.label} needs a name of 1-{NAME_MAX} characters.")
    return name


def _check_free(conn: Connection, tenant_id: str, kind: Kind, name: str, own: str = "") -> None:
    """Names are unique in the tenant, in any case: the API names statuses and categories."""
    rows = conn.execute(
        f"SELECT {kind.key}, name FROM {kind.table} WHERE tenant_id = ?", (tenant_id,)
    ).fetchall()
    if any(r[1].casefold() == name.casefold() and r[0] != own for r in rows):
        raise StoreError(f"There is a {kind.label} called {name!r} already.")


def _locked(conn: Connection, tenant_id: str, kind: Kind, item_id: str) -> Any:
    scope = f", {kind.scope}" if kind.scope else ""
    row = conn.execute(
        f"SELECT {kind.key}, name, position, active{scope} FROM {kind.table}"
        f" WHERE tenant_id = ? AND {kind.key} = ?" + for_update(conn),
        (tenant_id, item_id),
    ).fetchone()
    if row is None:
        raise StoreError(f"No such {kind.label}.")
    return row


def _next_position(conn: Connection, tenant_id: str, kind: Kind, scope: str | None) -> int:
    where, params = "tenant_id = ?", [tenant_id]
    if kind.scope:
        where += f" AND {kind.scope} = ?"
        params.append(scope)
    row = conn.execute(
        f"SELECT COALESCE(MAX(position), 0) FROM {kind.table} WHERE {where}", params
    ).fetchone()
    return row[0] + 1


def add(
    conn: Connection,
    tenant_id: str,
    kind_name: str,
    name: str,
    *,
    group_id: str | None = None,
    lead_status_enabled: bool = False,
) -> str:
    """Add a status, a category (to ``group_id``) or a group; returns its id."""
    kind = KINDS[kind_name]
    name = clean_name(name, kind)
    _check_free(conn, tenant_id, kind, name)
    item_id = new_id(kind.prefix)
    try:
        if kind_name == "category":
            group = _locked(conn, tenant_id, KINDS["group"], group_id or "")
            conn.execute(
                "INSERT INTO categories (tenant_id, category_id, group_id, name, position, active)"
                " VALUES (?, ?, ?, ?, ?, 1)",
                (
                    tenant_id,
                    item_id,
                    group[0],
                    name,
                    _next_position(conn, tenant_id, kind, group[0]),
                ),
            )
        elif kind_name == "group":
            conn.execute(
                "INSERT INTO category_groups (tenant_id, group_id, name, lead_status_enabled,"
                " position, active) VALUES (?, ?, ?, ?, ?, 1)",
                (tenant_id, item_id, name, int(lead_status_enabled),
                 _next_position(conn, tenant_id, kind, None)),
            )  # fmt: skip
        else:
            conn.execute(
                "INSERT INTO lead_statuses (tenant_id, status_id, name, position, active)"
                " VALUES (?, ?, ?, ?, 1)",
                (tenant_id, item_id, name, _next_position(conn, tenant_id, kind, None)),
            )
    except IntegrityError:  # the same name added by someone else at the same moment
        raise StoreError(f"There is a {kind.label} called {name!r} already.") from None
    return item_id


def rename(conn: Connection, tenant_id: str, kind_name: str, item_id: str, name: str) -> None:
    kind = KINDS[kind_name]
    name = clean_name(name, kind)
    _locked(conn, tenant_id, kind, item_id)
    _check_free(conn, tenant_id, kind, name, own=item_id)
    conn.execute(
        f"UPDATE {kind.table} SET name = ? WHERE tenant_id = ? AND {kind.key} = ?",
        (name, tenant_id, item_id),
    )


def move(conn: Connection, tenant_id: str, kind_name: str, item_id: str, step: int) -> None:
    """One place up (``step`` -1) or down (+1): swap positions with the neighbour (in the
    category's group). At either end nothing changes."""
    kind = KINDS[kind_name]
    row = _locked(conn, tenant_id, kind, item_id)
    where, params = "tenant_id = ?", [tenant_id]
    if kind.scope:
        where += f" AND {kind.scope} = ?"
        params.append(row[kind.scope])
    order = [
        (r[0], r[1])
        for r in conn.execute(
            f"SELECT {kind.key}, position FROM {kind.table} WHERE {where}"
            f" ORDER BY position, {kind.key}" + for_update(conn),
            params,
        ).fetchall()
    ]
    index = [i for i, _ in order].index(item_id)
    other = index + step
    if not 0 <= other < len(order):
        return
    order[index], order[other] = order[other], order[index]
    # Renumbered 1..n, so equal positions from older data sort out too.
    conn.executemany(
        f"UPDATE {kind.table} SET position = ? WHERE tenant_id = ? AND {kind.key} = ?",
        [(position, tenant_id, i) for position, (i, _) in enumerate(order, 1)],
    )


def set_active(
    conn: Connection, tenant_id: str, kind_name: str, item_id: str, active: bool
) -> None:
    """Deactivate (refused while in use) or activate again."""
    kind = KINDS[kind_name]
    row = _locked(conn, tenant_id, kind, item_id)
    if not active:
        in_use = _in_use(conn, tenant_id, kind_name, item_id)
        if in_use:
            raise StoreError(f"{row['name']!r} cannot be deactivated: {in_use}.")
    elif kind_name == "category":
        group = _locked(conn, tenant_id, KINDS["group"], row["group_id"])
        if not group["active"]:
            raise StoreError(f"Activate its group {group['name']!r} first.")
    conn.execute(
        f"UPDATE {kind.table} SET active = ? WHERE tenant_id = ? AND {kind.key} = ?",
        (int(active), tenant_id, item_id),
    )


def _in_use(conn: Connection, tenant_id: str, kind_name: str, item_id: str) -> str | None:
    """Why the item cannot be deactivated now, or None."""
    if kind_name == "status":
        used = conn.execute(
            "SELECT 1 FROM persons WHERE tenant_id = ? AND lead_status_id = ? LIMIT 1",
            (tenant_id, item_id),
        ).fetchone()
        return "persons have this lead status; give them another one first" if used else None
    if kind_name == "category":
        used = conn.execute(
            "SELECT 1 FROM companies WHERE tenant_id = ? AND category_id = ? LIMIT 1",
            (tenant_id, item_id),
        ).fetchone()
        if used:
            return "companies have this category; give them another one first"
        default = conn.execute(
            "SELECT 1 FROM tenants WHERE tenant_id = ? AND default_category_id = ?",
            (tenant_id, item_id),
        ).fetchone()
        return "it is the category of new companies; choose another one first" if default else None
    used = conn.execute(
        "SELECT 1 FROM categories WHERE tenant_id = ? AND group_id = ? AND active = 1 LIMIT 1",
        (tenant_id, item_id),
    ).fetchone()
    return "it has active categories; move or deactivate them first" if used else None


def move_category(conn: Connection, tenant_id: str, category_id: str, group_id: str) -> None:
    """Into another group, last there. Its companies' persons show or keep their lead status
    by the new group's setting."""
    row = _locked(conn, tenant_id, KINDS["category"], category_id)
    group = _locked(conn, tenant_id, KINDS["group"], group_id)
    if row["group_id"] == group_id:
        return
    if not group["active"] and row["active"]:
        raise StoreError(f"The group {group['name']!r} is not active.")
    conn.execute(
        "UPDATE categories SET group_id = ?, position = ? WHERE tenant_id = ? AND category_id = ?",
        (group_id, _next_position(conn, tenant_id, KINDS["category"], group_id), tenant_id,
         category_id),
    )  # fmt: skip


def set_lead_status_enabled(conn: Connection, tenant_id: str, group_id: str, enabled: bool) -> None:
    _locked(conn, tenant_id, KINDS["group"], group_id)
    conn.execute(
        "UPDATE category_groups SET lead_status_enabled = ? WHERE tenant_id = ? AND group_id = ?",
        (int(enabled), tenant_id, group_id),
    )


def set_default_category(conn: Connection, tenant_id: str, category_id: str | None) -> None:
    """The category of companies created by a form submission (None: no category)."""
    if category_id:
        row = _locked(conn, tenant_id, KINDS["category"], category_id)
        if not row["active"]:
            raise StoreError(f"The category {row['name']!r} is not active.")
    conn.execute(
        "UPDATE tenants SET default_category_id = ? WHERE tenant_id = ?",
        (category_id or None, tenant_id),
    )
