"""Kept attribution credits (migration 0022): every statement. The rules (what a conversion
is, its credits, when they are recomputed) are ``ingest/domain/credits/``.

- ``journeys`` reads what a person's journey is made of: every touch their submissions point
  at (touch history and conversion touch), their first and lead-creation touch.
- ``replace`` swaps a set of kept conversions for recomputed ones in the caller's
  transaction, adjusting the rollups and totals by the difference only (a recomputation
  that changes nothing writes nothing but the conversions' rows).
- The follower's bookkeeping is ``credit_follower.py``'s.
- The rollups' and totals' sums, the rebuild's ``GROUP BY`` and the check of the rollups
  against the kept credits are ``credit_rollups.py``'s.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from ingest.storage import POSTGRES, Connection, dialect_of_connection
from ingest.storage import credit_rollups as rollups

CHUNK = 500  # ids per IN (...)


_TOUCH_COLUMNS = (
    "touch_id, source, medium, campaign, term, content, utm_id, click_ids, landing_page,"
    " referrer, at"
)
CONVERSION_COLUMNS = (
    "conversion",
    "subject_id",
    "person_id",
    "converted_at",
    "day",
    "amount",
    "currency",
    "touched",
)
CREDIT_COLUMNS = (
    "conversion",
    "subject_id",
    "model",
    "position",
    "touch_id",
    "touch_at",
    "source",
    "medium",
    "campaign",
    "channel",
    "positions",
    "parts",
    "cents",
    "day",
    "currency",
)


def _chunks(ids: Sequence[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def _marks(ids: Sequence[Any]) -> str:
    return ", ".join("?" for _ in ids)


def _dicts(cursor: Any) -> list[dict[str, Any]]:
    """Rows as dicts by the cursor's column names (whatever the connection's row type: the
    CLI's copies read plain tuples)."""
    names = [column[0] for column in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# -- the raw data ------------------------------------------------------------------------


def persons(conn: Connection, tenant_id: str, person_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The persons among ``person_ids`` that exist: id, creation, lead-creation touch."""
    found: list[dict[str, Any]] = []
    for ids in _chunks(sorted(set(person_ids))):
        found += _dicts(
            conn.execute(
                "SELECT person_id, created_at, lead_creation_touch_id FROM persons"
                f" WHERE tenant_id = ? AND person_id IN ({_marks(ids)})",
                (tenant_id, *ids),
            )
        )
    return found


def person_page(conn: Connection, tenant_id: str, after: str, limit: int) -> list[str]:
    """The tenant's person ids after ``after``, in id order (the recompute's walk)."""
    return [
        row[0]
        for row in conn.execute(
            "SELECT person_id FROM persons WHERE tenant_id = ? AND person_id > ?"
            " ORDER BY person_id LIMIT ?",
            (tenant_id, after, limit),
        )
    ]


def journeys(
    conn: Connection, tenant_id: str, person_ids: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """Each person's known touches as rows (with ``touch_id``): their submissions' touch
    histories and conversion touches, their first and lead-creation touches. Reports of the
    same touch are merged by the journey's rules, not here. Four index lookups, each by its
    key: a join of submissions to their touch history lets the planner walk the tenant's
    whole history instead."""
    whose: dict[str, str] = {}  # touch id -> person id
    for ids in _chunks(sorted(set(person_ids))):
        marks = _marks(ids)
        submissions: dict[str, str] = {}
        for submission_id, person_id, touch_id in conn.execute(
            "SELECT submission_id, person_id, conversion_touch_id FROM submissions"
            f" WHERE tenant_id = ? AND person_id IN ({marks})",
            (tenant_id, *ids),
        ).fetchall():
            submissions[submission_id] = person_id
            if touch_id:
                whose[touch_id] = person_id
        for person_id, first, creation in conn.execute(
            "SELECT person_id, first_touch_id, lead_creation_touch_id FROM persons"
            f" WHERE tenant_id = ? AND person_id IN ({marks})",
            (tenant_id, *ids),
        ).fetchall():
            for touch_id in (first, creation):
                if touch_id:
                    whose[touch_id] = person_id
        for chunk in _chunks(sorted(submissions)):
            for submission_id, touch_id in conn.execute(
                "SELECT submission_id, touch_id FROM submission_touches"
                f" WHERE tenant_id = ? AND submission_id IN ({_marks(chunk)})",
                (tenant_id, *chunk),
            ).fetchall():
                if touch_id:
                    whose[touch_id] = submissions[submission_id]
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for chunk in _chunks(sorted(whose)):
        for row in _dicts(
            conn.execute(
                f"SELECT {_TOUCH_COLUMNS} FROM touches"
                f" WHERE tenant_id = ? AND touch_id IN ({_marks(chunk)})",
                (tenant_id, *chunk),
            )
        ):
            found[whose[row["touch_id"]]].append(row)
    return found


_DEAL_COLUMNS = "deal_id, person_id, status, amount, currency, created_at, closed_at"


def deals_of_persons(
    conn: Connection, tenant_id: str, person_ids: Sequence[str]
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for ids in _chunks(sorted(set(person_ids))):
        found += _dicts(
            conn.execute(
                f"SELECT {_DEAL_COLUMNS} FROM deals"
                f" WHERE tenant_id = ? AND person_id IN ({_marks(ids)})",
                (tenant_id, *ids),
            )
        )
    return found


def deals(conn: Connection, tenant_id: str, deal_ids: Sequence[str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for ids in _chunks(sorted(set(deal_ids))):
        found += _dicts(
            conn.execute(
                f"SELECT {_DEAL_COLUMNS} FROM deals"
                f" WHERE tenant_id = ? AND deal_id IN ({_marks(ids)})",
                (tenant_id, *ids),
            )
        )
    return found


def deals_without_person(conn: Connection, tenant_id: str) -> list[dict[str, Any]]:
    return _dicts(
        conn.execute(
            f"SELECT {_DEAL_COLUMNS} FROM deals WHERE tenant_id = ? AND person_id IS NULL",
            (tenant_id,),
        )
    )


# -- what is kept ------------------------------------------------------------------------


def kept(
    conn: Connection,
    tenant_id: str,
    *,
    person_ids: Sequence[str] = (),
    deal_ids: Sequence[str] = (),
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The kept conversions of those persons (their creation and their deals') and of those
    deals, and every credit of them: (conversions, credits)."""
    conversions: dict[tuple[str, str], dict[str, Any]] = {}
    columns = ", ".join(CONVERSION_COLUMNS)
    for ids in _chunks(sorted(set(person_ids))):
        for row in _dicts(
            conn.execute(
                f"SELECT {columns} FROM attribution_conversions"
                f" WHERE tenant_id = ? AND person_id IN ({_marks(ids)})",
                (tenant_id, *ids),
            )
        ):
            conversions[row["conversion"], row["subject_id"]] = row
    for ids in _chunks(sorted(set(deal_ids))):
        for row in _dicts(
            conn.execute(
                f"SELECT {columns} FROM attribution_conversions WHERE tenant_id = ?"
                f" AND conversion IN ('deal_create', 'revenue') AND subject_id IN ({_marks(ids)})",
                (tenant_id, *ids),
            )
        ):
            conversions[row["conversion"], row["subject_id"]] = row
    credits: list[dict[str, Any]] = []
    by_kind: dict[str, list[str]] = defaultdict(list)
    for conversion, subject_id in conversions:
        by_kind[conversion].append(subject_id)
    for conversion, subjects in sorted(by_kind.items()):
        for ids in _chunks(sorted(subjects)):
            credits += _dicts(
                conn.execute(
                    f"SELECT {', '.join(CREDIT_COLUMNS)} FROM attribution_credits"
                    f" WHERE tenant_id = ? AND conversion = ? AND subject_id IN ({_marks(ids)})",
                    (tenant_id, conversion, *ids),
                )
            )
    return list(conversions.values()), credits


def orphans(conn: Connection, tenant_id: str) -> list[dict[str, Any]]:
    """Kept conversions whose person or deal is gone (none, when kept is right)."""
    return _dicts(
        conn.execute(
            "SELECT c.conversion, c.subject_id FROM attribution_conversions c"
            " WHERE c.tenant_id = ? AND ("
            " (c.conversion = 'contact_create' AND NOT EXISTS (SELECT 1 FROM persons p"
            " WHERE p.tenant_id = c.tenant_id AND p.person_id = c.subject_id))"
            " OR (c.conversion <> 'contact_create' AND NOT EXISTS (SELECT 1 FROM deals d"
            " WHERE d.tenant_id = c.tenant_id AND d.deal_id = c.subject_id)))",
            (tenant_id,),
        )
    )


# -- writing -----------------------------------------------------------------------------


def replace(
    conn: Connection,
    tenant_id: str,
    old: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    new: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    """Swap the kept ``old`` (conversions, credits), as ``kept`` read them in this
    transaction, for ``new``; the rollups and totals move by the difference."""
    old_conversions, old_credits = old
    new_conversions, new_credits = new
    if _same(old, new):
        return
    by_kind: dict[str, list[str]] = defaultdict(list)
    for c in old_conversions:
        by_kind[c["conversion"]].append(c["subject_id"])
    for conversion, subjects in sorted(by_kind.items()):
        for ids in _chunks(sorted(subjects)):
            for table in ("attribution_credits", "attribution_conversions"):
                conn.execute(
                    f"DELETE FROM {table} WHERE tenant_id = ? AND conversion = ?"
                    f" AND subject_id IN ({_marks(ids)})",
                    (tenant_id, conversion, *ids),
                )
    insert_rows(conn, tenant_id, new_conversions, new_credits)
    changes = rollups.deltas(
        rollups.rollup_sums(old_credits),
        rollups.rollup_sums(new_credits),
        ("parts", "cents", "credits"),
    )
    totals = rollups.deltas(
        rollups.total_sums(old_conversions),
        rollups.total_sums(new_conversions),
        ("conversions", "untouched", "untouched_cents"),
    )
    rollups.add(conn, tenant_id, "attribution_rollups", rollups.ROLLUP_KEY, changes, "credits")
    rollups.add(conn, tenant_id, "attribution_totals", rollups.TOTAL_KEY, totals, "conversions")


def _same(
    old: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    new: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> bool:
    def key(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
        return sorted(tuple(r[c] for c in columns) for r in rows)

    return key(old[0], CONVERSION_COLUMNS) == key(new[0], CONVERSION_COLUMNS) and key(
        old[1], CREDIT_COLUMNS
    ) == key(new[1], CREDIT_COLUMNS)


def insert_rows(
    conn: Connection,
    tenant_id: str,
    conversions: Sequence[dict[str, Any]],
    credits: Sequence[dict[str, Any]],
) -> None:
    for table, columns, rows in (
        ("attribution_conversions", CONVERSION_COLUMNS, conversions),
        ("attribution_credits", CREDIT_COLUMNS, credits),
    ):
        if rows:
            conn.executemany(
                f"INSERT INTO {table} (tenant_id, {', '.join(columns)})"
                f" VALUES (?, {_marks(columns)})",
                [(tenant_id, *(r[c] for c in columns)) for r in rows],
            )


def tenant_ids(conn: Connection) -> list[str]:
    return [row[0] for row in conn.execute("SELECT tenant_id FROM tenants ORDER BY tenant_id")]


def tenant_exists(conn: Connection, tenant_id: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM tenants WHERE tenant_id = ?", (tenant_id,)).fetchone()
        is not None
    )


def conversion_count(conn: Connection, tenant_id: str) -> int:
    return conn.execute(
        "SELECT COUNT(*) FROM attribution_conversions WHERE tenant_id = ?", (tenant_id,)
    ).fetchone()[0]


# -- a replay's raw conversions (a report with another lookback) ---------------------------


def persons_created(
    conn: Connection, tenant_id: str, since: str, until: str, limit: int
) -> list[dict[str, Any]]:
    """Up to ``limit`` persons created in [since, until)."""
    return _dicts(
        conn.execute(
            "SELECT person_id, created_at, lead_creation_touch_id FROM persons"
            " WHERE tenant_id = ? AND created_at >= ? AND created_at < ? LIMIT ?",
            (tenant_id, since, until, limit),
        )
    )


def deals_created(
    conn: Connection, tenant_id: str, since: str, until: str, limit: int
) -> list[dict[str, Any]]:
    return _dicts(
        conn.execute(
            f"SELECT {_DEAL_COLUMNS} FROM deals"
            " WHERE tenant_id = ? AND created_at >= ? AND created_at < ? LIMIT ?",
            (tenant_id, since, until, limit),
        )
    )


def deals_won(
    conn: Connection, tenant_id: str, since: str, until: str, currency: str, limit: int
) -> list[dict[str, Any]]:
    return _dicts(
        conn.execute(
            f"SELECT {_DEAL_COLUMNS} FROM deals WHERE tenant_id = ? AND closed_at >= ?"
            " AND closed_at < ? AND status = 'won' AND currency = ? LIMIT ?",
            (tenant_id, since, until, currency, limit),
        )
    )


def lock(
    conn: Connection, tenant_id: str, person_ids: Sequence[str], deal_ids: Sequence[str]
) -> None:
    """PostgreSQL: the rows whose conversions are about to be recomputed, locked until the
    transaction ends, in id order, before anything is read: of two recreditings of the same
    person or deal at once (the follower and a deal's change, or an erasure), the second
    waits and reads what the first committed, so neither writes over the other's rows and
    moves the rollups by a stale difference. An erased person's row is gone when the lock
    is granted: nothing is recomputed for them. Nothing on SQLite (one writer)."""
    if dialect_of_connection(conn) != POSTGRES:
        return
    for ids in _chunks(sorted(set(person_ids))):
        conn.execute(
            "SELECT person_id FROM persons"
            f" WHERE tenant_id = ? AND person_id IN ({_marks(ids)}) ORDER BY person_id FOR UPDATE",
            (tenant_id, *ids),
        ).fetchall()
    for ids in _chunks(sorted(set(person_ids))):
        conn.execute(
            "SELECT deal_id FROM deals"
            f" WHERE tenant_id = ? AND person_id IN ({_marks(ids)}) ORDER BY deal_id FOR UPDATE",
            (tenant_id, *ids),
        ).fetchall()
    for ids in _chunks(sorted(set(deal_ids))):
        conn.execute(
            "SELECT deal_id FROM deals"
            f" WHERE tenant_id = ? AND deal_id IN ({_marks(ids)}) ORDER BY deal_id FOR UPDATE",
            (tenant_id, *ids),
        ).fetchall()
