"""The OpenAPI 3.1 document of the JSON API, served at ``/api/v1/openapi.json``.

Written by hand, next to the code it describes, and checked against the running app by
``tests/test_openapi.py`` (schemathesis: every answer's status and body must be documented).
To describe a new route, add its operations to ``PATHS`` with ``operation(...)``; errors are
``ERRORS`` entries (one shape, a code per status), so a route lists only the statuses it can
answer. ``DOCUMENTED`` lists what is described here and ``UNDOCUMENTED`` the routes that
are not JSON (pages and scripts); ``tests/test_openapi.py`` fails on a route in neither.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ingest.api import attribution_schema
from ingest.api.deals_schema import DEAL_SCHEMAS, STAGE
from ingest.api.queries import LEAD_VALUE_MAX
from ingest.domain.channels import CHANNELS
from ingest.domain.periods import PRESETS as PERIOD_PRESETS
from ingest.domain.reports.spec import GROUPINGS as REPORT_GROUPINGS
from ingest.domain.reports.spec import MEASURES as REPORT_MEASURES
from ingest.domain.reports.spec import TOP_MAX as REPORT_TOP_MAX
from ingest.domain.submissions import LEAD_VIA
from ingest.domain.touch import CLICK_IDS, MAX_URL, MAX_VALUE, UTM_KEYS
from ingest.domain.validation import EMAIL_MAX, STANDARD_FIELDS
from ingest.edge.collect import PAGE_ADDRESS
from ingest.storage.deals import DEAL_SORTS
from ingest.storage.deals import SOURCE_FILTERS as DEAL_SOURCE_FILTERS
from ingest.storage.deals import STATUSES as DEAL_STATUSES
from ingest.storage.lead_setup import NAME_MAX
from ingest.storage.people import (
    CHANNEL_FILTERS,
    COMPANY_SORTS,
    MAX_PAGE,
    PERSON_FILTERS,
    PERSON_SORTS,
    SEARCH_MAX,
)

Schema = dict[str, Any]

ID_PATTERN = "^[A-Za-z0-9_-]{8,64}$"
OPTIONAL_ID_PATTERN = "^([A-Za-z0-9_-]{8,64})?$"  # empty is the same as none
TENANT_PATTERN = "^[a-z0-9][a-z0-9_-]{0,62}$"

# -- errors ------------------------------------------------------------------------------
# (status, code, description): the one shape of ingest/errors.py, a code per status.
ERRORS: dict[int, tuple[tuple[str, ...], str]] = {
    400: (("bad_request",), "The request could not be read (body, parameters or `Host`)."),
    401: (("unauthorized",), "No API key, or not a valid one (unknown or revoked)."),
    403: (("forbidden", "form_not_published"), "Origin not allowed, or form not published."),
    404: (("not_found",), "No such tenant, form, person or company (for this key's tenant)."),
    409: (("conflict",), "The submission id was already used with other content."),
    413: (("payload_too_large",), "The body is larger than its bound."),
    415: (("unsupported_media_type",), "The body's `Content-Type` is not one this accepts."),
    422: (("validation_failed",), "Some fields need fixing: `fields` says which and why."),
    429: (("rate_limited",), "Too many requests; `Retry-After` says when to try again."),
    503: (("unavailable",), "The service is shutting down; send it again."),
}


def error_schema(codes: tuple[str, ...], *, with_fields: bool) -> Schema:
    inner: Schema = {
        "type": "object",
        "properties": {
            "code": {"type": "string", "enum": list(codes)},
            "message": {"type": "string", "minLength": 1},
            "fields": {
                "type": "object",
                "description": "Field name to what is wrong with it.",
                "additionalProperties": {"type": "string"},
            },
        },
        "required": ["code", "message", *(["fields"] if with_fields else [])],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {"error": inner},
        "required": ["error"],
        "additionalProperties": False,
    }


def error_response(status: int, *, html: bool = False) -> Schema:
    """One documented error answer. ``html``: the endpoint answers browsers (requests that
    neither send JSON nor ask for it) with a readable page instead."""
    codes, description = ERRORS[status]
    content: Schema = {
        "application/json": {"schema": {"$ref": f"#/components/schemas/Error{status}"}}
    }
    if html:
        content["text/html"] = {"schema": {"type": "string"}}
    response: Schema = {"description": description, "content": content}
    if status == 429:
        response["headers"] = {
            "Retry-After": {
                "description": "Seconds to wait before trying again.",
                "schema": {"type": "string", "pattern": "^[0-9]+$"},
                "required": True,
            }
        }
    if status == 401:
        response["headers"] = {
            "WWW-Authenticate": {"schema": {"type": "string", "const": "Bearer"}, "required": True}
        }
    return response


# -- shared schemas ----------------------------------------------------------------------

NULLABLE_STRING: Schema = {"type": ["string", "null"]}

TOUCH: Schema = {
    "type": "object",
    "description": "Where a visit came from; `source` and `medium` are derived when no UTM "
    "parameters came with it (click id, referrer, or `(direct)`/`(none)`).",
    "properties": {
        "source": {"type": "string"},
        "medium": {"type": "string"},
        "campaign": NULLABLE_STRING,
        "term": NULLABLE_STRING,
        "content": NULLABLE_STRING,
        "utm_id": NULLABLE_STRING,
        "click_ids": {
            "type": "object",
            "propertyNames": {"enum": list(CLICK_IDS)},
            "additionalProperties": {"type": "string"},
        },
        "landing_page": NULLABLE_STRING,
        "referrer": NULLABLE_STRING,
        "at": {"type": "string", "description": "ISO 8601 time, UTC."},
        "channel": {
            "type": "string",
            "enum": list(CHANNELS),
            "description": "GA4's default channel group of the touch.",
        },
    },
    "required": [
        "source",
        "medium",
        "campaign",
        "term",
        "content",
        "utm_id",
        "click_ids",
        "landing_page",
        "referrer",
        "at",
        "channel",
    ],
    "additionalProperties": False,
}

NULLABLE_TOUCH: Schema = {"oneOf": [{"$ref": "#/components/schemas/Touch"}, {"type": "null"}]}

PERSON: Schema = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "email": {"type": "string"},
        "first_name": NULLABLE_STRING,
        "last_name": NULLABLE_STRING,
        "created_at": {"type": "string"},
        "first_touch": NULLABLE_TOUCH,
        "lead_creation": NULLABLE_TOUCH,
        "company": {
            "oneOf": [
                {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "name": {"type": "string"},
                        "source": NULLABLE_TOUCH,
                    },
                    "required": ["id", "name", "source"],
                    "additionalProperties": False,
                },
                {"type": "null"},
            ]
        },
        "lead_status": {
            "type": ["string", "null"],
            "description": "The lead status's name; kept (and read-only) when the company's "
            "category has no lead status.",
        },
        "lead_status_editable": {
            "type": "boolean",
            "description": "The company's category is in a group with lead status enabled.",
        },
        "owner": {"type": ["string", "null"], "description": "The owner's email."},
        "submissions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "form_id": {
                        "type": ["string", "null"],
                        "description": "The form; null for a lead sent through the API.",
                    },
                    "via": {
                        "type": "string",
                        "enum": ["form", *LEAD_VIA],
                        "description": "How the lead came.",
                    },
                    "submitted_at": {"type": "string"},
                    "conversion": NULLABLE_TOUCH,
                    "touches": {
                        "type": "array",
                        "description": "The visitor's touch history, oldest first.",
                        "items": {"$ref": "#/components/schemas/Touch"},
                    },
                },
                "required": ["id", "form_id", "via", "submitted_at", "conversion", "touches"],
                "additionalProperties": False,
            },
        },
    },
    "required": [
        "id",
        "email",
        "first_name",
        "last_name",
        "created_at",
        "first_touch",
        "lead_creation",
        "company",
        "lead_status",
        "lead_status_editable",
        "owner",
        "submissions",
    ],
    "additionalProperties": False,
}

# A JSON touch: utm.js's array form, an object of named values, or either as a JSON string.
# Malformed touches are dropped, never an error, so any string (or number) is accepted.
TOUCH_INPUT: Schema = {"type": ["string", "number", "object", "array", "null"]}

# JSON numbers are taken as their text, so a simple field may be a string or a number.
TEXT: Schema = {"type": ["string", "number", "null"]}


def _bounded(bound: int) -> Schema:
    return {**TEXT, "maxLength": bound}


EMAIL_INPUT: Schema = {
    "type": "string",
    "maxLength": EMAIL_MAX,
    "pattern": r"^[^@\s<>\"(),;:\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069"
    r"\ufeff]+@[^@\s<>\"(),;:\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069"
    r"\ufeff]+\.[^@\s<>\"(),;:.\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069"
    r"\ufeff]{2,}$",
}


SUBMISSION: Schema = {
    "type": "object",
    "description": "The visitor's answers and what utm.js adds. The form's own custom fields "
    "(bounded by the form) and up to 30 other simply named fields are kept as well.",
    "properties": {
        "email": EMAIL_INPUT,
        **{name: _bounded(bound) for name, _, bound in STANDARD_FIELDS if name != "email"},
        "ls_submission_id": {
            "type": ["string", "null"],
            "pattern": OPTIONAL_ID_PATTERN,
            "description": "Client-generated id: a retry with the same content stores nothing "
            "twice; other content with the same id is 409.",
        },
        "ls_first_touch": TOUCH_INPUT,
        "ls_latest_touch": TOUCH_INPUT,
        "submission_id": {"type": ["string", "null"], "pattern": OPTIONAL_ID_PATTERN},
        "ls_touches": {"type": ["string", "number", "array", "null"]},
        # Campaign values are cut to their bound and addresses that are not http(s) dropped:
        # nothing about campaign data can make a submission fail.
        "ls_landing_page": TEXT,
        "ls_referrer": TEXT,
        **{key: TEXT for key in (*UTM_KEYS, *CLICK_IDS)},
    },
    "required": ["email"],
    "maxProperties": 200,
    # Other fields are kept, cut to CUSTOM_FIELD_MAX characters (the form's own custom
    # fields have the form's bounds).
    "additionalProperties": TEXT,
}

LEAD_NAME = {"type": ["string", "null"], "maxLength": NAME_MAX}
OWNER = {
    "type": ["string", "null"],
    "maxLength": EMAIL_MAX,
    "description": "The email of a user of the account; null for nobody.",
}

PERSON_EDIT: Schema = {
    "type": "object",
    "properties": {
        **{
            name: {"type": ["string", "null"], "maxLength": bound}
            for name, _, bound in STANDARD_FIELDS
            if name != "email"
        },
        "lead_status": {
            **LEAD_NAME,
            "description": "A lead status's name (any case); 422 when the company's category "
            "has no lead status (the kept value is read-only).",
        },
        "owner": OWNER,
    },
    "minProperties": 1,
    "additionalProperties": False,
}

LEAD: Schema = {
    "type": "object",
    "description": "A lead from a chat widget, another system or an import: recorded by the "
    "rules of a form submission. Its first touch is the oldest of `touches`, its lead creation "
    "and conversion the latest one that is not direct.",
    "properties": {
        "email": EMAIL_INPUT,
        **{
            name: {"type": ["string", "null"], "maxLength": bound}
            for name, _, bound in STANDARD_FIELDS[1:]
        },
        "via": {"type": "string", "enum": list(LEAD_VIA), "default": "api"},
        "touches": {
            "type": "array",
            "description": "The visitor's touches, oldest first, as utm.js gives them "
            "(`Leadsource.touches().history`): objects of `utm_*`, click ids, `landing_page`, "
            "`referrer` and `at`, or the script's arrays. Entries that are not touches are "
            "dropped, as on forms.",
            "items": {},
        },
        "submission_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"},
    },
    "required": ["email"],
    "additionalProperties": False,
}

SUMMARY_TOUCH: Schema = {
    "oneOf": [
        {
            "type": "object",
            "properties": {
                "source": NULLABLE_STRING,
                "medium": NULLABLE_STRING,
                "campaign": NULLABLE_STRING,
                "at": {"type": "string"},
            },
            "required": ["source", "medium", "campaign", "at"],
            "additionalProperties": False,
        },
        {"type": "null"},
    ]
}

# The lists' lead fields: names as they are now, ids for filters that survive a rename.
_LEAD_SUMMARY: Schema = {
    "category": NULLABLE_STRING,
    "category_id": NULLABLE_STRING,
    "category_group": NULLABLE_STRING,
    "category_group_id": NULLABLE_STRING,
    "owner": {"type": ["string", "null"], "description": "The owner's email."},
}
SELECTION: Schema = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "kind": {"type": "string", "enum": ["persons", "companies"]},
        "name": {"type": "string"},
        "query": {
            "type": "object",
            "description": "The app list's query parameters (ids of statuses, categories "
            "and groups; `(none)` for none; `owner=me`).",
            "additionalProperties": {"type": "string"},
        },
        "created_by": {"type": ["string", "null"], "description": "Its creator's email."},
        "created_at": {"type": "string"},
        "updated_at": {"type": "string"},
    },
    "required": ["id", "kind", "name", "query", "created_by", "created_at", "updated_at"],
    "additionalProperties": False,
}
PERSON_SUMMARY: Schema = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "email": {"type": "string"},
        "first_name": NULLABLE_STRING,
        "last_name": NULLABLE_STRING,
        "created_at": {"type": "string"},
        "company": {
            "oneOf": [
                {
                    "type": "object",
                    "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
                    "required": ["id", "name"],
                    "additionalProperties": False,
                },
                {"type": "null"},
            ]
        },
        "first_touch": SUMMARY_TOUCH,
        "lead_creation": SUMMARY_TOUCH,
        "lead_status": NULLABLE_STRING,
        "lead_status_id": NULLABLE_STRING,
        **_LEAD_SUMMARY,
    },
    "required": [
        "id",
        "email",
        "first_name",
        "last_name",
        "created_at",
        "company",
        "first_touch",
        "lead_creation",
    ],
    "additionalProperties": False,
}

_COMPANY_COMMON: Schema = {
    "id": {"type": "string"},
    "name": {"type": "string"},
    "created_at": {"type": "string"},
    "persons_count": {"type": "integer", "minimum": 0},
}

COMPANY_SUMMARY: Schema = {
    "type": "object",
    "properties": {**_COMPANY_COMMON, "source": SUMMARY_TOUCH, **_LEAD_SUMMARY},
    "required": ["id", "name", "created_at", "source", "persons_count"],
    "additionalProperties": False,
}

COMPANY: Schema = {
    "type": "object",
    "properties": {
        **_COMPANY_COMMON,
        "source": NULLABLE_TOUCH,
        "category": NULLABLE_STRING,
        "category_group": NULLABLE_STRING,
        "owner": {"type": ["string", "null"], "description": "The owner's email."},
        "submissions_count": {"type": "integer", "minimum": 0},
        "persons": {
            "type": "array",
            "description": "Its first 100 persons by creation (`persons_count` counts all).",
            "items": PERSON_SUMMARY,
        },
    },
    "required": [
        "id",
        "name",
        "created_at",
        "source",
        "category",
        "category_group",
        "owner",
        "persons_count",
        "submissions_count",
        "persons",
    ],
    "additionalProperties": False,
}

COMPANY_EDIT: Schema = {
    "type": "object",
    "properties": {"category": LEAD_NAME, "owner": OWNER},
    "minProperties": 1,
    "additionalProperties": False,
}


def _named_items(extra: Schema) -> Schema:
    return {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "active": {"type": "boolean"}, **extra},
            "required": ["name", "active", *extra],
            "additionalProperties": False,
        },
    }


CATEGORIES: Schema = {
    "type": "object",
    "properties": {
        "groups": _named_items(
            {"lead_status_enabled": {"type": "boolean"}, "categories": _named_items({})}
        ),
        "default_category": NULLABLE_STRING,
    },
    "required": ["groups", "default_category"],
    "additionalProperties": False,
}

LEAD_STATUSES: Schema = {
    "type": "object",
    "properties": {"items": _named_items({})},
    "required": ["items"],
    "additionalProperties": False,
}

PAGE_VIEW: Schema = {
    "type": "object",
    "properties": {
        "v": {"type": "string", "pattern": ID_PATTERN, "description": "Visitor id."},
        "u": {
            "type": "string",
            "pattern": PAGE_ADDRESS,
            "description": f"The page's http(s) address (kept up to {MAX_URL} characters).",
        },
        "r": {"type": ["string", "null"], "description": "External referrer, or empty."},
    },
    "required": ["v", "u"],
}


# -- operations --------------------------------------------------------------------------


def path_param(name: str, description: str, pattern: str | None = None) -> Schema:
    schema: Schema = {"type": "string", "minLength": 1}
    if pattern:
        schema["pattern"] = pattern
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema,
    }


TENANT = path_param("tenant_id", "The tenant.", TENANT_PATTERN)
FORM = path_param("form_id", "The form.")
BEARER = [{"bearer": []}]


def operation(
    summary: str,
    *,
    ok: tuple[int, Schema],
    errors: tuple[int, ...],
    parameters: tuple[Schema, ...] = (),
    body: Schema | None = None,
    security: list[dict[str, list[str]]] | None = None,
    html_errors: bool = False,
    tag: str,
) -> Schema:
    status, response = ok
    op: Schema = {
        "summary": summary,
        "tags": [tag],
        "responses": {
            str(status): response,
            **{str(s): error_response(s, html=html_errors) for s in errors},
        },
    }
    if parameters:
        op["parameters"] = list(parameters)
    if body is not None:
        op["requestBody"] = {"required": True, "content": body}
    if security is not None:
        op["security"] = security
    return op


NO_STORE: Schema = {
    "Cache-Control": {"schema": {"type": "string", "const": "no-store"}, "required": True}
}


def json_ok(description: str, schema: Schema, *, no_store: bool = False) -> Schema:
    response: Schema = {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }
    if no_store:
        response["headers"] = NO_STORE
    return response


def query_param(name: str, description: str, bound: int) -> Schema:
    return {
        "name": name,
        "in": "query",
        "description": description,
        "schema": {"type": "string", "maxLength": bound},
    }


def channel_param(name: str) -> Schema:
    return {
        "name": name,
        "in": "query",
        "description": "Persons whose touch is in this channel (GA4's default channel group);"
        " empty: persons without that touch.",
        "schema": {"type": "string", "enum": [*CHANNELS, ""]},
    }


def date_param(name: str, description: str) -> Schema:
    return {
        "name": name,
        "in": "query",
        "description": description + " YYYY-MM-DD; empty is no bound.",
        "schema": {"type": "string", "anyOf": [{"format": "date"}, {"const": ""}]},
    }


def campaign_params(touches: tuple[str, ...], what: str) -> tuple[Schema, ...]:
    """The lists' campaign filter (``api/queries.campaign_filter``)."""
    found = (
        query_param("campaign", f"{what} of this campaign (its id): any of its values.", 64),
        query_param("campaign_value", f"{what} of this utm_campaign value.", MAX_VALUE),
        {
            "name": "campaign_touch",
            "in": "query",
            "description": "Which touch carries the campaign (with campaign or"
            f" campaign_value; default {touches[0]}): "
            + (
                "any: any touch, first_touch, lead_creation."
                if "any" in touches
                else "the person's lead_creation or first_touch."
            ),
            "schema": {"type": "string", "enum": list(touches)},
        },
    )
    if "any" not in touches:
        return found
    return (
        *found,
        date_param(
            "converted_from",
            "With campaign_touch=any: a conversion carrying it on or after this day.",
        ),
        date_param(
            "converted_to",
            "With campaign_touch=any: a conversion carrying it on or before this day.",
        ),
    )


