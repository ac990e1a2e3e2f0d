"""The persons and companies lists' query parameters, read from a URL's query string into
``PersonQuery``/``CompanyQuery``: the same names for the JSON API, the People pages and their
CSV, so a page's address is its query (and can be bookmarked, shared and tested). Every
parameter has a bound; a bad one is a ``BadRequest`` naming it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta

from ingest.domain.channels import CHANNELS
from ingest.domain.submissions import LEAD_VIA
from ingest.domain.touch import MAX_VALUE
from ingest.domain.validation import EMAIL_MAX
from ingest.errors import BadRequest
from ingest.storage import campaigns
from ingest.storage.lead_lists import COMPANY_LEAD_FILTERS, NONE, PERSON_LEAD_FILTERS
from ingest.storage.people import (
    CHANNEL_FILTERS,
    MAX_PAGE,
    PERSON_FILTERS,
    SEARCH_MAX,
    CompanyQuery,
    PersonQuery,
)

DEFAULT_LIMIT = 50
CURSOR_MAX = 2000
ID_MAX = 64
LEAD_VALUE_MAX = 320  # a status, category or group name (100) or id, or an owner's email
VIAS = ("form", *LEAD_VIA)  # how a submission came (migration 0017)
ME = "me"  # the app's owner=me: the signed-in user
# The campaign filter's parameters (``campaign_filter``), kept by the lists' pages.
CAMPAIGN_PARAMS = (
    "campaign",
    "campaign_value",
    "campaign_touch",
    "converted_from",
    "converted_to",
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _text(params: Mapping[str, str], name: str, bound: int) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if len(value) > bound:
        raise BadRequest(f"{name} can be at most {bound} characters.")
    return value


def _date(params: Mapping[str, str], name: str) -> date | None:
    value = params.get(name)
    if not value:
        return None
    try:
        if not _DATE.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name} must be a date, YYYY-MM-DD.") from None


def limit(params: Mapping[str, str], default: int = DEFAULT_LIMIT) -> int:
    try:
        value = int(params.get("limit", str(default)))
    except ValueError:
        raise BadRequest("limit must be a whole number.") from None
    if not 1 <= value <= MAX_PAGE:
        raise BadRequest(f"limit must be between 1 and {MAX_PAGE}.")
    return value


def person_query(params: Mapping[str, str]) -> PersonQuery:
    filters = {}
    for name in PERSON_FILTERS:
        value = _text(params, name, MAX_VALUE)
        if value is not None:
            if name in CHANNEL_FILTERS and value not in ("", *CHANNELS):
                # A misspelt channel would answer an empty list, as if nobody came that way.
                raise BadRequest(f"{name} must be one of {', '.join(CHANNELS)} (or empty).")
            filters[name] = value
    return PersonQuery(
        q=_text(params, "q", SEARCH_MAX) or None,
        email=_text(params, "email", EMAIL_MAX),
        filters=filters,
        lead=_lead(params, PERSON_LEAD_FILTERS),
        form_id=_text(params, "form", ID_MAX) or None,
        via=_via(params),
        reached_status=_text(params, "reached_status", LEAD_VALUE_MAX) or None,
        created_from=_date(params, "created_from"),
        created_to=_date(params, "created_to"),
        campaign=campaign_filter(params, (campaigns.ANY, *campaigns.TOUCHES)),
        sort=params.get("sort", "-created_at"),
        cursor=_text(params, "cursor", CURSOR_MAX) or None,
        limit=limit(params),
    )


def campaign_filter(
    params: Mapping[str, str], touches: tuple[str, ...]
) -> campaigns.CampaignFilter | None:
    """``campaign`` (a campaign's id: any of its values) and/or ``campaign_value`` (one
    utm_campaign value; with both, that value if the campaign owns it), matched by
    ``campaign_touch`` (the first of ``touches`` by default). For persons,
    ``converted_from``/``converted_to`` bound the days of the conversions that carried the
    campaign's touch (with ``first_touch`` and ``lead_creation``: the person's creation).
    Without a campaign the others filter nothing."""
    campaign_id = _text(params, "campaign", ID_MAX) or None
    value = _text(params, "campaign_value", MAX_VALUE) or None
    touch = params.get("campaign_touch") or touches[0]
    if touch not in touches:
        raise BadRequest(f"campaign_touch must be one of {', '.join(touches)}.")
    since = until = None
    if campaigns.ANY in touches:
        since, until = _date(params, "converted_from"), _date(params, "converted_to")
    if campaign_id is None and value is None:
        return None
    return campaigns.CampaignFilter(
        campaign_id=campaign_id,
        value=value,
        touch=touch,
        since=None if since is None else f"{since.isoformat()}T00:00:00.000Z",
        until=None if until is None else f"{(until + timedelta(days=1)).isoformat()}T00:00:00.000Z",
    )


def _via(params: Mapping[str, str]) -> str | None:
    value = params.get("via")
    if not value:
        return None
    if value not in VIAS:
        raise BadRequest(f"via must be one of {', '.join(VIAS)}.")
    return value


def company_query(params: Mapping[str, str]) -> CompanyQuery:
    return CompanyQuery(
        q=_text(params, "q", SEARCH_MAX) or None,
        lead=_lead(params, COMPANY_LEAD_FILTERS),
        sort=params.get("sort", "name"),
        cursor=_text(params, "cursor", CURSOR_MAX) or None,
        limit=limit(params),
    )


def _lead(params: Mapping[str, str], names: tuple[str, ...]) -> dict[str, str]:
    """The lead filters: a status, category or group by name or id, an owner by email; ''
    (or ``(none)``) for "without one"."""
    found = {}
    for name in names:
        value = _text(params, name, LEAD_VALUE_MAX)
        if value is not None:
            found[name] = value
    return found


def app_params(params: Mapping[str, str], me: str | None) -> dict[str, str]:
    """The app's list parameters as the API's: a blank box of a filter form is no filter,
    ``(none)`` asks for rows without one, and ``owner=me`` is the email ``me`` (the
    signed-in user's; for a selection read through the API, its creator's)."""
    found = {}
    for name, value in params.items():
        if value == "":
            continue
        if value == NONE:
            value = ""
        elif name == "owner" and value == ME:
            if me is None:
                raise BadRequest("owner=me needs a user; name the owner's email.")
            value = me
        found[name] = value
    return found


def app_person_query(params: Mapping[str, str], me: str | None) -> PersonQuery:
    """The People page's (and a saved selection's) query: ``app_params``; grouped
    (``group``), it is sorted by the group (``-`` kept: the groups last first), whatever
    other sort the form's menu sends."""
    found = app_params(params, me)
    group = found.get("group")
    if group and found.get("sort", "").lstrip("-") != group:
        found["sort"] = group
    return person_query(found)


def app_company_query(params: Mapping[str, str], me: str | None) -> CompanyQuery:
    return company_query(app_params(params, me))
