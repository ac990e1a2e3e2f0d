"""Export and erasure of one person, for privacy requests (access and erasure).

A person's footprint is: their ``persons`` row; their submissions with the values they
typed; every touch those point at (first touch, lead creation, conversions, and the touch
history in ``submission_touches``); the page-view sessions and page views of the visitor ids
their submissions carried (utm.js's ``ls_visitor_id``); and their company, which is erased
only when no other person belongs to it; their lead status history, and their company's
category history when the company goes with them. Export and erase work from the same footprint, so
what one shows is exactly what the other deletes.

Touches are never shared between submissions (each submission inserts its own), so deleting
a person's touches takes nothing from anyone else. The one exception is a company's source,
which is the conversion touch of the person who created it: when that company stays (other
persons belong to it), it keeps its name and loses that source, which is the erased person's
visit. A visitor id shared by two persons (one browser, two people) loses its sessions with
either: a browser's page views cannot be split between people.

Every table is in ``PERSONAL_TABLES``, in ``NO_PERSONAL_DATA`` with the reason, or in
``DERIVED_TABLES`` (an index of personal data, emptied with the rows it indexes);
``tests/test_erasure.py`` fails on a table that is in none.

Both are plain functions of a connection: ``erase`` runs as one writer job (one
transaction) or in the CLI's transaction, ``export`` in one read transaction. Their
statements are ``ingest/storage/footprints.py``'s.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ingest.clock import utcnow
from ingest.domain import credits
from ingest.storage import Connection, deals, search_index
from ingest.storage import credit_follower as credit_store
from ingest.storage import footprints as store
from ingest.storage.reads import StoreError
from ingest.storage.reports import kept

EXPORT_FORMAT = "leadsource.person/1"

PERSONAL_TABLES = (
    "persons",
    "companies",
    "submissions",
    "submission_touches",
    "touches",
    "sessions",
    "pageviews",
    # The person's lead status changes; their company's category changes go with the company.
    "lead_status_history",
    "category_history",
)

NO_PERSONAL_DATA = {
    "schema_migrations": "migration versions, names and times",
    "tenants": "the customer's settings",
    # created_by is the admin who made the key (a user of the customer), not a lead.
    "api_keys": "hashes of the customer's API keys, their names, who made them and when",
    "tenant_origins": "the customer's website origins",
    "forms": "form definitions: names, field labels, thank-you pages",
    # A hash of a client address is pseudonymous, but these rows name no person and cannot
    # be tied to one (no person, visitor or submission id is stored with them), so a request
    # has nothing to find here; and they are deleted once their rate window has passed
    # (ingest/limits.py), within two windows: two minutes by default.
    "rate_counters": "hashed client addresses per rate window, deleted after the window",
    "campaigns": "the customer's campaign names",
    "campaign_values": "the utm_campaign values each campaign owns",
    # created_by is the marketer who built the link (a user of the customer), not a lead.
    "tracking_urls": "links the customer's marketers built, with who built them",
    # Personal data of the customer's staff, not of the leads this module exports and erases.
    "users": "accounts of the app (staff emails, password hashes), not leads",
    "memberships": "which app accounts belong to which tenant, with their role",
    "service_secrets": "the service's generated keys",
    # The origin is the customer's own website's (or what a Referer claimed), never a
    # visitor's page address: no path, no query, no visitor or person id.
    "script_sightings": "origins of websites that loaded the tenant's utm.js, and when",
    # A deal is the customer's own sales record (its amounts, stages and dates are the
    # business's books, not the lead's data): erasure keeps it but removes its person (and
    # the company when that goes too), so nothing in it leads back to them; an export lists
    # the person's deals. A title naming the person is the customer's to edit.
    "deals": "the customer's sales records: kept, their link to the erased person removed",
    "pipeline_stages": "the customer's pipeline stages and their probabilities",
    "deal_history": "changes of a deal's stage, status and amount, by the customer's users",
    "category_groups": "the customer's names for groups of company categories",
    "categories": "the customer's names for company categories",
    "lead_statuses": "the customer's names for lead statuses",
    # A selection is a saved search: list parameters (statuses, categories, owners, sources,
    # dates) and who saved it, never a row of a person. Its free text (q) is what a user of
    # the customer typed, and the app saves no exact-email filter; if a user typed a lead's
    # address into the search, that text is the customer's staff's (as a bookmarked address
    # would be): an erasure neither finds nor rewrites it, and an admin deletes the selection.
    "selections": "saved list searches (filters and free text) and who made them",
    # A tile is a report's settings: a measure, a grouping, a period, filters by owner,
    # category, channel or way in (values the customer's users chose), never a person's row.
    "dashboards": "the customer's dashboards: names and order",
    "dashboard_tiles": "report settings of the dashboards' tiles (measure, grouping, period,"
    " filters)",
    # Kept with persons (storage/lead_counts.py): an erased person leaves their count.
    "lead_counts": "how many persons stand in each lead status per owner: numbers only",
    # Kept with persons and deals (storage/reports/kept.py): an erasure moves them first.
    "person_days": "the reports' counts of persons per day and status, owner, category,"
    " source, medium, campaign, channel, way in, form: numbers, no person",
    "deal_days": "the reports' counts and sums of deals per day, currency and lead-creation"
    " source, medium, campaign, channel: numbers, no person",
    # Kept with sessions, persons and deals (storage/campaign_counts.py): an erased person's
    # sessions, creation and deals leave their counts in the erasure's transaction.
    "campaign_counts": "per campaign value and day, how many sessions, views, new contacts,"
    " deals and won deals (and revenue) there were: numbers only",
    # Kept with person_campaign_days (storage/campaign_reach.py): an erased person's reaches
    # are taken away before their rows are deleted.
    "campaign_reach": "per campaign and day, how many persons it reached for the first time"
    " since an earlier day: numbers only",
    "person_search_indexed": "one number: the persons' rowid up to which SQLite's search"
    " index is filled",
    "attribution_followed": "one number: the submissions' rowid up to which the credits"
    " follower has credited their persons",
}

# Indexes kept as tables (SQLite's full-text index is a virtual table): personal data, as
# they are made of it, but derived from a PERSONAL_TABLES row and removed with it by the
# database itself; nothing to export. ``tests/test_erasure.py`` checks the erased person's
# text is not found in it.
DERIVED_TABLES = {
    "person_search": "SQLite's trigram index of persons.search_key (email, names, company):"
    " a person's entries are deleted in the transaction that deletes their persons row"
    " (storage/search_index.forget, migration 0018)",
    "person_campaign_days": "the campaign values that reached a person, by day (the campaign"
    " pages' influenced contacts): derived from the person's submissions and touches, deleted"
    " with them (storage/footprints.delete_campaign_days)",
    "attribution_conversions": "a person's creation and their deals' creation and win, with"
    " the time: deleted for the person (their deals' stay, without credits) in the erasure's"
    " transaction (domain/credits.forget_person); recomputed from the raw data by"
    " leadsource credits recompute",
    "attribution_credits": "each touch's share of a conversion, with the touch's source,"
    " medium, campaign and time: the person's deleted in the erasure's transaction",
    "attribution_rollups": "sums of credits per day and source, medium, campaign and"
    " channel, no person: moved by the erased person's credits in the same transaction",
    "attribution_totals": "counts of conversions per day, no person: moved in the same transaction",
    "attribution_pending": "PostgreSQL: persons whose credits the follower has yet to"
    " compute: an erased person's row is deleted in the erasure's transaction",
    "person_search_changed": "the text SQLite's search index holds for a person whose"
    " search text changed since it was indexed, until the indexer replaces it: deleted with"
    " their persons row (storage/search_index.forget)",
}

# JSON text columns, returned as JSON values in an export.
_JSON_COLUMNS = frozenset({"fields", "click_ids"})


class PersonNotFound(StoreError):
    pass


@dataclass
class Footprint:
    """The keys of every row that is the person's, within one tenant."""

    tenant_id: str
    person: dict[str, Any]
    company: dict[str, Any] | None = None
    company_shared: bool = False  # other persons belong to the company: it stays
    submissions: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)  # submission_touches rows
    touch_ids: list[str] = field(default_factory=list)
    visitor_ids: list[str] = field(default_factory=list)
    status_history: list[dict[str, Any]] = field(default_factory=list)
    category_history: list[dict[str, Any]] = field(default_factory=list)  # the company's

    @property
    def person_id(self) -> str:
        return self.person["person_id"]

    @property
    def submission_ids(self) -> list[str]:
        return [s["submission_id"] for s in self.submissions]