def sort_param(sorts: dict[str, str], default: str) -> Schema:
    return {
        "name": "sort",
        "in": "query",
        "description": "The column to sort by; `-` in front for descending. Ties are ordered "
        "by id." + SORT_ORDER_NOTE,
        "schema": {
            "type": "string",
            "enum": [s for name in sorts for s in (name, f"-{name}")],
            "default": default,
        },
    }


CURSOR_PARAM: Schema = {
    "name": "cursor",
    "in": "query",
    "description": "`next_cursor` of the previous page, with the same parameters otherwise; "
    "a cursor not given by this list, or given for another sort, is 400.",
    "schema": {"type": "string", "maxLength": 2000},
}
LIMIT_PARAM: Schema = {
    "name": "limit",
    "in": "query",
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 50},
}


_NONE = " Empty or `(none)`: those without one. An unknown name is 400."
LEAD_PARAMS: tuple[Schema, ...] = (
    query_param("lead_status", "A lead status's name (any case) or id." + _NONE, LEAD_VALUE_MAX),
    query_param(
        "category", "The company's category: a name (any case) or id." + _NONE, LEAD_VALUE_MAX
    ),
    query_param(
        "category_group",
        "The company's category group: a name (any case) or id." + _NONE,
        LEAD_VALUE_MAX,
    ),
    query_param(
        "owner",
        "The owner's email (any case); empty or `(none)`: without an owner.",
        LEAD_VALUE_MAX,
    ),
)
SORT_ORDER_NOTE = (
    " `lead_status`, `category`, `category_group` and `owner` follow the configured order "
    "(the statuses' positions; groups, then their categories; owners by email), those "
    "without one last."
)


