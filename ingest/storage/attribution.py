"""The attribution report's reads (``attribution_report``, for the API, the attribution page
and the campaign page): credits summed per key over the conversions of a range of UTC days.

Under the default 90-day lookback a report is a sum over the kept rollups and totals
(migration 0022), one indexed range per report. Another lookback is a replay from the raw
data (``ingest/domain/credits/replay.py``), bounded to ``MAX_REPLAY`` conversions. The date
range applies to the conversion's day (the person's creation, the deal's creation or close),
never to the touches'.

Keys: source, medium, campaign, source / medium or channel; a touch without a campaign is
grouped under ``(not set)`` (as GA4 shows it, and as a touch without a medium has it); the
conversions with no touch in the window are one row with key None. Revenue counts the deals
in the tenant's currency only (the service has no exchange rates).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ingest.domain.attribution import DEFAULT_LOOKBACK_DAYS, GROUPINGS, UNIT, check
from ingest.storage import Connection
from ingest.storage.stages import tenant_currency

NOT_SET = "(not set)"
MAX_REPLAY = 5_000  # conversions a report with another lookback may replay (about 2 s)
MAX_LOOKBACK = 730
MAX_CAMPAIGNS = 50
_COLUMNS = {
    "source": ("source",),
    "medium": ("medium",),
    "campaign": ("campaign",),
    "source_medium": ("source", "medium"),
    "channel": ("channel",),
}


class ReportTooLarge(ValueError):
    """A replay over more conversions than ``MAX_REPLAY``: the API's 400."""


@dataclass(frozen=True)
class Row:
    key: str | None  # None: the conversions with no touch in the window
    parts: int  # of UNIT per conversion: the credit is parts / UNIT
    cents: int | None  # revenue only


@dataclass(frozen=True)
class Report:
    conversion: str
    model: str
    by: str
    first_day: date
    last_day: date
    lookback_days: int
    currency: str | None  # revenue: the tenant's
    rows: list[Row] = field(default_factory=list)
    conversions: int = 0
    replayed: bool = False


def key_of(by: str, values: dict[str, Any]) -> str:
    """The report's key of one credit or rollup row (with its source, medium, campaign and
    channel)."""
    if by == "source_medium":
        return f"{values['source']} / {values['medium']}"
    if by == "campaign":
        return values["campaign"] or NOT_SET
    return values[by]


def validate(
    conversion: str, model: str, by: str, lookback_days: int, campaign: Sequence[str] | None
) -> None:
    """Raises ValueError (``NotOffered`` for conversions and models) with a clear message."""
    check(conversion, model)
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}; one of {', '.join(GROUPINGS)}")
    if not 0 <= lookback_days <= MAX_LOOKBACK:
        raise ValueError(f"lookback_days must be 0-{MAX_LOOKBACK}")
    if campaign is not None and len(campaign) > MAX_CAMPAIGNS:
        raise ValueError(f"at most {MAX_CAMPAIGNS} campaign values")


