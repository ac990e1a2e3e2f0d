"""The OpenAPI description of ``GET /api/v1/reports/attribution`` (``ingest/api/openapi.py``
adds it to its paths): the parameters ``ingest/domain/credits/report.py`` reads and the
answer ``report.as_json`` gives."""

from __future__ import annotations

from typing import Any

from ingest.domain.attribution import CONVERSIONS, GROUPINGS, MODELS
from ingest.domain.periods import PRESETS
from ingest.storage.attribution import MAX_LOOKBACK

Schema = dict[str, Any]

_DATE: Schema = {"type": "string", "anyOf": [{"format": "date"}, {"const": ""}]}
# Every parameter may be empty, which is its default (as an empty form field sends it).
PARAMETERS: tuple[Schema, ...] = (
    {
        "name": "conversion",
        "in": "query",
        "description": "What is attributed: a person's creation, a deal's creation or a deal"
        " won (revenue). Default contact_create.",
        "schema": {"type": "string", "enum": [*CONVERSIONS, ""]},
    },
    {
        "name": "model",
        "in": "query",
        "description": "The attribution model; w_shaped is offered for deal_create and revenue,"
        " full_path for revenue only (another combination is 400). Default linear.",
        "schema": {"type": "string", "enum": [*MODELS, ""]},
    },
    {
        "name": "by",
        "in": "query",
        "description": "What the credits are grouped by. Default source.",
        "schema": {"type": "string", "enum": [*GROUPINGS, ""]},
    },
    {
        "name": "from",
        "in": "query",
        "description": "First UTC day of the conversions (YYYY-MM-DD), included; with `to`"
        " or alone a custom range (up to today). Default: the year to date.",
        "schema": _DATE,
    },
    {
        "name": "to",
        "in": "query",
        "description": "Last UTC day of the conversions, included.",
        "schema": _DATE,
    },
    {
        "name": "period",
        "in": "query",
        "description": "A preset range instead of from/to.",
        "schema": {"type": "string", "enum": [*PRESETS, ""]},
    },
    {
        "name": "lookback_days",
        "in": "query",
        "description": "The lookback window: touches up to this many days before each"
        " conversion. 90 (the default) is read from the kept credits; another value is"
        " computed from the raw data, for at most 5,000 conversions (more is 400).",
        "schema": {
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": MAX_LOOKBACK, "default": 90},
                {"const": ""},
            ]
        },
    },
    {
        "name": "campaign",
        "in": "query",
        "description": "Repeatable: only credits of touches with one of these utm_campaign"
        " values (up to 50).",
        "schema": {"type": "array", "items": {"type": "string", "maxLength": 500}},
        "style": "form",
        "explode": True,
    },
    {
        "name": "format",
        "in": "query",
        "description": "json (default) or csv: the same rows as CSV (UTF-8 with BOM, cells"
        " that would start a formula prefixed with ').",
        "schema": {"type": "string", "enum": ["json", "csv", ""]},
    },
)

REPORT: Schema = {
    "type": "object",
    "properties": {
        "conversion": {"type": "string", "enum": list(CONVERSIONS)},
        "model": {"type": "string", "enum": list(MODELS)},
        "by": {"type": "string", "enum": list(GROUPINGS)},
        "from": {"type": "string", "format": "date"},
        "to": {"type": "string", "format": "date"},
        "lookback_days": {"type": "integer"},
        "rows": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "key": {
                        "type": ["string", "null"],
                        "description": "null: the conversions with no touch in the window;"
                        " a touch without a campaign is grouped under (not set).",
                    },
                    "credit": {
                        "type": "string",
                        "pattern": r"^[0-9]+(\.[0-9]{1,9})?$",
                        "description": "The exact sum of the credits (each conversion's sum"
                        " to 1), as decimal text.",
                    },
                    "revenue": {
                        "type": "string",
                        "pattern": r"^[0-9]+\.[0-9]{2}$",
                        "description": "Revenue only: the credited share of the won deals'"
                        " amounts in the tenant's currency (deals in another currency are"
                        " left out of revenue reports).",
                    },
                },
                "required": ["key", "credit"],
                "additionalProperties": False,
            },
        },
        "conversions": {"type": "integer", "minimum": 0},
    },
    "required": ["conversion", "model", "by", "from", "to", "lookback_days", "rows", "conversions"],
    "additionalProperties": False,
}