def page_of(item: str) -> Schema:
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
            "next_cursor": {
                "type": ["string", "null"],
                "description": "Pass as `cursor` for the next page; null on the last page.",
            },
        },
        "required": ["items", "next_cursor"],
        "additionalProperties": False,
    }


_MEASURES: dict[str, Schema] = {
    **{
        name: {"type": "integer", "minimum": 0, "description": text}
        for name, text in (
            ("sessions", "Sessions that landed with one of its values, by their start."),
            ("views", "Their page views."),
            ("new_contacts", "Persons created whose `touch` (first touch or lead creation)"
             " carries one of its values."),
            ("influenced", "Distinct persons with any touch of it in a conversion of the"
             " period (a creation or a submission)."),
            ("deals", "Deals created of persons whose `touch` carries it."),
            ("won_deals", "Those persons' deals won (closed) in the period."),
        )
    },
    "revenue": {
        "type": "array",
        "description": "The won deals' amounts, per currency.",
        "items": {
            "type": "object",
            "properties": {"currency": {"type": "string"}, "amount": {"type": "string"}},
            "required": ["currency", "amount"],
            "additionalProperties": False,
        },
    },
}  # fmt: skip
_CAMPAIGN_FIELDS: dict[str, Schema] = {
    "id": {"type": ["string", "null"], "description": "null: a value no campaign owns."},
    "name": {"type": "string"},
    "values": {"type": "array", "items": {"type": "string"}},
}
_PERIOD_FIELDS: dict[str, Schema] = {
    "period": {"type": "string", "enum": list(PERIOD_PRESETS)},
    "from": {"type": "string", "format": "date"},
    "to": {"type": "string", "format": "date"},
    "touch": {"type": "string", "enum": ["first_touch", "lead_creation"]},
}
CAMPAIGN_PARAMS: tuple[Schema, ...] = (
    {
        "name": "period",
        "in": "query",
        "description": "A preset (default year_to_date, also when empty). A custom range"
        " is `from`/`to` (YYYY-MM-DD, UTC days, inclusive; not listed as parameters"
        " here: `to` before `from` or more than five years is 400, which this document"
        " cannot state).",
        "schema": {"type": "string", "enum": ["", *(p for p in PERIOD_PRESETS if p != "custom")]},
    },
    {
        "name": "touch",
        "in": "query",
        "description": "What makes a contact new, and whose deals count: first_touch"
        " (default; also when empty) or lead_creation.",
        "schema": {"type": "string", "enum": ["", "first_touch", "lead_creation"]},
    },
)


