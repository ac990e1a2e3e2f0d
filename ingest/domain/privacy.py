"""What a stored address keeps of its query: campaign keys, click ids, parameters that look
like a misspelled campaign key (``utm-source``, ``UTMsource``, ``utm_source ``: kept so the
app can explain them), and the parameters the tenant lists. Everything else (a
``reset_token=``, an ``email=`` in a tagged link) is dropped before it reaches the database."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import overload
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from ingest.domain.touch import CLICK_IDS, UTM_KEYS, Touch

_CAMPAIGN = frozenset((*UTM_KEYS, *CLICK_IDS))
_LETTERS = re.compile(r"[^a-z]")


def looks_like_campaign_key(name: str) -> bool:
    """A campaign key, or one misspelled in case, separators or spaces."""
    lowered = name.lower().strip()
    return lowered in _CAMPAIGN or _LETTERS.sub("", lowered).startswith("utm")


def _keep_query(query: str, keep: frozenset[str]) -> str:
    # Pieces are kept as they were written (their encoding untouched), only others removed.
    kept = []
    for piece in query.split("&"):
        name = unquote_plus(piece.partition("=")[0])
        if piece and (looks_like_campaign_key(name) or name.lower() in keep):
            kept.append(piece)
    return "&".join(kept)


def private_params_removed(url: str | None, keep: Iterable[str] = ()) -> str | None:
    """The address without query parameters it has no reason to keep. A fragment that is a
    query (``#a=1``) or a route with one (``#/page?a=1``) is filtered the same way."""
    if not url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    allowed = frozenset(name.lower() for name in keep)
    route, mark, fragment_query = parts.fragment.partition("?")
    if mark:
        fragment = route + (("?" + kept) if (kept := _keep_query(fragment_query, allowed)) else "")
    elif "=" in route:
        fragment = _keep_query(route, allowed)
    else:
        fragment = route
    cleaned = parts._replace(query=_keep_query(parts.query, allowed), fragment=fragment)
    return url if cleaned == parts else urlunsplit(cleaned)


@overload
def without_private_params(touch: Touch, keep: Iterable[str]) -> Touch: ...
@overload
def without_private_params(touch: None, keep: Iterable[str]) -> None: ...
def without_private_params(touch: Touch | None, keep: Iterable[str]) -> Touch | None:
    """The touch with its landing page and referrer cleaned as above."""
    if touch is None:
        return None
    return replace(
        touch,
        landing_page=private_params_removed(touch.landing_page, keep),
        referrer=private_params_removed(touch.referrer, keep),
    )
