"""Reading a request body within a bound, refused with our own 413 as soon as it passes it
(Starlette's body limit answers in plain text, outside our one error shape)."""

from __future__ import annotations

from starlette.requests import ClientDisconnect, Request

from ingest.errors import BadRequest, PayloadTooLarge
from ingest.ops import observability


class ClientGone(BadRequest):
    """The client closed the connection before its body arrived: nobody reads the answer,
    and it is an everyday event (a closed tab, a lost network), counted but not logged."""


async def read_body(request: Request, limit: int, message: str) -> bytes:
    too_large = PayloadTooLarge(message)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise too_large
    except ClientDisconnect:
        observability.record(request, observability.CLIENT_DISCONNECTED)
        raise ClientGone("The connection closed before the body arrived.") from None
    return bytes(body)