def _object(properties: dict[str, Schema]) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


PATHS: dict[str, dict[str, Schema]] = {
    "/api/v1/persons": {
        "get": operation(
            "Persons of the key's tenant: search, filters, sorts, keyset pages",
            tag="persons",
            parameters=(
                query_param("q", "Text in the email, name or company (any case).", SEARCH_MAX),
                query_param("email", "Exact address (any case).", EMAIL_MAX),
                *(
                    query_param(name, "Persons whose touch has exactly this value.", MAX_VALUE)
                    for name in PERSON_FILTERS
                    if name not in CHANNEL_FILTERS
                ),
                *(channel_param(name) for name in CHANNEL_FILTERS),
                query_param("form", "Persons with a submission on this form (its id).", 64),
                {
                    "name": "via",
                    "in": "query",
                    "description": "Persons with a submission that came this way.",
                    "schema": {"type": "string", "enum": ["form", *LEAD_VIA, ""]},
                },
                query_param(
                    "reached_status",
                    "Persons who ever had this lead status (its history): a name (any case) "
                    "or id. An unknown name is 400.",
                    LEAD_VALUE_MAX,
                ),
                date_param("created_from", "Created on or after this day (UTC)."),
                date_param("created_to", "Created on or before this day (UTC)."),
                *campaign_params(("any", "first_touch", "lead_creation"), "Persons"),
                *LEAD_PARAMS,
                sort_param(PERSON_SORTS, "-created_at"),
                CURSOR_PARAM,
                LIMIT_PARAM,
            ),
            security=BEARER,
            ok=(200, json_ok("A page of persons.", page_of("Person"), no_store=True)),
            errors=(400, 401),
        )
    },
    "/api/v1/persons/{person_id}": {
        "get": operation(
            "One person of the key's tenant (another tenant's id is 404)",
            tag="persons",
            parameters=(path_param("person_id", "The person's id."),),
            security=BEARER,
            ok=(
                200,
                json_ok("The person.", {"$ref": "#/components/schemas/Person"}, no_store=True),
            ),
            errors=(401, 404),
        ),
        "patch": operation(
            "Change a person's name or company (a company is matched by name, or created "
            "without a source); null or blank clears",
            tag="persons",
            parameters=(path_param("person_id", "The person's id."),),
            body={"application/json": {"schema": {"$ref": "#/components/schemas/PersonEdit"}}},
            security=BEARER,
            ok=(
                200,
                json_ok(
                    "The changed person.", {"$ref": "#/components/schemas/Person"}, no_store=True
                ),
            ),
            errors=(400, 401, 404, 413, 415, 422, 503),
        ),
        "delete": operation(
            "Erase one person and everything that is theirs (a privacy erasure request)",
            tag="privacy",
            parameters=(path_param("person_id", "The person's id."),),
            security=BEARER,
            ok=(
                200,
                json_ok(
                    "What was deleted, per table.",
                    {
                        "type": "object",
                        "properties": {
                            "tenant_id": {"type": "string"},
                            "person_id": {"type": "string"},
                            "company": {"type": ["string", "null"]},
                            "company_sources_cleared": {"type": "integer", "minimum": 0},
                            "deals_unlinked": {"type": "integer", "minimum": 0},
                            "deleted": {
                                "type": "object",
                                "additionalProperties": {"type": "integer", "minimum": 0},
                            },
                        },
                        "required": ["tenant_id", "person_id", "deleted"],
                    },
                    no_store=True,
                ),
            ),
            errors=(401, 404, 503),
        ),
    },
    "/api/v1/persons/{person_id}/export": {
        "get": operation(
            "Everything stored about one person (a privacy access request), as one document",
            tag="privacy",
            parameters=(path_param("person_id", "The person's id."),),
            security=BEARER,
            ok=(
                200,
                json_ok(
                    "The person's rows, table by table.",
                    {
                        "type": "object",
                        "properties": {
                            "format": {"type": "string"},
                            "exported_at": {"type": "string"},
                            "tenant_id": {"type": "string"},
                            "person": {"type": "object"},
                            "submissions": {"type": "array", "items": {"type": "object"}},
                            "touches": {"type": "array", "items": {"type": "object"}},
                            "visitor_ids": {"type": "array", "items": {"type": "string"}},
                            "sessions": {"type": "array", "items": {"type": "object"}},
                            "pageviews": {"type": "array", "items": {"type": "object"}},
                        },
                        "required": ["format", "tenant_id", "person", "submissions"],
                    },
                    no_store=True,
                ),
            ),
            errors=(401, 404),
        )
    },
    "/api/v1/companies": {
        "get": operation(
            "Companies of the key's tenant: name search, sorts, keyset pages",
            tag="companies",
            parameters=(
                query_param("q", "Text in the name (case and spaces folded).", SEARCH_MAX),
                *LEAD_PARAMS[1:],
                sort_param(COMPANY_SORTS, "name"),
                CURSOR_PARAM,
                LIMIT_PARAM,
            ),
            security=BEARER,
            ok=(200, json_ok("A page of companies.", page_of("CompanySummary"), no_store=True)),
            errors=(400, 401),
        )
    },
    "/api/v1/companies/{company_id}": {
        "get": operation(
            "One company of the key's tenant: its source, persons and submissions count",
            tag="companies",
            parameters=(path_param("company_id", "The company's id."),),
            security=BEARER,
            ok=(200, json_ok("The company.", COMPANY, no_store=True)),
            errors=(401, 404),
        ),
        "patch": operation(
            "Change a company's category (a name, any case; null for none) or owner; the "
            "change is in the category history",
            tag="leads",
            parameters=(path_param("company_id", "The company's id."),),
            body={"application/json": {"schema": COMPANY_EDIT}},
            security=BEARER,
            ok=(200, json_ok("The changed company.", COMPANY, no_store=True)),
            errors=(400, 401, 404, 413, 415, 422, 503),
        ),
    },
    "/api/v1/categories": {
        "get": operation(
            "The category groups in order, each with its categories, and the category of "
            "companies created by a form submission",
            tag="leads",
            security=BEARER,
            ok=(200, json_ok("The categories.", CATEGORIES, no_store=True)),
            errors=(401,),
        )
    },
    "/api/v1/lead-statuses": {
        "get": operation(
            "The lead statuses in order (a new lead starts at the first active one)",
            tag="leads",
            security=BEARER,
            ok=(200, json_ok("The lead statuses.", LEAD_STATUSES, no_store=True)),
            errors=(401,),
        )
    },
    "/api/v1/leads": {
        "post": operation(
            "Add a lead that came by chat, another system or an import, with its touches",
            tag="submissions",
            body={"application/json": {"schema": {"$ref": "#/components/schemas/Lead"}}},
            security=BEARER,
            ok=(
                201,
                json_ok(
                    "Stored (committed), or a retry of a stored lead (`created_person` false).",
                    {
                        "type": "object",
                        "properties": {
                            "person_id": {"type": "string"},
                            "submission_id": {"type": "string"},
                            "created_person": {"type": "boolean"},
                        },
                        "required": ["person_id", "submission_id", "created_person"],
                        "additionalProperties": False,
                    },
                    no_store=True,
                ),
            ),
            errors=(400, 401, 409, 413, 415, 422, 503),
        )
    },
    "/t/{tenant_id}/forms/{form_id}": {
        "get": operation(
            "The hosted form (an HTML page for visitors, described here for completeness)",
            tag="submissions",
            parameters=(
                TENANT,
                FORM,
                *(
                    {"name": key, "in": "query", "schema": {"type": "string"}}
                    for key in (*UTM_KEYS, *CLICK_IDS)
                ),
                {
                    "name": "_ls",
                    "in": "query",
                    "description": "Touches handed over by utm.js in a decorated iframe.",
                    "schema": {"type": "string"},
                },
            ),
            ok=(
                200,
                {
                    "description": "The form, with the link's campaign data in hidden fields "
                    "and a new submission id.",
                    "content": {"text/html": {"schema": {"type": "string"}}},
                    "headers": NO_STORE,
                },
            ),
            errors=(403, 404, 429),
            html_errors=True,
        ),
        "post": operation(
            "Send a form submission as JSON (utm.js, or a site's own script)",
            tag="submissions",
            parameters=(
                TENANT,
                FORM,
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "description": "The submission id, when the body has none.",
                    "schema": {"type": "string", "pattern": OPTIONAL_ID_PATTERN},
                },
            ),
            body={"application/json": {"schema": {"$ref": "#/components/schemas/Submission"}}},
            ok=(
                201,
                json_ok(
                    "Stored (committed), or a retry of a stored submission.",
                    {
                        "type": "object",
                        "properties": {
                            "submission_id": {"type": "string"},
                            "thank_you_url": {"type": "string"},
                        },
                        "required": ["submission_id", "thank_you_url"],
                        "additionalProperties": False,
                    },
                    no_store=True,
                ),
            ),
            errors=(400, 403, 404, 409, 413, 415, 422, 429, 503),
            # A body that is not JSON, from a client that does not ask for JSON, is a browser's
            # post: its errors are pages.
            html_errors=True,
        ),
    },
    "/t/{tenant_id}/collect": {
        "post": operation(
            "Record a page view (utm.js sends it as text/plain, without a preflight)",
            tag="page views",
            parameters=(TENANT,),
            body={"application/json": {"schema": {"$ref": "#/components/schemas/PageView"}}},
            ok=(204, {"description": "Stored, or ignored (a bot's user agent)."}),
            errors=(400, 403, 404, 413, 415, 429, 503),
        )
    },
    "/healthz": {
        "get": operation(
            "The service answers and can read its database",
            tag="operations",
            ok=(
                200,
                json_ok(
                    "Up.",
                    {
                        "type": "object",
                        "properties": {"ok": {"const": True}},
                        "required": ["ok"],
                        "additionalProperties": False,
                    },
                ),
            ),
            errors=(),
        )
    },
}