def attribution_report(
    conn: Connection,
    tenant_id: str,
    *,
    conversion: str,
    model: str,
    by: str,
    first_day: date | str,
    last_day: date | str,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    campaign: Sequence[str] | None = None,
) -> Report:
    """Credits per key of the conversions whose UTC day is in ``first_day``-``last_day``
    (included), with ``campaign`` (utm_campaign values) only those credits whose touch's
    campaign is one of them (then ``conversions`` counts the conversions credited to them,
    and there is no null row)."""
    validate(conversion, model, by, lookback_days, campaign)
    first, last = _day(first_day), _day(last_day)
    currency = ""
    if conversion == "revenue":
        currency = tenant_currency(conn, tenant_id) or "EUR"
    report = Report(
        conversion, model, by, first, last, lookback_days, currency or None, replayed=False
    )
    if lookback_days != DEFAULT_LOOKBACK_DAYS:
        from ingest.domain.credits import replay  # the rules of a replay are the domain's

        sums, untouched, count = replay.replay(
            conn,
            tenant_id,
            conversion=conversion,
            model=model,
            by=by,
            first_day=first,
            last_day=last,
            lookback_days=lookback_days,
            currency=currency,
            campaign=campaign,
            limit=MAX_REPLAY,
        )
        return _finish(report, sums, untouched, count, replayed=True)
    columns = _COLUMNS[by]
    where = (
        "tenant_id = ? AND conversion = ? AND model = ? AND currency = ? AND day >= ? AND day <= ?"
    )
    params: list[Any] = [
        tenant_id,
        conversion,
        model,
        currency,
        first.isoformat(),
        last.isoformat(),
    ]
    if campaign is not None:
        where += f" AND campaign IN ({', '.join('?' for _ in campaign)})"
        params += list(campaign)
    sums: dict[str, list[int]] = {}
    for row in conn.execute(
        f"SELECT {', '.join(columns)}, SUM(parts) AS parts, SUM(cents) AS cents"
        f" FROM attribution_rollups WHERE {where} GROUP BY {', '.join(columns)}",
        params,
    ):
        values = dict(zip(row.keys(), row, strict=True))
        got = sums.setdefault(key_of(by, values), [0, 0])
        got[0] += int(values["parts"])
        got[1] += int(values["cents"] or 0)
    if campaign is not None:
        (count,) = conn.execute(
            f"SELECT COUNT(DISTINCT subject_id) FROM attribution_credits WHERE {where}",
            params,
        ).fetchone()
        return _finish(report, sums, (0, 0), int(count or 0), replayed=False)
    total = conn.execute(
        "SELECT SUM(conversions), SUM(untouched), SUM(untouched_cents) FROM attribution_totals"
        " WHERE tenant_id = ? AND conversion = ? AND currency = ? AND day >= ? AND day <= ?",
        (tenant_id, conversion, currency, first.isoformat(), last.isoformat()),
    ).fetchone()
    return _finish(
        report, sums, (int(total[1] or 0), int(total[2] or 0)), int(total[0] or 0), False
    )


def _finish(
    report: Report,
    sums: dict[str, list[int]],
    untouched: tuple[int, int],
    count: int,
    replayed: bool,
) -> Report:
    revenue = report.conversion == "revenue"
    rows = [
        Row(key, parts, cents if revenue else None)
        for key, (parts, cents) in sums.items()
        if parts or cents
    ]
    rows.sort(key=lambda r: (-r.parts, -(r.cents or 0), r.key or ""))
    if untouched[0]:
        rows.append(Row(None, untouched[0] * UNIT, untouched[1] if revenue else None))
    return Report(
        report.conversion,
        report.model,
        report.by,
        report.first_day,
        report.last_day,
        report.lookback_days,
        report.currency,
        rows,
        count,
        replayed,
    )


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


# -- the conversions behind a row (the attribution page's trace) ---------------------------

TRACE_LIMIT = 200


