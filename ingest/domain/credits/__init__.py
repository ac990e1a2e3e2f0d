"""Kept attribution credits: which conversions the raw data holds, every offered model's
credits for each (``ingest/domain/attribution``, default 90-day lookback), and keeping them
right as the data changes. Statements: ``ingest/storage/credits.py``.

Conversions (issue 14, "Attribution, defined exactly"):

- ``contact_create``: a person's creation, at their ``created_at``, subject the person;
- ``deal_create``: a deal's creation, at its ``created_at``, subject the deal;
- ``revenue``: a deal won, at its ``closed_at``, with its amount, subject the deal. An open
  (reopened) or lost deal has none.

A deal's conversions are credited from its person's journey; a deal without a person (its
person erased) keeps its conversions with no credit: counted by reports under the null key.

When: a deal's conversions in the deal's own transaction (``credit_deal``, called by
``domain/deals.py`` create and change); a person's (their creation and their deals', as a
later submission may bring touches that change their journey) by the follower
(``follower.py``), out of the submission's transaction; erasure in its own
(``forget_person``). ``rebuild`` recomputes a tenant from scratch (the CLI's
``credits recompute``), ``differences`` compares kept with recomputed (``--check``).

Currency: revenue conversions keep the deal's currency; reports of revenue count the deals in
the tenant's currency only (amounts in different currencies do not add up, and the service
has no exchange rates).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ingest.domain.attribution import (
    DEFAULT_LOOKBACK_DAYS,
    UNIT,
    as_touch,
    check,
    identity,
    journey,
    largest_remainder,
    offered,
    positions,
    shares,
)
from ingest.domain.channels import channel
from ingest.storage import Connection
from ingest.storage import credit_rollups as rollups
from ingest.storage import credits as store

Rows = tuple[list[dict[str, Any]], list[dict[str, Any]]]  # (conversions, credits)


def _touches(rows: Iterable[dict[str, Any]]) -> tuple[list[Any], dict[tuple[str, ...], str]]:
    """The journey's touches, and per touch identity the smallest id of a row reporting it."""
    touches, ids = [], {}
    for row in rows:
        touch = as_touch(row)
        touches.append(touch)
        key = identity(touch)
        ids[key] = min(ids.get(key, row["touch_id"]), row["touch_id"])
    return touches, ids


def conversion_rows(
    conversion: str,
    subject_id: str,
    person_id: str | None,
    converted_at: str,
    touch_rows: list[dict[str, Any]],
    *,
    lead_creation_id: str | None = None,
    deal: dict[str, Any] | None = None,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    models: Sequence[str] | None = None,
) -> Rows:
    """One conversion's row and its credits under every offered model (or ``models``)."""
    touches, ids = _touches(touch_rows)
    lead_creation = next(
        (as_touch(r) for r in touch_rows if r["touch_id"] == lead_creation_id), None
    )
    amount = int(deal["amount"]) if conversion == "revenue" and deal else None
    currency = deal["currency"] if conversion == "revenue" and deal else ""
    day = converted_at[:10]
    options: dict[str, Any] = {"lead_creation": lead_creation, "lookback_days": lookback_days}
    if conversion == "deal_create":
        options["deal_created_at"] = converted_at
    elif conversion == "revenue":
        options["deal_created_at"] = deal["created_at"] if deal else None
        options["deal_closed_at"] = converted_at
        options["amount_cents"] = amount
    rows = []
    for model, c in _credits(
        conversion, models or offered(conversion), touches, converted_at, options
    ):
        rows.append(
            {
                "conversion": conversion,
                "subject_id": subject_id,
                "model": model,
                "position": c["index"],
                "touch_id": ids.get(identity(c["touch"])),
                "touch_at": c["touch"].at,
                "source": c["touch"].source,
                "medium": c["touch"].medium,
                "campaign": c["touch"].campaign or "",
                "channel": c["channel"],
                "positions": c["positions"],
                "parts": c["parts"],
                "cents": c["cents"],
                "day": day,
                "currency": currency,
            }
        )
    row = {
        "conversion": conversion,
        "subject_id": subject_id,
        "person_id": person_id,
        "converted_at": converted_at,
        "day": day,
        "amount": amount,
        "currency": currency,
        "touched": 1 if rows else 0,
    }
    return [row], rows