# -- deals (ingest/api/deals.py) -----------------------------------------------------------

DEAL_PATHS: dict[str, dict[str, Schema]] = {
    "/api/v1/deals": {
        "get": operation(
            "Deals of the key's tenant: filters (lead-creation source too), sorts, keyset pages",
            tag="deals",
            parameters=(
                {
                    "name": "status",
                    "in": "query",
                    "schema": {"type": "string", "enum": list(DEAL_STATUSES)},
                },
                query_param("stage", "Deals in the stage of this name (any case).", 60),
                query_param(
                    "owner", "Deals of the user with this email; empty: without owner.", EMAIL_MAX
                ),
                query_param("person_id", "Deals of this person.", 64),
                query_param("company_id", "Deals of this company.", 64),
                *(
                    query_param(
                        name, "Deals whose person's lead creation has this value.", MAX_VALUE
                    )
                    for name in DEAL_SOURCE_FILTERS
                ),
                date_param("created_from", "Created on or after this day (UTC)."),
                date_param("created_to", "Created on or before this day (UTC)."),
                date_param("closed_from", "Closed on or after this day (UTC)."),
                date_param("closed_to", "Closed on or before this day (UTC)."),
                *campaign_params(("lead_creation", "first_touch"), "Deals whose person came"),
                sort_param(DEAL_SORTS, "-created_at"),
                CURSOR_PARAM,
                LIMIT_PARAM,
            ),
            security=BEARER,
            ok=(200, json_ok("A page of deals.", page_of("DealSummary"), no_store=True)),
            errors=(400, 401),
        ),
        "post": operation(
            "Create a deal for a person (won or lost without `closed_at` closes it now); a "
            "person of another tenant is 404",
            tag="deals",
            body={"application/json": {"schema": {"$ref": "#/components/schemas/DealNew"}}},
            security=BEARER,
            ok=(
                201,
                json_ok("The new deal.", {"$ref": "#/components/schemas/Deal"}, no_store=True),
            ),
            errors=(400, 401, 404, 413, 415, 422, 503),
        ),
    },
    "/api/v1/deals/{deal_id}": {
        "get": operation(
            "One deal with its history (another tenant's id is 404)",
            tag="deals",
            parameters=(path_param("deal_id", "The deal's id."),),
            security=BEARER,
            ok=(200, json_ok("The deal.", {"$ref": "#/components/schemas/Deal"}, no_store=True)),
            errors=(401, 404),
        ),
        "patch": operation(
            "Change a deal's status, stage, amount, owner, title, expected close or `closed_at`"
            " (won or lost without `closed_at` closes it now; reopening clears it)",
            tag="deals",
            parameters=(path_param("deal_id", "The deal's id."),),
            body={"application/json": {"schema": {"$ref": "#/components/schemas/DealChange"}}},
            security=BEARER,
            ok=(
                200,
                json_ok("The changed deal.", {"$ref": "#/components/schemas/Deal"}, no_store=True),
            ),
            errors=(400, 401, 404, 413, 415, 422, 503),
        ),
    },
    "/api/v1/pipeline-stages": {
        "get": operation(
            "The pipeline's stages of the key's tenant, in order",
            tag="deals",
            security=BEARER,
            ok=(
                200,
                json_ok(
                    "Every stage, active or not.",
                    {
                        "type": "object",
                        "properties": {"items": {"type": "array", "items": STAGE}},
                        "required": ["items"],
                        "additionalProperties": False,
                    },
                    no_store=True,
                ),
            ),
            errors=(401,),
        )
    },
    "/api/v1/campaigns": {
        "get": operation(
            "Every campaign of the key's tenant (named ones, and each utm_campaign value no"
            " campaign owns) with its measures for a period",
            tag="campaigns",
            parameters=CAMPAIGN_PARAMS,
            security=BEARER,
            ok=(
                200,
                json_ok(
                    "The campaigns.",
                    _object(
                        {
                            **_PERIOD_FIELDS,
                            "items": {
                                "type": "array",
                                "items": _object({**_CAMPAIGN_FIELDS, **_MEASURES}),
                            },
                        }
                    ),
                    no_store=True,
                ),
            ),
            errors=(400, 401),
        )
    },
    "/api/v1/campaigns/{campaign_id}/performance": {
        "get": operation(
            "One campaign's measures for a period, new contacts and sessions over time, and"
            " traffic by source / medium",
            tag="campaigns",
            parameters=(
                path_param("campaign_id", "The campaign's id."),
                *CAMPAIGN_PARAMS,
                {
                    "name": "every",
                    "in": "query",
                    "description": "The steps of over_time (default, also when empty: by"
                    " the period's length).",
                    "schema": {"type": "string", "enum": ["", "day", "week", "month"]},
                },
            ),
            security=BEARER,
            ok=(
                200,
                json_ok(
                    "The campaign's performance.",
                    _object(
                        {
                            **_PERIOD_FIELDS,
                            "every": {"type": "string", "enum": ["day", "week", "month"]},
                            "campaign": _object(_CAMPAIGN_FIELDS),
                            **_MEASURES,
                            "over_time": {
                                "type": "array",
                                "items": _object(
                                    {
                                        "from": {"type": "string", "format": "date"},
                                        "to": {"type": "string", "format": "date"},
                                        "new_contacts": {"type": "integer", "minimum": 0},
                                        "sessions": {"type": "integer", "minimum": 0},
                                    }
                                ),
                            },
                            "traffic": {
                                "type": "array",
                                "items": _object(
                                    {
                                        "source": {"type": "string"},
                                        "medium": {"type": "string"},
                                        **{
                                            k: {"type": "integer", "minimum": 0}
                                            for k in (
                                                "views",
                                                "sessions",
                                                "new_visitors",
                                                "contacts",
                                            )
                                        },
                                    }
                                ),
                            },
                        }
                    ),
                    no_store=True,
                ),
            ),
            errors=(400, 401, 404),
        )
    },
    "/api/v1/selections": {
        "get": operation(
            "The tenant's selections (saved searches of the app's persons and companies "
            "lists), by name",
            tag="selections",
            security=BEARER,
            ok=(
                200,
                json_ok(
                    "The selections.",
                    {
                        "type": "object",
                        "properties": {"items": {"type": "array", "items": SELECTION}},
                        "required": ["items"],
                        "additionalProperties": False,
                    },
                    no_store=True,
                ),
            ),
            errors=(401,),
        )
    },
    "/api/v1/selections/{selection_id}/items": {
        "get": operation(
            "A page of what a selection finds now (its query is run again): persons as "
            "`/api/v1/persons` answers them, or companies as `/api/v1/companies`; "
            "`owner=me` in its query is its creator",
            tag="selections",
            parameters=(
                path_param("selection_id", "The selection's id."),
                CURSOR_PARAM,
                LIMIT_PARAM,
            ),
            security=BEARER,
            ok=(
                200,
                json_ok(
                    "A page of the selection.",
                    {
                        "type": "object",
                        "properties": {
                            "selection": SELECTION,
                            "items": {
                                "type": "array",
                                "items": {
                                    "anyOf": [
                                        {"$ref": "#/components/schemas/Person"},
                                        {"$ref": "#/components/schemas/CompanySummary"},
                                    ]
                                },
                            },
                            "next_cursor": {"type": ["string", "null"]},
                        },
                        "required": ["selection", "items", "next_cursor"],
                        "additionalProperties": False,
                    },
                    no_store=True,
                ),
            ),
            errors=(400, 401, 404),
        )
    },
}
PATHS.update(DEAL_PATHS)

