"""The demo's leads worked by its people: after ``generate`` wrote the history (its persons
start Open, their new companies Lead), some leads move on (Contacting, then Qualified,
Disqualified or Recontact) on later days, most get an owner, and a few companies become
customers or partners, their persons keeping their last status read-only. Written with the
lead store's own statements, at generated times, in one transaction."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from ingest import storage
from ingest.clock import iso_time
from ingest.storage import leads as store
from ingest.storage import links

# Where a lead that was contacted ends up, with weights.
OUTCOMES = (("sts_qualified", 4), ("sts_disqualified", 3), ("sts_recontact", 2), (None, 3))
MAX_LEADS = 20_000


def work_leads(db_url: str, tenant_id: str, *, seed: int, now: datetime | None = None) -> int:
    """Returns how many status changes were written."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)

    def work(conn: Any) -> int:
        owners = [user_id for user_id, _ in store.members(conn, tenant_id)]
        changes = 0
        categorized: set[str] = set()
        for row in store.lead_persons(conn, tenant_id, MAX_LEADS):
            at = datetime.fromisoformat(row["created_at"].replace("Z", "+00:00"))
            person_id, status = row["person_id"], row["lead_status_id"]
            if owners and rng.random() < 0.7:
                store.set_person_owner(conn, tenant_id, person_id, rng.choice(owners))
            if rng.random() < 0.35:
                continue  # still Open
            for target in ("sts_contacting", _outcome(rng)):
                at += timedelta(days=rng.uniform(0.5, 12))
                if target is None or at >= now:
                    break
                who = rng.choice(owners) if owners else None
                store.set_status(
                    conn, tenant_id, person_id, old=status, new=target, user_id=who,
                    at=iso_time(at),
                )  # fmt: skip
                status, changes = target, changes + 1
            company = row["company_id"]
            if status == "sts_qualified" and company and company not in categorized:
                categorized.add(company)
                later = at + timedelta(days=rng.uniform(3, 30))
                if later < now and rng.random() < 0.4:
                    store.set_category(
                        conn, tenant_id, company, old="cat_lead",
                        new=rng.choice(("cat_customer", "cat_customer", "cat_partner")),
                        user_id=rng.choice(owners) if owners else None, at=iso_time(later),
                    )  # fmt: skip
        return changes

    with storage.migrated(db_url) as conn:
        return storage.in_transaction(conn, work)


def _outcome(rng: random.Random) -> str | None:
    names, weights = zip(*OUTCOMES, strict=True)
    return rng.choices(names, weights)[0]


# The demo marketer's campaigns (the Links page's), each owning utm_campaign values the
# generated traffic uses, so the Campaigns pages show named campaigns beside unowned values.
CAMPAIGNS = (
    ("Brand 2026", ["brand_awareness", "brand_search"]),
    ("Spring sale", ["spring_sale"]),
    ("Webinars and events", ["webinar_sept", "event_invite"]),
)


def name_campaigns(db_url: str, tenant_id: str) -> int:
    """Makes the demo's campaigns that are not there yet; returns how many it made."""

    def work(conn: Any) -> int:
        named = {row["name"] for row in links.list_campaigns(conn, tenant_id)}
        made = 0
        for name, values in CAMPAIGNS:
            if name not in named:
                links.create_campaign(conn, tenant_id, name, values)
                made += 1
        return made

    return storage.transaction(db_url, work)
