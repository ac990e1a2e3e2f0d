"""Deals (sales) and the pipeline's stages: the rules. Every statement is in
``ingest/storage/deals.py``.

- A deal names a person of the tenant; its company is the person's unless another is given.
- Won or lost without a ``closed_at`` closes it at the moment of the change; reopening
  clears ``closed_at``; a ``closed_at`` before the deal's creation is refused.
- Every change of stage, status or amount goes into the deal's history with its real "from":
  the job reads the deal with its row locked (PostgreSQL), so of two changes at once the
  second waits, sees the first's values, and wins; both are in the history.
- Stages are the admins': add, rename, reorder, set the probability, deactivate (refused
  while open deals are in the stage) and activate again. A deal moves only into an active
  stage.

Validation of what a client sends (``validate_new``, ``validate_change``) raises
``ValidationFailed`` with a message per field; the jobs raise it too for what needs the
database (an unknown stage or owner).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ingest.clock import iso_time
from ingest.domain import credits, money
from ingest.domain.stages import STAGE_NAME_MAX
from ingest.domain.validation import EMAIL_MAX, strip_controls
from ingest.errors import ValidationFailed
from ingest.storage import Connection, campaign_counts, stages
from ingest.storage import deals as store
from ingest.storage.reads import StoreError, new_id

TITLE_MAX = 200
ID_MAX = 64
STATUSES = store.STATUSES
# How far ahead of the service's clock a client's time may be (clocks differ).
FUTURE_SLACK = timedelta(days=1)
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_TIME = re.compile(
    r"^([0-9]{4}-[0-9]{2}-[0-9]{2})[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(\.[0-9]{1,9})?)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})?$"
)


class DealNotFound(StoreError):
    pass


class PersonNotFound(StoreError):
    pass


@dataclass(frozen=True)
class NewDeal:
    person_id: str
    title: str
    amount: int  # minor units
    status: str
    stage: str | None = None  # a stage's name
    created_at: str | None = None
    closed_at: str | None = None
    expected_close: str | None = None  # YYYY-MM-DD
    owner: str | None = None  # a member's email
    currency: str | None = None
    company_id: str | None = None


# -- reading what a client sends ---------------------------------------------------------


def parse_time(value: object) -> str:
    """A client's time: ``YYYY-MM-DD`` (midnight UTC) or an ISO 8601 date and time (UTC
    when it names no offset), in the database's one format."""
    if not isinstance(value, str):
        raise ValueError("Must be a date (YYYY-MM-DD) or an ISO 8601 time.")
    text = value.strip()
    try:
        if _DATE.match(text):
            moment = datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        else:
            found = _TIME.match(text)
            if not found:
                raise ValueError(text)
            day, hour, minute, second, fraction, zone = found.groups()
            second = min(int(second or 0), 59)  # a leap second is the second before it
            micro = int(((fraction or ".0")[1:] + "000000")[:6])
            moment = datetime.combine(
                date.fromisoformat(day),
                datetime.min.time().replace(hour=int(hour), minute=int(minute), second=second),
            ).replace(microsecond=micro)
            if zone and zone not in "Zz":
                sign = 1 if zone[0] == "+" else -1
                hours, minutes = int(zone[1:3]), int(zone[4:6])
                if hours > 23 or minutes > 59:
                    raise ValueError(zone)
                moment = moment - sign * timedelta(hours=hours, minutes=minutes)
            moment = moment.replace(tzinfo=UTC)
        if not 1970 <= moment.year <= 9998:
            raise ValueError(text)
    except (ValueError, OverflowError):
        raise ValueError("Must be a date (YYYY-MM-DD) or an ISO 8601 time.") from None
    return iso_time(moment)


def parse_day(value: object) -> str:
    if not isinstance(value, str) or not _DATE.match(value.strip()):
        raise ValueError("Must be a date, YYYY-MM-DD.")
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ValueError("Must be a date, YYYY-MM-DD.") from None