ATTRIBUTION_PATHS: dict[str, dict[str, Schema]] = {
    "/api/v1/reports/attribution": {
        "get": operation(
            "Attribution: the credits of the key's tenant's contact creations, deal creations"
            " or revenue per source, medium, campaign, source / medium or channel, under a"
            " model and a lookback window; dates filter the conversions' days",
            tag="reports",
            parameters=attribution_schema.PARAMETERS,
            security=BEARER,
            ok=(
                200,
                {
                    **json_ok("The report.", attribution_schema.REPORT, no_store=True),
                    "content": {
                        "application/json": {"schema": attribution_schema.REPORT},
                        "text/csv": {"schema": {"type": "string"}},
                    },
                },
            ),
            errors=(400, 401),
        )
    },
}
PATHS.update(ATTRIBUTION_PATHS)

_REPORT_ROW: Schema = {
    "type": "object",
    "description": "A group: its `key` ('' for none; `a / b` for source / medium), `label`, "
    "and per column its number (`leads`, `deals`, `ever_reached`, `in_it_now`; `amount` as "
    "exact text with its `currency`) and `<column>_list`, the app's list with exactly those "
    "persons or deals.",
    "properties": {"key": {"type": "string"}, "label": {"type": "string"}},
    "required": ["key", "label"],
}
REPORT_PATHS: dict[str, dict[str, Schema]] = {
    "/api/v1/reports/{measure}": {
        "get": operation(
            "A dashboard tile's data: a measure of the period's new leads or deals, by a "
            "grouping, with filters; `format=csv` gives the same rows as CSV (formula-safe)",
            tag="reports",
            parameters=(
                {
                    **path_param("measure", "What is counted."),
                    "schema": {"type": "string", "enum": list(REPORT_MEASURES)},
                },
                {
                    "name": "by",
                    "in": "query",
                    "description": "The grouping (each measure "
                    "takes some: 400 names them); none: one total.",
                    "schema": {"type": "string", "enum": [*REPORT_GROUPINGS, ""]},
                },
                {
                    "name": "period",
                    "in": "query",
                    "description": "A preset; default "
                    "year_to_date (UTC days of the service's clock).",
                    "schema": {"type": "string", "enum": list(PERIOD_PRESETS)},
                },
                date_param("from", "A custom period's first day."),
                date_param("to", "A custom period's last day (at most five years on)."),
                {
                    "name": "top",
                    "in": "query",
                    "description": "Rows answered, largest first.",
                    "schema": {"type": "integer", "minimum": 1, "maximum": REPORT_TOP_MAX},
                },
                query_param(
                    "owner",
                    "The lead's (a deal report: the deal's) owner's email; `(none)`: without one.",
                    EMAIL_MAX,
                ),
                query_param("category", "The company's category (leads only).", LEAD_VALUE_MAX),
                query_param("category_group", "The category's group (leads only).", LEAD_VALUE_MAX),
                {
                    "name": "channel",
                    "in": "query",
                    "description": "The lead creation's channel.",
                    "schema": {"type": "string", "enum": [*CHANNELS, ""]},
                },
                {
                    "name": "via",
                    "in": "query",
                    "description": "Leads with a submission that came this way (leads only).",
                    "schema": {"type": "string", "enum": ["form", *LEAD_VIA, ""]},
                },
                {
                    "name": "format",
                    "in": "query",
                    "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"},
                },
            ),  # fmt: skip
            security=BEARER,
            ok=(
                200,
                json_ok(
                    "The report: its rows (the top ones), how many more, and the total.",
                    {
                        "type": "object",
                        "properties": {
                            "measure": {"type": "string"},
                            "label": {"type": "string"},
                            "by": {"type": ["string", "null"]},
                            "period": {
                                "type": "object",
                                "properties": {
                                    "key": {"type": "string"},
                                    "from": {"type": "string", "format": "date"},
                                    "to": {"type": "string", "format": "date"},
                                    "label": {"type": "string"},
                                },
                                "required": ["key", "from", "to", "label"],
                            },
                            "filters": {
                                "type": "object",
                                "additionalProperties": {"type": "string"},
                            },
                            "columns": {"type": "array", "items": {"type": "string"}},
                            "rows": {"type": "array", "items": _REPORT_ROW},
                            "more": {"type": "integer", "minimum": 0},
                            "total": {"type": "object"},
                        },
                        "required": ["measure", "by", "period", "columns", "rows", "total"],
                    },
                    no_store=True,
                ),
            ),
            errors=(400, 401),
        )
    },
    "/api/v1/dashboards": {
        "get": operation(
            "The tenant's dashboards in order, each with its tiles and each tile's report "
            "address (`report_url`; a selection list's rows are its selection's items)",
            tag="reports",
            security=BEARER,
            ok=(
                200,
                json_ok(
                    "The dashboards.",
                    {
                        "type": "object",
                        "properties": {
                            "items": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "id": {"type": "string"},
                                        "name": {"type": "string"},
                                        "tiles": {"type": "array", "items": {"type": "object"}},
                                    },
                                    "required": ["id", "name", "tiles"],
                                },
                            }
                        },
                        "required": ["items"],
                    },
                    no_store=True,
                ),
            ),
            errors=(401,),
        )
    },
}
# ?format=csv: the same rows as CSV.
REPORT_PATHS["/api/v1/reports/{measure}"]["get"]["responses"]["200"]["content"]["text/csv"] = {
    "schema": {"type": "string"}
}
PATHS.update(REPORT_PATHS)