def find_person(conn: Connection, tenant_id: str, email_or_id: str) -> str:
    """The id of the tenant's person with that email (any case) or person id."""
    value = email_or_id.strip()
    if "@" in value:
        found = store.person_id_by_email(conn, tenant_id, value.lower())
    else:
        found = store.person_id_by_id(conn, tenant_id, value)
    if found is None:
        raise PersonNotFound(f"no person {email_or_id!r} in tenant {tenant_id!r}")
    return found


def footprint(conn: Connection, tenant_id: str, person_id: str) -> Footprint:
    person = store.person(conn, tenant_id, person_id)
    if person is None:
        raise PersonNotFound(f"no person {person_id!r} in tenant {tenant_id!r}")
    found = Footprint(tenant_id, _row(person))
    found.submissions = [_row(r) for r in store.submissions(conn, tenant_id, person_id)]
    found.history = [
        _row(r) for r in store.submission_touches(conn, tenant_id, found.submission_ids)
    ]
    touch_ids = [person["first_touch_id"], person["lead_creation_touch_id"]]
    touch_ids += [s["conversion_touch_id"] for s in found.submissions]
    touch_ids += [h["touch_id"] for h in found.history]
    found.touch_ids = _unique(touch_ids)
    found.visitor_ids = _unique(s["visitor_id"] for s in found.submissions)
    found.status_history = [_row(r) for r in store.lead_status_history(conn, tenant_id, person_id)]
    if person["company_id"]:
        company = store.company(conn, tenant_id, person["company_id"])
        if company is not None:
            found.company = _row(company)
            found.company_shared = store.company_has_others(
                conn, tenant_id, person["company_id"], person_id
            )
            found.category_history = [
                _row(r) for r in store.category_history(conn, tenant_id, person["company_id"])
            ]
    return found