def clean_title(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("Must be a string.")
    if len(value) > TITLE_MAX:
        raise ValueError(f"Can be at most {TITLE_MAX} characters.")
    title = " ".join(strip_controls(value).split())
    if not title:
        raise ValueError("A deal needs a title.")
    return title


def _text(value: object, bound: int, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"Must be {what}.")
    if len(value) > bound:
        raise ValueError(f"Can be at most {bound} characters.")
    return value.strip()


def _currency(value: object) -> str:
    if not isinstance(value, str) or not money.CURRENCY.match(value.strip().upper()):
        raise ValueError("Must be a three-letter currency code, such as EUR.")
    return value.strip().upper()


def _status(value: object) -> str:
    if value not in STATUSES:
        raise ValueError(f"Must be one of {', '.join(STATUSES)}.")
    return str(value)


NEW_FIELDS = (
    "person_id",
    "title",
    "amount",
    "status",
    "stage",
    "created_at",
    "closed_at",
    "expected_close",
    "owner",
    "currency",
    "company_id",
)
# The columns a deal's conversions depend on (``domain/credits``).
CREDITED_FIELDS = frozenset(
    {"status", "amount", "closed_at", "created_at", "person_id", "currency"}
)
# The columns a deal's kept campaign counts depend on (``storage/campaign_counts``).
COUNTED_FIELDS = frozenset({"status", "amount", "closed_at", "created_at", "currency"})
CHANGE_FIELDS = ("status", "stage", "amount", "owner", "closed_at", "title", "expected_close")

# Each field's reader: the value as sent -> the value kept (ValueError says what is wrong).
_READERS: dict[str, Any] = {
    "person_id": lambda v: _text(v, ID_MAX, "a person's id") or _fail("Must be a person's id."),
    "company_id": lambda v: _text(v, ID_MAX, "a company's id") or _fail("Must be a company's id."),
    "title": clean_title,
    "amount": money.parse_amount,
    "status": _status,
    "stage": lambda v: _text(v, STAGE_NAME_MAX, "a stage's name") or _fail("Name a stage."),
    "created_at": parse_time,
    "closed_at": parse_time,
    "expected_close": parse_day,
    "owner": lambda v: _text(v, EMAIL_MAX, "a user's email") or _fail("Must be a user's email."),
    "currency": _currency,
}
# Fields that take null: no expected close, no owner.
_NULLABLE = frozenset({"expected_close", "owner"})
_OPTIONAL_NULL = frozenset({"stage", "created_at", "closed_at", "currency", "company_id"})


def _fail(message: str) -> Any:
    raise ValueError(message)


def _read(body: object, allowed: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, str]]:
    if not isinstance(body, dict):
        raise ValidationFailed("Send a JSON object.", {"body": "Must be a JSON object."})
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, raw in body.items():
        if name not in allowed:
            errors[str(name)[:64]] = f"Not a field of a deal ({', '.join(allowed)})."
        elif raw is None and name in _NULLABLE:
            values[name] = None
        elif raw is None and name in _OPTIONAL_NULL and name != "closed_at":
            continue  # the default
        elif raw is None and name == "closed_at":
            values[name] = None
        else:
            try:
                values[name] = _READERS[name](raw)
            except money.BadAmount as error:
                errors[name] = str(error)
            except ValueError as error:
                errors[name] = str(error)
    return values, errors


def validate_new(body: object) -> NewDeal:
    values, errors = _read(body, NEW_FIELDS)
    for name in ("person_id", "title", "amount", "status"):
        if name not in values and name not in errors:
            errors[name] = "Required."
    if not errors:
        _check_times(values, errors)
    if errors:
        raise ValidationFailed("Some fields need fixing.", errors)
    if values.get("closed_at") is None:
        values.pop("closed_at", None)
    return NewDeal(**values)


