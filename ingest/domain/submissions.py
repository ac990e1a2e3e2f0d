"""Recording a form submission: the data-point rules of SPEC "Vocabulary".

- conversion (on the submission): the latest touch behind it;
- first touch and lead creation (on the person): only when the submission creates the person;
  with no first touch from the script, the submission's own touch is the first touch;
- company source (on the company): only when a new person creates a new company;
- the visitor's touch history (direct arrivals included), kept with the submission;
- with the tenant's UTM data transfer off, no campaign data at all.

``record`` runs as a writer job, so matching a person or company by email or name and
inserting them happen in one serialised transaction: two racing submissions cannot both
create the same person.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from ingest.clock import utcnow
from ingest.domain import leads, person_keys
from ingest.domain.privacy import without_private_params
from ingest.domain.touch import (
    Touch,
    source_columns,
    touch_from_fields,
    touch_from_json,
    touches_from_json,
)
from ingest.domain.validation import CleanSubmission, company_key
from ingest.errors import Conflict
from ingest.storage import Connection, campaigns
from ingest.storage import credit_follower as credit_store
from ingest.storage import submissions as store
from ingest.storage.reads import new_id
from ingest.storage.reports import kept

# How a lead that is not a form's came (``POST /api/v1/leads``); a form's is ``"form"``.
LEAD_VIA = ("chat", "api", "import")


@dataclass(frozen=True)
class Touches:
    """What reached the server about where the visitor came from."""

    first: Touch | None = None  # the script's stored first touch
    latest: Touch | None = None  # the script's latest campaign touch
    own: Touch | None = None  # the submission's own UTM fields (hosted form links)
    history: tuple[Touch, ...] = ()  # the script's bounded history, oldest first

    @property
    def conversion(self) -> Touch | None:
        return self.latest or self.own or self.first

    @property
    def first_touch(self) -> Touch | None:
        return self.first or self.conversion


def touches_from_fields(
    raw: dict[str, str], now: datetime, keep_params: tuple[str, ...] = ()
) -> Touches:
    """The touches a submission's fields carry (utm.js's hidden fields, or a hosted form's
    own UTM fields), each address keeping only campaign keys and ``keep_params``."""

    def kept(touch: Touch | None) -> Touch | None:
        return without_private_params(touch, keep_params)

    return Touches(
        first=kept(touch_from_json(raw.get("ls_first_touch"), now)),
        latest=kept(touch_from_json(raw.get("ls_latest_touch"), now)),
        own=kept(touch_from_fields(raw, now)),
        history=tuple(kept(t) for t in touches_from_json(raw.get("ls_touches"), now)),
    )


@dataclass(frozen=True)
class Recorded:
    submission_id: str
    person_id: str
    created_person: bool
    duplicate: bool


def record(
    conn: Connection,
    *,
    tenant_id: str,
    form_id: str,
    submission_id: str,
    clean: CleanSubmission,
    touches: Touches,
    utm_transfer: bool,
    visitor_id: str | None = None,
    now: str | None = None,
    via: str = "form",
) -> Recorded:
    """``visitor_id`` is utm.js's random id of the browser that sent it (validated), kept so
    the person's page-view sessions can be found to export or erase them. ``now`` is the
    time it is recorded at (default: the clock's; ``leadsource generate`` passes its own).
    ``via`` is how the lead came: ``form`` (``form_id`` names it), or ``chat``, ``api`` or
    ``import`` through the API (``form_id`` is ``""``)."""
    digest = content_hash(form_id, clean)
    existing = store.stored_submission(conn, tenant_id, submission_id)
    if existing is not None:
        # A retry gets the stored answer; other content under the same id is another lead,
        # and dropping it silently would lose it.
        if existing["content_hash"] not in (None, digest):
            raise Conflict(
                "A different submission was already sent with this submission id. "
                "Send it with a new id."
            )
        return Recorded(submission_id, existing["person_id"], False, True)

    if not utm_transfer:
        touches = Touches()
    now = now or utcnow()
    conversion_id = _insert_touch(conn, tenant_id, touches.conversion)

    person = store.person_by_email(conn, tenant_id, clean.email)

    if person is None:
        person_id = new_id("per")
        created = True
        first_id = (
            conversion_id
            if touches.first_touch is touches.conversion
            else _insert_touch(conn, tenant_id, touches.first_touch)
        )
        company_id = company_for(
            conn, tenant_id, clean.company, conversion_id, now, categorize=True
        )
        # A new person of a company whose category has lead status starts as a lead: the
        # status goes into the insert, and its history after.
        status, category = leads.initial_lead(conn, tenant_id, company_id)
        first_keys = person_keys.touch_keys(touches.first_touch)
        creation_keys = person_keys.touch_keys(touches.conversion)
        store.insert_person(
            conn,
            tenant_id=tenant_id,
            person_id=person_id,
            email=clean.email,
            first_name=clean.first_name,
            last_name=clean.last_name,
            company_id=company_id,
            first_touch_id=first_id,
            lead_creation_touch_id=conversion_id,
            created_at=now,
            keys=person_keys.keys(
                clean.email,
                clean.first_name,
                clean.last_name,
                clean.company if company_id else None,
            ),
            first_touch_keys=first_keys,
            lead_creation_keys=creation_keys,
            lead_status_id=status,
        )
        kept.new_person(
            conn,
            tenant_id,
            day=now[:10],
            status=status,
            category=category,
            first_touch=first_keys,
            lead_creation=creation_keys,
            via=via,
            form_id=form_id,
        )
        if status is not None:
            leads.started(conn, tenant_id, person_id, status, now)
        credit_store.note_pending(conn, tenant_id, person_id)  # PostgreSQL: for the follower
    else:
        person_id = person["person_id"]
        created = False
        # PostgreSQL: the credits follower's note (nothing on SQLite, where it walks
        # rowids), before the person's row is written: the follower locks the row of a
        # person it recredits, and holds their note's, so the other order could deadlock.
        credit_store.note_pending(conn, tenant_id, person_id)
        # An existing person's card is not overwritten by what a form says; only blanks
        # are filled. Their sources stay as they were: this submission adds a conversion.
        company_id = person["company_id"] or company_for(
            conn, tenant_id, clean.company, None, now, categorize=True
        )
        kept.new_way(conn, tenant_id, person_id, via, form_id)
        lead_before = (
            kept.lead_of(conn, tenant_id, person_id) if company_id != person["company_id"] else None
        )
        store.fill_person(conn, tenant_id, person_id, clean.first_name, clean.last_name, company_id)
        if lead_before is not None:  # the report counts by the company's category
            kept.move_lead(conn, tenant_id, lead_before, kept.lead_of(conn, tenant_id, person_id))
        if (
            (person["first_name"] is None and clean.first_name)
            or (person["last_name"] is None and clean.last_name)
            or company_id != person["company_id"]
        ):
            person_keys.refresh(conn, tenant_id, person_id)
        if company_id != person["company_id"]:
            # A person without a company gets one: a lead now, if its category says so.
            leads.start_person(conn, tenant_id, person_id, company_id, now)

    store.insert_submission(
        conn,
        tenant_id=tenant_id,
        submission_id=submission_id,
        form_id=form_id,
        person_id=person_id,
        conversion_touch_id=conversion_id,
        fields=json.dumps(clean.values, ensure_ascii=False),
        submitted_at=now,
        content_hash=digest,
        visitor_id=visitor_id,
        via=via,
    )
    for position, touch in enumerate(touches.history):
        # Each history touch is inserted before the row that points at it.
        touch_id = _insert_touch(conn, tenant_id, touch)
        store.insert_submission_touch(conn, tenant_id, submission_id, position, touch_id)
    # The campaigns this conversion carried, for the campaign pages' influenced contacts.
    carried = [touches.conversion, *touches.history]
    if created:
        carried.append(touches.first_touch)
    campaigns.note_reach(
        conn,
        tenant_id,
        person_id,
        now[:10],
        {t.campaign for t in carried if t and t.campaign},
        new_person=created,
    )
    return Recorded(submission_id, person_id, created, False)


def content_hash(form_id: str, clean: CleanSubmission) -> str:
    """What makes two posts the same submission: the form and the validated values (email
    folded as it is matched), not the campaign data a retry may send slightly differently."""
    content = {"form_id": form_id, "values": {**clean.values, "email": clean.email}}
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


def company_for(
    conn: Connection,
    tenant_id: str,
    name: str | None,
    source_touch_id: str | None,
    now: str,
    *,
    categorize: bool = False,
) -> str | None:
    """The id of the tenant's company of that name, created (with the source) if new; with
    ``categorize`` (a submission's), a new one gets the tenant's default category."""
    if not name:
        return None
    key = company_key(name)
    existing = store.company_id_by_key(conn, tenant_id, key)
    if existing is not None:
        return existing
    company_id = new_id("com")
    store.insert_company(conn, tenant_id, company_id, name, key, source_touch_id, now)
    if categorize:
        leads.new_company(conn, tenant_id, company_id, now)
    return company_id


def _insert_touch(conn: Connection, tenant_id: str, touch: Touch | None) -> str | None:
    if touch is None:
        return None
    touch_id = new_id("tch")
    store.insert_touch(conn, tenant_id, touch_id, source_columns(touch), touch.at)
    return touch_id