def export(conn: Connection, tenant_id: str, person_id: str) -> dict[str, Any]:
    """Everything stored about the person, every column of every row, as JSON values."""
    found = footprint(conn, tenant_id, person_id)
    touches = store.touches(conn, tenant_id, found.touch_ids)
    sessions = store.sessions(conn, tenant_id, found.visitor_ids)
    pageviews = store.pageviews(conn, tenant_id, found.visitor_ids)
    return {
        "format": EXPORT_FORMAT,
        "exported_at": utcnow(),
        "tenant_id": tenant_id,
        "person": found.person,
        "company": found.company,
        "company_shared": found.company_shared,
        "submissions": found.submissions,
        "submission_touches": found.history,
        "touches": [_row(r) for r in touches],
        "visitor_ids": found.visitor_ids,
        "sessions": [_row(r) for r in sessions],
        "pageviews": [_row(r) for r in pageviews],
        "deals": deals.deals_of_person_rows(conn, tenant_id, person_id),
        "lead_status_history": found.status_history,
        "category_history": found.category_history,
    }


def erase(conn: Connection, tenant_id: str, person_id: str) -> dict[str, Any]:
    """Delete the person's footprint; returns the rows deleted per table. Run inside one
    transaction. ``secure_delete`` overwrites the freed space with zeros, so the values do
    not linger in the file's free pages (backups keep them until they are rotated). On
    PostgreSQL the deleted rows leave the table files when (auto)vacuum reuses their space."""
    found = footprint(conn, tenant_id, person_id)
    with store.secure_delete(conn):
        return _erase(conn, found)


def _erase(conn: Connection, found: Footprint) -> dict[str, Any]:
    tenant_id = found.tenant_id
    # First, while every row they count is there: the reports' kept counts let them go.
    kept.forget_person(conn, tenant_id, found.person_id)
    counts = dict.fromkeys(PERSONAL_TABLES, 0)
    counts["pageviews"] = store.delete_pageviews(conn, tenant_id, found.visitor_ids)
    counts["sessions"] = store.delete_sessions(conn, tenant_id, found.visitor_ids)
    counts["submission_touches"] = store.delete_submission_touches(
        conn, tenant_id, found.submission_ids
    )
    rowids = credit_store.submission_rowids(conn, tenant_id, found.person_id)
    credit_store.forget_submissions(conn, tenant_id, rowids)
    counts["submissions"] = store.delete_submissions(conn, tenant_id, found.person_id)
    counts["lead_status_history"] = store.delete_lead_status_history(
        conn, tenant_id, found.person_id
    )
    store.delete_campaign_days(conn, tenant_id, found.person_id)
    search_index.forget(conn, tenant_id, found.person_id)
    their_deals = [
        d["deal_id"] for d in deals.deals_of_person_rows(conn, tenant_id, found.person_id)
    ]
    counts["persons"] = store.delete_person(conn, tenant_id, found.person_id)
    erased_company = (
        found.company["company_id"]
        if found.company is not None and not found.company_shared
        else None
    )
    deals_kept = deals.forget_person(conn, tenant_id, found.person_id, erased_company)
    company = "none"
    if found.company is not None:
        if found.company_shared:
            company = "kept"
        else:
            company_id = found.company["company_id"]
            counts["category_history"] = store.delete_category_history(conn, tenant_id, company_id)
            counts["companies"] = store.delete_company(conn, tenant_id, company_id)
            company = "erased"
    # A company that stays loses a source that was this person's visit.
    sources_cleared = store.clear_company_sources(conn, tenant_id, found.touch_ids)
    counts["touches"] = store.delete_touches(conn, tenant_id, found.touch_ids)
    # Their creation's conversion and every credit from their journey go, the rollups moved
    # by as much; their deals' conversions stay, uncredited (counted under no key).
    credits.forget_person(conn, tenant_id, found.person_id, their_deals)
    credit_store.forget_pending(conn, tenant_id, found.person_id)
    return {
        "tenant_id": tenant_id,
        "person_id": found.person_id,
        "company": company,
        "company_sources_cleared": sources_cleared,
        "deals_unlinked": deals_kept,
        "deleted": counts,
    }


def _row(row: Any) -> dict[str, Any]:
    out = dict(zip(row.keys(), row, strict=True))
    for key in _JSON_COLUMNS & out.keys():
        if isinstance(out[key], str):
            out[key] = json.loads(out[key])
    return out


def _unique(values: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
