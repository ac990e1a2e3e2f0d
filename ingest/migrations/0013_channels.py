"""The persons list by channel: each person carries the GA4 default channel group of their
first touch and of their lead creation (``ft_channel``, ``lc_channel``; '' for none), as it
carries those touches' source, medium and campaign (migration 0009), so the list filters and
sorts by one index each.

The channel rules are Python (``ingest/domain/channels.py``: medium patterns, site lists,
click ids), not SQL, so older persons are filled here, a batch of persons at a time in the
order of their key, each touch pair's channel computed once. The indexes are built after the
fill: one sort of the finished column costs less than keeping two indexes in step with a
million updates.
"""

from __future__ import annotations

import json
from typing import Any

from ingest.domain.channels import channel
from ingest.storage.dialect import POSTGRES
from ingest.storage.migrations import run_sql

BATCH = 5000

COLUMNS = """
ALTER TABLE persons ADD COLUMN ft_channel TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN lc_channel TEXT NOT NULL DEFAULT '';
"""

INDEXES = """
CREATE INDEX persons_by_ft_channel ON persons (tenant_id, ft_channel, person_id);
CREATE INDEX persons_by_lc_channel ON persons (tenant_id, lc_channel, person_id);
"""

_TOUCH = ("source", "medium", "campaign", "click_ids", "referrer")
_SELECT = (
    "SELECT p.tenant_id, p.person_id, "
    + ", ".join(f"ft.{c}" for c in _TOUCH)
    + ", ft.touch_id, "
    + ", ".join(f"lc.{c}" for c in _TOUCH)
    + ", lc.touch_id FROM persons p"
    " LEFT JOIN touches ft ON ft.tenant_id = p.tenant_id AND ft.touch_id = p.first_touch_id"
    " LEFT JOIN touches lc ON lc.tenant_id = p.tenant_id"
    " AND lc.touch_id = p.lead_creation_touch_id"
)


def migrate(conn: Any, dialect: str) -> None:
    run_sql(conn, dialect, COLUMNS)
    fill(conn)
    run_sql(conn, dialect, INDEXES)
    # Statistics of the new columns and indexes: SQLite's planner, given statistics of the
    # older indexes only (someone ran ANALYZE), takes a new one for the best and walks the
    # tenant's persons by channel to sort them by something else (8 s for a first page of a
    # million). A file without statistics stays without: then no index is preferred so.
    if dialect == POSTGRES:
        conn.execute("ANALYZE persons")
    elif conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
        conn.execute("ANALYZE persons_by_ft_channel")
        conn.execute("ANALYZE persons_by_lc_channel")


def fill(conn: Any) -> int:
    """Set both channels of every person with a touch; returns the persons updated."""
    known: dict[tuple[Any, ...], str] = {}

    def of(values: tuple[Any, ...]) -> str:
        *touch, touch_id = values
        if touch_id is None:  # no touch (or none stored): '' as the submission job writes
            return ""
        key = tuple(touch)
        if key not in known:
            source, medium, campaign, click_ids, referrer = key
            clicks = json.loads(click_ids) if click_ids else None
            known[key] = channel(
                source, medium, campaign, clicks if isinstance(clicks, dict) else None, referrer
            )
            if len(known) > 100_000:  # bounded memory on a file of unique referrers
                known.clear()
        return known[key]

    updated = 0
    after: tuple[str, str] = ("", "")
    width = len(_TOUCH) + 1
    while True:
        rows = conn.execute(
            f"{_SELECT} WHERE (p.tenant_id, p.person_id) > (?, ?)"
            " ORDER BY p.tenant_id, p.person_id LIMIT ?",
            (*after, BATCH),
        ).fetchall()
        if not rows:
            return updated
        changes = []
        for row in rows:
            values = tuple(row)
            ft = of(values[2 : 2 + width])
            lc = of(values[2 + width : 2 + 2 * width])
            if ft or lc:
                changes.append((ft, lc, values[0], values[1]))
        if changes:
            conn.executemany(
                "UPDATE persons SET ft_channel = ?, lc_channel = ?"
                " WHERE tenant_id = ? AND person_id = ?",
                changes,
            )
            updated += len(changes)
        after = (rows[-1][0], rows[-1][1])
