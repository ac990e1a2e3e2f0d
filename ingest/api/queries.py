"""The persons and companies lists' query parameters, read from a URL's query string into
``PersonQuery``/``CompanyQuery``: the same names for the JSON API, the People pages and their
CSV, so a page's address is its query (and can be bookmarked, shared and tested). Every
parameter has a bound; a bad one is a ``BadRequest`` naming it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from ingest.domain.channels import CHANNELS
from ingest.domain.touch import MAX_VALUE
from ingest.domain.validation import EMAIL_MAX
from ingest.errors import BadRequest
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
        form_id=_text(params, "form", ID_MAX) or None,
        created_from=_date(params, "created_from"),
        created_to=_date(params, "created_to"),
        sort=params.get("sort", "-created_at"),
        cursor=_text(params, "cursor", CURSOR_MAX) or None,
        limit=limit(params),
    )


def company_query(params: Mapping[str, str]) -> CompanyQuery:
    return CompanyQuery(
        q=_text(params, "q", SEARCH_MAX) or None,
        sort=params.get("sort", "name"),
        cursor=_text(params, "cursor", CURSOR_MAX) or None,
        limit=limit(params),
    )