def _credits(
    conversion: str,
    models: Sequence[str],
    touches: list[Any],
    converted_at: str,
    options: dict[str, Any],
) -> list[tuple[str, dict[str, Any]]]:
    """``attribution.credits`` for several models of one conversion, the journey, its
    positions and its touches' channels worked out once (the same steps as ``credits``, which
    ``tests/test_credits.py`` checks on random journeys): (model, credit) pairs."""
    lead_creation = options.get("lead_creation")
    known = [*touches, lead_creation] if lead_creation is not None else list(touches)
    steps = journey(known, converted_at=converted_at, lookback_days=options["lookback_days"])
    if not steps:
        for model in models:
            check(conversion, model)
        return []
    where = positions(
        steps,
        lead_creation=lead_creation,
        deal_created_at=options.get("deal_created_at"),
        deal_closed_at=options.get("deal_closed_at"),
    )
    at = [t.at for t in steps]
    channels = [channel(t.source, t.medium, t.campaign, t.click_ids, t.referrer) for t in steps]
    amount = options.get("amount_cents")
    out = []
    for model in models:
        check(conversion, model)
        exact = shares(model, at, where, converted_at)
        parts = largest_remainder(exact, UNIT)
        cents = largest_remainder(exact, amount) if amount is not None else None
        for i, touch in enumerate(steps):
            touch_cents = cents[i] if cents is not None else None
            if parts[i] == 0 and not touch_cents:
                continue
            out.append(
                (
                    model,
                    {
                        "touch": touch,
                        "index": i,
                        "positions": where.letters(i),
                        "parts": parts[i],
                        "cents": touch_cents,
                        "channel": channels[i],
                    },
                )
            )
    return out


def deal_rows(
    deal: dict[str, Any],
    touch_rows: list[dict[str, Any]],
    lead_creation_id: str | None,
    **options: Any,
) -> Rows:
    """A deal's conversions: its creation, and its close when won."""
    conversions: list[dict[str, Any]] = []
    credit_rows: list[dict[str, Any]] = []
    kinds = [("deal_create", deal["created_at"])]
    if deal["status"] == "won" and deal["closed_at"]:
        kinds.append(("revenue", deal["closed_at"]))
    for conversion, at in kinds:
        found = conversion_rows(
            conversion,
            deal["deal_id"],
            deal["person_id"],
            at,
            touch_rows,
            lead_creation_id=lead_creation_id,
            deal=deal,
            **options,
        )
        conversions += found[0]
        credit_rows += found[1]
    return conversions, credit_rows


def computed(
    conn: Connection,
    tenant_id: str,
    *,
    person_ids: Sequence[str] = (),
    deal_ids: Sequence[str] = (),
    extra_deals: Sequence[dict[str, Any]] = (),
) -> Rows:
    """Recomputed from the raw data: the conversions of those persons (their creation and
    their deals) and of those deals, with their credits."""
    persons = {p["person_id"]: p for p in store.persons(conn, tenant_id, person_ids)}
    deal_list = {d["deal_id"]: d for d in store.deals_of_persons(conn, tenant_id, list(persons))}
    for d in [*store.deals(conn, tenant_id, deal_ids), *extra_deals]:
        deal_list[d["deal_id"]] = d
    whose = set(persons) | {d["person_id"] for d in deal_list.values() if d["person_id"]}
    missing = [p for p in whose if p not in persons]
    persons.update({p["person_id"]: p for p in store.persons(conn, tenant_id, missing)})
    journeys = store.journeys(conn, tenant_id, sorted(persons))
    conversions: list[dict[str, Any]] = []
    credit_rows: list[dict[str, Any]] = []
    for person_id in sorted(set(persons) & set(person_ids)):
        person = persons[person_id]
        found = conversion_rows(
            "contact_create",
            person_id,
            person_id,
            person["created_at"],
            journeys.get(person_id, []),
            lead_creation_id=person["lead_creation_touch_id"],
        )
        conversions += found[0]
        credit_rows += found[1]
    for deal_id in sorted(deal_list):
        deal = deal_list[deal_id]
        person = persons.get(deal["person_id"]) if deal["person_id"] else None
        found = deal_rows(
            deal,
            journeys.get(deal["person_id"], []) if person else [],
            person["lead_creation_touch_id"] if person else None,
        )
        conversions += found[0]
        credit_rows += found[1]
    return conversions, credit_rows


