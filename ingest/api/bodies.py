"""What the JSON API's writes read from a request: a bounded JSON object."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from ingest.domain.validation import load_json
from ingest.edge.bodies import read_body
from ingest.errors import BadRequest, UnsupportedMediaType, ValidationFailed


async def json_object(request: Request, limit: int, what: str) -> dict[str, Any]:
    """The body as a JSON object: 415 unless ``application/json``, 413 over ``limit`` bytes,
    400 for what is not JSON, 422 (``fields.body``) for JSON that is not an object. ``what``
    names the body in those messages."""
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise UnsupportedMediaType(f"Send the {what} as application/json.")
    body = await read_body(request, limit, f"The {what} is too large.")
    try:
        data = load_json(body)
    except (ValueError, RecursionError):
        raise BadRequest(f"The {what} is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ValidationFailed(
            f"Send the {what} as a JSON object.", {"body": "Must be a JSON object."}
        )
    return data