def _check_times(values: dict[str, Any], errors: dict[str, str]) -> None:
    closed, created = values.get("closed_at"), values.get("created_at")
    if closed is not None and values.get("status") == "open":
        errors["closed_at"] = "An open deal has no close time; set status to won or lost."
    elif closed is not None and created is not None and closed < created:
        errors["closed_at"] = "Cannot be before the deal was created."


def validate_change(body: object) -> dict[str, Any]:
    values, errors = _read(body, CHANGE_FIELDS)
    if not errors and not values:
        raise ValidationFailed(
            "Nothing to change.", {"body": f"Send at least one of {', '.join(CHANGE_FIELDS)}."}
        )
    if values.get("status") == "open" and values.get("closed_at") is not None:
        errors["closed_at"] = "An open deal has no close time; set status to won or lost."
    if errors:
        raise ValidationFailed("Some fields need fixing.", errors)
    return values


# -- the jobs ------------------------------------------------------------------------------


def _not_future(value: str | None, now: str, name: str, errors: dict[str, str]) -> None:
    if value is None:
        return
    limit = iso_time(datetime.fromisoformat(now.replace("Z", "+00:00")) + FUTURE_SLACK)
    if value > limit:
        errors[name] = "Cannot be in the future."


def _active_stage(conn: Connection, tenant_id: str, name: str) -> stages.Stage:
    found = stages.stage_by_name(conn, tenant_id, name, lock=True)
    if found is None:
        names = [s.name for s in stages.stages(conn, tenant_id) if s.active]
        raise ValidationFailed(
            "Some fields need fixing.",
            {"stage": f"No stage {name!r}; the stages are {', '.join(names) or 'none'}."},
        )
    if not found.active:
        raise ValidationFailed(
            "Some fields need fixing.", {"stage": f"The stage {found.name!r} is not active."}
        )
    return found


def _owner(conn: Connection, tenant_id: str, email: str | None) -> str | None:
    if email is None:
        return None
    user_id = store.member_by_email(conn, tenant_id, email)
    if user_id is None:
        raise ValidationFailed(
            "Some fields need fixing.", {"owner": "No user with that email in this account."}
        )
    return user_id


def create(
    conn: Connection,
    *,
    tenant_id: str,
    new: NewDeal,
    now: str,
    user_id: str | None = None,
    deal_id: str | None = None,
) -> str:
    """A writer job: the new deal's id. ``user_id``: who created it (its history's user and
    the default owner in the app); None for the API."""
    person = store.person_of_deal(conn, tenant_id, new.person_id)
    if person is None:
        raise PersonNotFound(new.person_id)
    errors: dict[str, str] = {}
    _not_future(new.created_at, now, "created_at", errors)
    _not_future(new.closed_at, now, "closed_at", errors)
    company_id = person["company_id"]
    if new.company_id is not None:
        if not store.company_exists(conn, tenant_id, new.company_id):
            errors["company_id"] = "No such company."
        company_id = new.company_id
    if errors:
        raise ValidationFailed("Some fields need fixing.", errors)
    if new.stage is not None:
        stage = _active_stage(conn, tenant_id, new.stage)
    else:
        stage = stages.first_active_stage(conn, tenant_id)
        if stage is None:
            raise ValidationFailed(
                "Some fields need fixing.",
                {"stage": "The pipeline has no active stage; an admin can add one."},
            )
    owner = _owner(conn, tenant_id, new.owner)
    created_at = new.created_at or now
    closed_at = None
    if new.status != "open":
        closed_at = new.closed_at or max(now, created_at)
    currency = new.currency or stages.tenant_currency(conn, tenant_id) or "EUR"
    deal_id = deal_id or new_id("deal")
    inserted = store.insert_deal(
        conn,
        tenant_id,
        {
            "deal_id": deal_id,
            "title": new.title,
            "person_id": person["person_id"],
            "company_id": company_id,
            "owner_user_id": owner if new.owner is not None else user_id,
            "amount": new.amount,
            "currency": currency,
            "stage_id": stage.stage_id,
            "status": new.status,
            "created_at": created_at,
            "expected_close": new.expected_close or "",
            "closed_at": closed_at,
            "updated_at": now,
        },
    )
    if not inserted:
        return deal_id
    history = [
        ("stage", None, stage.stage_id),
        ("status", None, new.status),
        ("amount", None, str(new.amount)),
    ]
    store.add_history(conn, tenant_id, deal_id, history, user_id, created_at)
    counted = campaign_counts.deal_of(conn, tenant_id, deal_id)
    campaign_counts.move_deal(conn, tenant_id, None, counted)
    # Its conversions (creation; revenue when won) credited in its own transaction.
    credits.credit_deal(conn, tenant_id, deal_id)
    return deal_id