def conversions_behind(
    conn: Connection,
    tenant_id: str,
    *,
    conversion: str,
    model: str,
    by: str,
    key: str | None,
    first_day: date | str,
    last_day: date | str,
    campaign: Sequence[str] | None = None,
    limit: int = TRACE_LIMIT,
) -> list[dict[str, Any]]:
    """The kept conversions (default lookback) behind one row of a report, newest first, at
    most ``limit``: each with its credit to that key (parts, cents) and the touches credited
    (source, medium, campaign, positions, at), and the person's email or the deal's title.
    ``key`` None: the conversions with no touch in the window."""
    validate(conversion, model, by, DEFAULT_LOOKBACK_DAYS, campaign)
    first, last = _day(first_day).isoformat(), _day(last_day).isoformat()
    currency = ""
    if conversion == "revenue":
        currency = tenant_currency(conn, tenant_id) or "EUR"
    if key is None:
        rows = conn.execute(
            "SELECT c.subject_id, c.person_id, c.converted_at, c.amount FROM"
            " attribution_conversions c WHERE c.tenant_id = ? AND c.conversion = ?"
            " AND c.day >= ? AND c.day <= ? AND c.currency = ? AND c.touched = 0"
            " ORDER BY c.day DESC, c.subject_id LIMIT ?",
            (tenant_id, conversion, first, last, currency, limit),
        ).fetchall()
        found = [
            {
                "subject_id": r[0],
                "person_id": r[1],
                "converted_at": r[2],
                "parts": UNIT,
                "cents": r[3] if conversion == "revenue" else None,
                "touches": [],
            }
            for r in rows
        ]
        return _named(conn, tenant_id, conversion, found)
    where = [f"{column} = ?" for column in _COLUMNS[by]]
    values: list[Any]
    if by == "source_medium":
        source, _, medium = key.partition(" / ")
        values = [source, medium]
    elif by == "campaign":
        values = ["" if key == NOT_SET else key]
    else:
        values = [key]
    sql = (
        "SELECT subject_id, position, touch_at, source, medium, campaign, channel, positions,"
        " parts, cents, day FROM attribution_credits WHERE tenant_id = ? AND conversion = ?"
        " AND model = ? AND day >= ? AND day <= ? AND currency = ? AND " + " AND ".join(where)
    )
    params: list[Any] = [tenant_id, conversion, model, first, last, currency, *values]
    if campaign is not None:
        sql += f" AND campaign IN ({', '.join('?' for _ in campaign)})"
        params += list(campaign)
    sql += " ORDER BY day DESC, subject_id, position"
    by_subject: dict[str, dict[str, Any]] = {}
    for r in conn.execute(sql, params):
        row = dict(zip(r.keys(), r, strict=True))
        got = by_subject.get(row["subject_id"])
        if got is None:
            if len(by_subject) >= limit:
                break
            got = by_subject[row["subject_id"]] = {
                "subject_id": row["subject_id"],
                "parts": 0,
                "cents": 0 if conversion == "revenue" else None,
                "touches": [],
            }
        got["parts"] += row["parts"]
        if conversion == "revenue":
            got["cents"] += row["cents"] or 0
        got["touches"].append(
            {k: row[k] for k in ("source", "medium", "campaign", "channel", "positions")}
            | {"at": row["touch_at"], "parts": row["parts"]}
        )
    found = list(by_subject.values())
    if found:
        ids = [f["subject_id"] for f in found]
        marks = ", ".join("?" for _ in ids)
        times = {
            r[0]: (r[1], r[2])
            for r in conn.execute(
                "SELECT subject_id, person_id, converted_at FROM attribution_conversions"
                f" WHERE tenant_id = ? AND conversion = ? AND subject_id IN ({marks})",
                (tenant_id, conversion, *ids),
            )
        }
        for f in found:
            f["person_id"], f["converted_at"] = times.get(f["subject_id"], (None, None))
    return _named(conn, tenant_id, conversion, found)


def _named(
    conn: Connection, tenant_id: str, conversion: str, found: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each conversion with its person's email, and for deals the deal's title."""
    person_ids = sorted({f["person_id"] for f in found if f.get("person_id")})
    emails: dict[str, str] = {}
    if person_ids:
        marks = ", ".join("?" for _ in person_ids)
        emails = {
            r[0]: r[1]
            for r in conn.execute(
                "SELECT person_id, email FROM persons"
                f" WHERE tenant_id = ? AND person_id IN ({marks})",
                (tenant_id, *person_ids),
            )
        }
    titles: dict[str, str] = {}
    if conversion != "contact_create" and found:
        ids = [f["subject_id"] for f in found]
        marks = ", ".join("?" for _ in ids)
        titles = {
            r[0]: r[1]
            for r in conn.execute(
                f"SELECT deal_id, title FROM deals WHERE tenant_id = ? AND deal_id IN ({marks})",
                (tenant_id, *ids),
            )
        }
    for f in found:
        f["email"] = emails.get(f.get("person_id") or "")
        f["title"] = titles.get(f["subject_id"])
    return found