# Every route of the app is either described here or named below (not JSON).
OPENAPI_PATH = "/api/v1/openapi.json"
DOCUMENTED = frozenset(PATHS) | {OPENAPI_PATH}
UNDOCUMENTED: dict[str, str] = {
    "/t/{tenant_id}/utm.js": "the script (JavaScript)",
    "/t/{tenant_id}/utm-debug.js": "the debug helper (JavaScript)",
    "/t/{tenant_id}/forms/{form_id}/thanks": "the hosted thank-you page (HTML)",
    "/metrics": "Prometheus metrics (its text format), for the operator's token",
    # The marketer's app (ingest/webapp/): HTML pages for signed-in users, not an API.
    "/app": "a redirect to the app's list of accounts",
    "/app/": "the app: the signed-in user's accounts (HTML)",
    "/app/account": "the app: the signed-in user's password change (HTML and its form post)",
    "/app/login": "the app's sign-in page and form (HTML)",
    "/app/logout": "the app's sign-out (a form post, 303 to the sign-in page)",
    "/app/-/static/{name}": "the app's stylesheet and scripts, fingerprinted",
    "/app/{tenant}/": "the app: a tenant's home page (HTML)",
    "/app/{tenant}/settings": "the app: settings (HTML)",
    "/app/{tenant}/settings/transfer": "the app: UTM data transfer on or off (a form post)",
    "/app/{tenant}/settings/origins": "the app: add or remove an allowed origin (a form post)",
    "/app/{tenant}/settings/script": "the app: the script's options (a form post)",
    "/app/{tenant}/settings/api-keys": "the app: a new named API key (a form post)",
    "/app/{tenant}/settings/api-keys/{key_id}/revoke": "the app: revoke an API key (a form post)",
    "/app/{tenant}/users": "the app: the tenant's users (HTML)",
    "/app/{tenant}/import": "the app: importing contacts from a CSV file (HTML, multipart posts)",
    "/app/{tenant}/users/invite": "the app: invite a user (a form post)",
    "/app/{tenant}/users/role": "the app: change a member's role (a form post)",
    "/app/{tenant}/users/remove": "the app: remove a member (a form post)",
    "/app/{tenant}/forms": "the app: forms (HTML)",
    "/app/{tenant}/forms/{form_id}": "the app: a form's editor, embed code and preview (HTML)",
    "/app/{tenant}/links": "the app: campaign links (HTML)",
    "/app/{tenant}/links/campaigns": "the app: creating a campaign (a form post, 303)",
    "/app/{tenant}/campaigns": "the app: campaigns with their performance (HTML)",
    "/app/{tenant}/campaigns/compare": "the app: campaigns side by side (HTML)",
    "/app/{tenant}/campaigns/unowned": "the app: a utm_campaign value's performance (HTML)",
    "/app/{tenant}/campaigns/{campaign_id}": "the app: a campaign's performance (HTML)",
    "/app/{tenant}/live": "the app: the live view (HTML)",
    "/app/{tenant}/persons": "the app: persons (HTML)",
    "/app/{tenant}/companies": "the app: companies (HTML)",
    "/app/{tenant}/persons.csv": "the app: the persons list's selection as CSV",
    "/app/{tenant}/persons/{person_id}": "the app: a person's card (HTML)",
    "/app/{tenant}/persons/{person_id}/edit": "the app: a person's name and company (form post)",
    "/app/{tenant}/persons/{person_id}/export": "the app: a person's export (a JSON download)",
    "/app/{tenant}/persons/{person_id}/erase": "the app: a person's erasure, confirmed (HTML)",
    "/app/{tenant}/companies/{company_id}": "the app: a company's card (HTML)",
    "/app/{tenant}/deals": "the app: deals, with totals (HTML)",
    "/app/{tenant}/deals/new": "the app: a new deal (HTML, a form post)",
    "/app/{tenant}/deals/{deal_id}": "the app: a deal's card and history (HTML)",
    "/app/{tenant}/deals/{deal_id}/edit": "the app: a deal's change (a form post, 303)",
    "/app/{tenant}/pipeline": "the app: open deals by stage (HTML)",
    "/app/{tenant}/pipeline-setup": "the app: the pipeline's stages and currency (HTML)",
    "/app/{tenant}/board": "the app: leads by status, filtered, a page per column (HTML)",
    "/app/{tenant}/board/move": "the app: a lead's status from the board (a form post, 303)",
    "/app/{tenant}/lead-setup": "the app: categories, groups and lead statuses (HTML, posts)",
    "/app/{tenant}/persons/{person_id}/lead": "the app: a person's lead status and owner (post)",
    "/app/{tenant}/companies/{company_id}/lead": "the app: a company's category and owner (post)",
    "/app/{tenant}/selections": "the app: selections, and saving one (HTML, a form post)",
    "/app/{tenant}/selections/{selection_id}": "the app: a selection opened (303 to its list)",
    "/app/{tenant}/selections/{selection_id}/export": "the app: a selection as CSV",
    "/app/{tenant}/selections/{selection_id}/rename": "the app: rename a selection (post)",
    "/app/{tenant}/selections/{selection_id}/delete": "the app: delete a selection (post)",
    "/app/{tenant}/attribution": "the app: the attribution report (HTML)",
    "/app/{tenant}/attribution/conversions": "the app: the conversions behind a row of the"
    " attribution report (HTML)",
    "/app/{tenant}/dashboards": "the app: the first dashboard (303), adding one (a form post)",
    "/app/{tenant}/dashboards/manage": "the app: the dashboards, renamed, moved, deleted (HTML)",
    "/app/{tenant}/dashboards/{dashboard_id}": "the app: a dashboard's tiles (HTML)",
    "/app/{tenant}/dashboards/{dashboard_id}/change": "the app: rename, move or delete (post)",
    "/app/{tenant}/dashboards/{dashboard_id}/tiles": "the app: a new tile (HTML, a form post)",
    "/app/{tenant}/dashboards/{dashboard_id}/tiles/{tile_id}": "the app: a tile's edit (HTML)",
    "/app/{tenant}/dashboards/{dashboard_id}/tiles/{tile_id}/csv": "the app: a tile's CSV",
    "/app/{tenant}/dashboards/{dashboard_id}/tiles/{tile_id}/change": "the app: move or remove"
    " a tile (post)",
}


def document(base_url: str) -> Schema:
    error_schemas = {
        f"Error{status}": error_schema(codes, with_fields=status == 422)
        for status, (codes, _) in ERRORS.items()
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Leadsource ingest API",
            "version": "1",
            "description": "Form submissions and page views from customers' sites, and the "
            "persons they make, scoped to the tenant of the bearer key. Errors have one "
            'shape: `{"error": {"code", "message", "fields"?}}`. The hosted form '
            "(`GET` of a form's address) and native form posts answer HTML and are not "
            "described here.",
        },
        "servers": [{"url": base_url}],
        "paths": PATHS,
        "components": {
            "schemas": {
                "Touch": TOUCH,
                "Person": PERSON,
                "PersonEdit": PERSON_EDIT,
                "Lead": LEAD,
                "CompanySummary": COMPANY_SUMMARY,
                "Submission": SUBMISSION,
                "PageView": PAGE_VIEW,
                **DEAL_SCHEMAS,
                **error_schemas,
            },
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The tenant's API key (`leadsource tenant create` prints it).",
                }
            },
        },
    }


async def serve(request: Request) -> Response:
    return JSONResponse(document(request.state.settings.public_base))