def change(
    conn: Connection,
    *,
    tenant_id: str,
    deal_id: str,
    changes: dict[str, Any],
    now: str,
    user_id: str | None = None,
) -> None:
    """A writer job: apply ``validate_change``'s changes to one deal of the tenant."""
    deal = store.deal_for_update(conn, tenant_id, deal_id)
    if deal is None:
        raise DealNotFound(deal_id)
    values: dict[str, Any] = {}
    history: list[tuple[str, str | None, str | None]] = []
    if "stage" in changes:
        stage = _active_stage(conn, tenant_id, changes["stage"])
        if stage.stage_id != deal["stage_id"]:
            values["stage_id"] = stage.stage_id
            history.append(("stage", deal["stage_id"], stage.stage_id))
    if "amount" in changes and changes["amount"] != int(deal["amount"]):
        values["amount"] = changes["amount"]
        history.append(("amount", str(deal["amount"]), str(changes["amount"])))
    status = changes.get("status", deal["status"])
    closed_at = deal["closed_at"]
    if status != deal["status"]:
        values["status"] = status
        history.append(("status", deal["status"], status))
        closed_at = (
            None if status == "open" else changes.get("closed_at") or max(now, deal["created_at"])
        )
    elif changes.get("closed_at") is not None:
        closed_at = changes["closed_at"]
    if status == "open" and changes.get("closed_at") is not None:
        raise ValidationFailed(
            "Some fields need fixing.",
            {"closed_at": "An open deal has no close time; set status to won or lost."},
        )
    if status != "open" and "closed_at" in changes and changes["closed_at"] is None:
        raise ValidationFailed(
            "Some fields need fixing.",
            {"closed_at": "A won or lost deal has a close time; reopen it instead."},
        )
    errors: dict[str, str] = {}
    _not_future(changes.get("closed_at"), now, "closed_at", errors)
    if closed_at is not None and closed_at < deal["created_at"]:
        errors["closed_at"] = "Cannot be before the deal was created."
    if errors:
        raise ValidationFailed("Some fields need fixing.", errors)
    if closed_at != deal["closed_at"]:
        values["closed_at"] = closed_at
    if "owner" in changes:
        owner = _owner(conn, tenant_id, changes["owner"])
        if owner != deal["owner_user_id"]:
            values["owner_user_id"] = owner
    if "title" in changes and changes["title"] != deal["title"]:
        values["title"] = changes["title"]
    if "expected_close" in changes:
        expected = changes["expected_close"] or ""
        if expected != deal["expected_close"]:
            values["expected_close"] = expected
    if not values:
        return
    values["updated_at"] = now
    counted = values.keys() & COUNTED_FIELDS
    before = campaign_counts.deal_of(conn, tenant_id, deal_id) if counted else None
    store.update_deal(conn, tenant_id, deal_id, values)
    if counted:  # the campaign pages' deals, won deals and revenue follow
        after = campaign_counts.deal_of(conn, tenant_id, deal_id)
        campaign_counts.move_deal(conn, tenant_id, before, after)
    store.add_history(conn, tenant_id, deal_id, history, user_id, now)
    if values.keys() & CREDITED_FIELDS:
        # Won, lost, reopened, a new amount or close: its conversions follow, in this
        # transaction (reopening or losing takes the revenue conversion away).
        credits.credit_deal(conn, tenant_id, deal_id)
