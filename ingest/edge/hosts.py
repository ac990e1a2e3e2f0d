"""Trusted hosts: the service answers only to the names it is published under.

Every URL it generates comes from ``LEADSOURCE_BASE_URL``, never from the request, and a
request naming another ``Host`` is refused before routing, so a forged ``Host`` cannot reach a
page, a redirect or the "own origin" of the origin checks. Starlette's TrustedHostMiddleware
does the same matching but answers in plain text; this one answers in our one error shape.
"""

from __future__ import annotations

import json

REFUSED = json.dumps(
    {"error": {"code": "bad_request", "message": "This service does not answer to that host."}}
).encode()


def host_name(header: str) -> str:
    """The name of a ``Host`` header, without its port; IPv6 literals keep their brackets."""
    header = header.strip().lower()
    if header.startswith("["):
        return header.partition("]")[0] + "]"
    return header.rpartition(":")[0] if header.count(":") == 1 else header


def host_allowed(name: str, patterns: tuple[str, ...]) -> bool:
    for pattern in patterns:
        if pattern == "*" or name == pattern:
            return True
        if pattern.startswith("*.") and name.endswith(pattern[1:]):
            return True
    return False
