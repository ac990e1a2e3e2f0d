"""The OpenAPI schemas of deals and stages (``ingest/api/openapi.py`` describes the paths):
what ``ingest/domain/deals.py`` accepts and what ``storage/deals.deal_json`` answers."""

from __future__ import annotations

from typing import Any

from ingest.domain.deals import TITLE_MAX
from ingest.domain.money import MAX_MINOR
from ingest.domain.stages import STAGE_NAME_MAX
from ingest.domain.validation import EMAIL_MAX
from ingest.storage.deals import STATUSES

Schema = dict[str, Any]

_NULLABLE_STRING: Schema = {"type": ["string", "null"]}
_VISIBLE = r"[^\s\x00-\x1f\x7f-\x9f]"  # at least one character that is not space or control

AMOUNT_INPUT: Schema = {
    "description": "A non-negative amount with at most 2 decimals, as a string (exact: "
    '`"1234.50"`) or a JSON number.',
    "anyOf": [
        {"type": "string", "pattern": r"^[0-9]{1,12}(\.[0-9]{1,2})?$"},
        {"type": "integer", "minimum": 0, "maximum": MAX_MINOR // 100},
        {"type": "number", "minimum": 0, "maximum": MAX_MINOR / 100, "multipleOf": 0.01},
    ],
}
TIME_INPUT: Schema = {
    "type": "string",
    "maxLength": 40,
    "description": "`YYYY-MM-DD` (midnight UTC) or an ISO 8601 time (UTC without an offset); "
    "not in the future.",
}
DAY_INPUT: Schema = {"type": ["string", "null"], "format": "date", "description": "YYYY-MM-DD."}


def _named(bound: int, description: str, *, nullable: bool = False) -> Schema:
    return {
        "type": ["string", "null"] if nullable else "string",
        "maxLength": bound,
        "pattern": _VISIBLE,
        "description": description,
    }


_STATUS: Schema = {"type": "string", "enum": list(STATUSES)}
_STAGE_NAME = _named(STAGE_NAME_MAX, "An active stage's name (any case).")
_OWNER = _named(EMAIL_MAX, "The email of a user of the account; null for none.", nullable=True)

DEAL_NEW: Schema = {
    "type": "object",
    "properties": {
        "person_id": _named(64, "The person the deal is with (of the key's tenant)."),
        "title": _named(TITLE_MAX, "What is sold."),
        "amount": AMOUNT_INPUT,
        "status": _STATUS,
        "stage": _STAGE_NAME | {"description": "Default: the first active stage."},
        "created_at": TIME_INPUT | {"description": "Default now; may be in the past (backfill)."},
        "closed_at": TIME_INPUT
        | {"description": "Won or lost only; default now. Not before created_at."},
        "expected_close": DAY_INPUT,
        "owner": _OWNER,
        "currency": {
            "type": "string",
            "pattern": "^[A-Za-z]{3}$",
            "description": "Default: the account's currency.",
        },  # fmt: skip
        "company_id": _named(64, "Default: the person's company."),
    },
    "required": ["person_id", "title", "amount", "status"],
    "additionalProperties": False,
}

DEAL_CHANGE: Schema = {
    "type": "object",
    "properties": {
        "status": _STATUS,
        "stage": _STAGE_NAME,
        "amount": AMOUNT_INPUT,
        "owner": _OWNER,
        "title": _named(TITLE_MAX, "What is sold."),
        "expected_close": DAY_INPUT,
        "closed_at": TIME_INPUT
        | {"description": "Of a won or lost deal; not before its creation."},
    },
    "minProperties": 1,
    "additionalProperties": False,
}

STAGE: Schema = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "probability": {"type": "integer", "minimum": 0, "maximum": 100},
        "position": {"type": "integer"},
        "active": {"type": "boolean"},
    },
    "required": ["id", "name", "probability", "position", "active"],
    "additionalProperties": False,
}

_SOURCE: Schema = {
    "oneOf": [
        {
            "type": "object",
            "description": "The lead-creation touch of the deal's person: what the deal is "
            "attributed to.",
            "properties": {
                "source": _NULLABLE_STRING,
                "medium": _NULLABLE_STRING,
                "campaign": _NULLABLE_STRING,
            },
            "required": ["source", "medium", "campaign"],
            "additionalProperties": False,
        },
        {"type": "null"},
    ]
}


def _ref_or_null(properties: Schema) -> Schema:
    return {
        "oneOf": [
            {
                "type": "object",
                "properties": properties,
                "required": list(properties),
                "additionalProperties": False,
            },
            {"type": "null"},
        ]
    }


_SUMMARY_PROPERTIES: Schema = {
    "id": {"type": "string"},
    "title": {"type": "string"},
    "amount": {"type": "string", "pattern": r"^[0-9]+\.[0-9]{2}$", "description": "Exact."},
    "currency": {"type": "string"},
    "status": _STATUS,
    "stage": _NULLABLE_STRING,
    "probability": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
    "person": _ref_or_null(
        {"id": {"type": "string"}, "email": {"type": "string"}, "name": _NULLABLE_STRING}
    ),
    "company": _ref_or_null({"id": {"type": "string"}, "name": {"type": "string"}}),
    "owner": _NULLABLE_STRING | {"description": "The owner's email."},
    "lead_creation": _SOURCE,
    "created_at": {"type": "string"},
    "expected_close": _NULLABLE_STRING,
    "closed_at": _NULLABLE_STRING,
    "updated_at": {"type": "string"},
}

DEAL_SUMMARY: Schema = {
    "type": "object",
    "properties": _SUMMARY_PROPERTIES,
    "required": list(_SUMMARY_PROPERTIES),
    "additionalProperties": False,
}

DEAL: Schema = {
    "type": "object",
    "properties": {
        **_SUMMARY_PROPERTIES,
        "history": {
            "type": "array",
            "description": "Changes of stage, status and amount, oldest first; a new deal's "
            "first values are changes from null.",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string", "enum": ["stage", "status", "amount"]},
                    "from": _NULLABLE_STRING,
                    "to": _NULLABLE_STRING,
                    "user": _NULLABLE_STRING | {"description": "Null for the API."},
                    "at": {"type": "string"},
                },
                "required": ["field", "from", "to", "user", "at"],
                "additionalProperties": False,
            },
        },
    },
    "required": [*_SUMMARY_PROPERTIES, "history"],
    "additionalProperties": False,
}

DEAL_SCHEMAS: dict[str, Schema] = {
    "Deal": DEAL,
    "DealSummary": DEAL_SUMMARY,
    "DealNew": DEAL_NEW,
    "DealChange": DEAL_CHANGE,
}
