"""A report under another lookback than the kept 90 days: the conversions of the range read
from the raw data (persons created, deals created, deals won in the tenant's currency) and
credited again under that window, bounded (``storage/attribution.MAX_REPLAY``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from ingest.domain.credits import conversion_rows, deal_rows
from ingest.storage import Connection
from ingest.storage import credits as store


def _start(day: date) -> str:
    return f"{day.isoformat()}T00:00:00.000Z"


def replay(
    conn: Connection,
    tenant_id: str,
    *,
    conversion: str,
    model: str,
    by: str,
    first_day: date,
    last_day: date,
    lookback_days: int,
    currency: str,
    campaign: Sequence[str] | None,
    limit: int,
) -> tuple[dict[str, list[int]], tuple[int, int], int]:
    """(parts and cents per key, (conversions with no touch, their cents), conversions)."""
    from ingest.storage.attribution import ReportTooLarge, key_of

    since, until = _start(first_day), _start(last_day + timedelta(days=1))
    if conversion == "contact_create":
        subjects: list[dict[str, Any]] = store.persons_created(
            conn, tenant_id, since, until, limit + 1
        )
    elif conversion == "deal_create":
        subjects = store.deals_created(conn, tenant_id, since, until, limit + 1)
    else:
        subjects = store.deals_won(conn, tenant_id, since, until, currency, limit + 1)
    if len(subjects) > limit:
        raise ReportTooLarge(
            f"a report with another lookback than 90 days is computed from the raw data and"
            f" covers at most {limit:,} conversions; choose a shorter period"
        )
    if conversion == "contact_create":
        persons = {p["person_id"]: p for p in subjects}
    else:
        whose = sorted({d["person_id"] for d in subjects if d["person_id"]})
        persons = {p["person_id"]: p for p in store.persons(conn, tenant_id, whose)}
    journeys = store.journeys(conn, tenant_id, sorted(persons))
    sums: dict[str, list[int]] = {}
    untouched = [0, 0]
    counted: set[str] = set()
    for subject in subjects:
        if conversion == "contact_create":
            person = subject
            rows = conversion_rows(
                conversion,
                person["person_id"],
                person["person_id"],
                person["created_at"],
                journeys.get(person["person_id"], []),
                lead_creation_id=person["lead_creation_touch_id"],
                lookback_days=lookback_days,
                models=[model],
            )
        else:
            person = persons.get(subject["person_id"] or "")
            rows = deal_rows(
                subject,
                journeys.get(person["person_id"], []) if person else [],
                person["lead_creation_touch_id"] if person else None,
                lookback_days=lookback_days,
                models=[model],
            )
        (made,) = [c for c in rows[0] if c["conversion"] == conversion]
        credit_rows = [c for c in rows[1] if c["conversion"] == conversion]
        if campaign is not None:
            credit_rows = [c for c in credit_rows if c["campaign"] in campaign]
            if credit_rows:
                counted.add(made["subject_id"])
        else:
            counted.add(made["subject_id"])
            if not made["touched"]:
                untouched[0] += 1
                untouched[1] += made["amount"] or 0
        for c in credit_rows:
            got = sums.setdefault(key_of(by, c), [0, 0])
            got[0] += c["parts"]
            got[1] += c["cents"] or 0
    return sums, (untouched[0], untouched[1]), len(counted)