def recredit(
    conn: Connection,
    tenant_id: str,
    *,
    person_ids: Sequence[str] = (),
    deal_ids: Sequence[str] = (),
) -> None:
    """In the caller's transaction: the kept conversions of those persons and deals replaced
    by their recomputation (the rollups moved by the difference)."""
    store.lock(conn, tenant_id, person_ids, deal_ids)
    old = store.kept(conn, tenant_id, person_ids=person_ids, deal_ids=deal_ids)
    # A deal kept under the person but no longer theirs is recomputed too.
    old_deals = [c["subject_id"] for c in old[0] if c["conversion"] != "contact_create"]
    new = computed(conn, tenant_id, person_ids=person_ids, deal_ids=sorted({*deal_ids, *old_deals}))
    store.replace(conn, tenant_id, old, new)


def credit_deal(conn: Connection, tenant_id: str, deal_id: str) -> None:
    """A deal created or changed: its conversions recomputed in the deal's transaction."""
    recredit(conn, tenant_id, deal_ids=[deal_id])


def forget_person(conn: Connection, tenant_id: str, person_id: str, deal_ids: list[str]) -> None:
    """Erasure, after the person's rows are deleted and their deals unlinked: their creation's
    conversion and credits go, their deals' conversions stay without credits."""
    recredit(conn, tenant_id, person_ids=[person_id], deal_ids=deal_ids)


def differences(conn: Connection, tenant_id: str, *, batch: int = 500) -> list[str]:
    """Where what is kept differs from a recomputation from the raw data, and where the
    rollups differ from the sums of the kept credits (empty when all is right)."""
    out: list[str] = []
    after = ""
    while persons := store.person_page(conn, tenant_id, after, batch):
        after = persons[-1]
        out += _compare(
            store.kept(conn, tenant_id, person_ids=persons),
            computed(conn, tenant_id, person_ids=persons),
        )
    loose = [d["deal_id"] for d in store.deals_without_person(conn, tenant_id)]
    if loose:
        out += _compare(
            store.kept(conn, tenant_id, deal_ids=loose),
            computed(conn, tenant_id, deal_ids=loose),
        )
    out += [
        f"kept {o['conversion']} {o['subject_id']}: no longer exists"
        for o in store.orphans(conn, tenant_id)
    ]
    out += rollups.rollup_differences(conn, tenant_id)
    return out


def _compare(kept: Rows, fresh: Rows) -> list[str]:
    out = []
    for i, (columns, what) in enumerate(
        ((store.CONVERSION_COLUMNS, "conversion"), (store.CREDIT_COLUMNS, "credit"))
    ):
        a = {tuple(r[c] for c in columns) for r in kept[i]}
        b = {tuple(r[c] for c in columns) for r in fresh[i]}
        out += [f"kept {what} not recomputed: {row}" for row in sorted(a - b, key=repr)]
        out += [f"recomputed {what} not kept: {row}" for row in sorted(b - a, key=repr)]
    return out


def rebuild(conn: Connection, tenant_id: str, *, batch: int = 500) -> int:
    """In the caller's transaction: the tenant's kept credits replaced by a recomputation,
    the rollups summed from them. Returns the conversions."""
    rollups.clear(conn, tenant_id)
    count = 0
    after = ""
    while persons := store.person_page(conn, tenant_id, after, batch):
        after = persons[-1]
        conversions, credit_rows = computed(conn, tenant_id, person_ids=persons)
        store.insert_rows(conn, tenant_id, conversions, credit_rows)
        count += len(conversions)
    loose = [d["deal_id"] for d in store.deals_without_person(conn, tenant_id)]
    if loose:
        conversions, credit_rows = computed(conn, tenant_id, deal_ids=loose)
        store.insert_rows(conn, tenant_id, conversions, credit_rows)
        count += len(conversions)
    rollups.sum_rollups(conn, tenant_id)
    return count
