"""Touches: turning what a browser sent into one clean, bounded record of an arrival.

Everything here is attacker-controlled input. Values are kept as sent (no case folding, no
trimming) but stripped of control characters and truncated to a bound; anything malformed
is dropped, never fatal. Sources without UTM parameters are derived from click ids and the
referrer: search engine -> ``<engine> / organic``, other site -> ``<domain> / referral``,
nothing -> ``(direct) / (none)``.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "utm_id")
# Ad-platform click ids, and the source/medium a click id implies when no UTM came with it.
# The order is utm.js's: when several are present, the first one decides (gclid first).
CLICK_IDS = {
    "gclid": ("google", "cpc"),
    "gbraid": ("google", "cpc"),
    "wbraid": ("google", "cpc"),
    "dclid": ("google", "display"),  # Display & Video 360 / Campaign Manager
    "msclkid": ("bing", "cpc"),
    "fbclid": ("facebook", "paid_social"),
    "li_fat_id": ("linkedin", "paid_social"),
    "ttclid": ("tiktok", "paid_social"),
    "twclid": ("twitter", "paid_social"),
    "epik": ("pinterest", "paid_social"),
    "rdt_cid": ("reddit", "paid_social"),
    "sccid": ("snapchat", "paid_social"),
    "yclid": ("yandex", "cpc"),
}
# Every key a touch object from the script may carry.
TOUCH_KEYS = (*UTM_KEYS, *CLICK_IDS, "landing_page", "referrer", "at")
MAX_VALUE = 255
MAX_URL = 2048
MAX_RAW_TOUCH = 16 * 1024
MAX_HISTORY = 20  # touches kept per submission, the newest
MAX_RAW_HISTORY = 64 * 1024
MAX_HANDOVER = 8 * 1024  # the _ls parameter of a decorated iframe's address

# Search engines by the labels of their host names, for "<engine> / organic".
SEARCH_ENGINES = {
    "google": "google",
    "bing": "bing",
    "duckduckgo": "duckduckgo",
    "yahoo": "yahoo",
    "yandex": "yandex",
    "baidu": "baidu",
    "ecosia": "ecosia",
    "startpage": "startpage",
    "qwant": "qwant",
    "naver": "naver",
    "seznam": "seznam",
    "search.brave": "brave",
    "kagi": "kagi",
    "ask": "ask",
    "aol": "aol",
}
DIRECT = ("(direct)", "(none)")
# Control characters, and lone surrogates (a JSON escape like "\ud800" makes one): text that
# can be neither stored nor sent on as UTF-8.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Touch:
    source: str
    medium: str
    campaign: str | None = None
    term: str | None = None
    content: str | None = None
    utm_id: str | None = None
    click_ids: dict[str, str] = field(default_factory=dict)
    landing_page: str | None = None
    referrer: str | None = None
    at: str = ""

    def public(self) -> dict[str, object]:
        """The touch as the API shows it."""
        data = asdict(self)
        if not data["click_ids"]:
            data.pop("click_ids")
        return data


def source_columns(touch: Touch | None) -> tuple[str | None, ...]:
    """The source columns shared by ``touches`` and ``sessions``, in table order: source,
    medium, campaign, term, content, utm_id, click_ids (JSON), landing_page, referrer; all
    NULL without a touch."""
    if touch is None:
        return (None,) * 9
    return (
        touch.source,
        touch.medium,
        touch.campaign,
        touch.term,
        touch.content,
        touch.utm_id,
        json.dumps(touch.click_ids, ensure_ascii=False) if touch.click_ids else None,
        touch.landing_page,
        touch.referrer,
    )


def clean_value(value: object, limit: int = MAX_VALUE) -> str | None:
    if not isinstance(value, str):
        return None
    value = _CONTROL.sub("", value)[:limit]
    return value or None


def clean_url(value: object) -> str | None:
    value = clean_value(value, MAX_URL)
    if value is None:
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return value


def clean_time(value: object, now: datetime) -> str:
    moment = now
    if isinstance(value, str) and len(value) <= 40:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None:
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            if _EARLIEST <= parsed <= now + timedelta(days=1):
                moment = parsed.astimezone(UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def referrer_source(referrer: str | None) -> tuple[str, str] | None:
    if not referrer:
        return None
    host = (urlsplit(referrer).hostname or "").lower().rstrip(".")
    if not host:
        return None
    labels = host.split(".")
    for key, engine in SEARCH_ENGINES.items():
        parts = key.split(".")
        # "google" matches www.google.com and google.co.uk; a one-label key must be the
        # name right before the public suffix or the host itself, not any label anywhere.
        for i in range(len(labels) - len(parts) + 1):
            if labels[i : i + len(parts)] == parts and _looks_like_suffix(labels[i + len(parts) :]):
                return engine, "organic"
    domain = host[4:] if host.startswith("www.") else host
    return domain, "referral"


def _looks_like_suffix(rest: list[str]) -> bool:
    # com, de, co.uk, com.au: one or two short labels.
    return 1 <= len(rest) <= 2 and all(0 < len(label) <= 3 for label in rest)


def build_touch(
    params: dict[str, object],
    *,
    landing_page: object = None,
    referrer: object = None,
    at: object = None,
    now: datetime,
) -> Touch:
    """A touch from raw parameters (``utm_*`` and click id keys), landing page and referrer."""
    utm = {key: clean_value(params.get(key)) for key in UTM_KEYS}
    clicks = {key: v for key in CLICK_IDS if (v := clean_value(params.get(key))) is not None}
    ref = clean_url(referrer)
    campaign_fields = {k: v for k, v in utm.items() if k != "utm_id" and v is not None}
    if campaign_fields:
        source = utm["utm_source"] or "(not set)"
        medium = utm["utm_medium"] or "(not set)"
    elif clicks:
        # gclid outranks the others when several are present, in CLICK_IDS order.
        source, medium = CLICK_IDS[next(iter(clicks))]
    else:
        source, medium = referrer_source(ref) or DIRECT
    return Touch(
        source=source,
        medium=medium,
        campaign=utm["utm_campaign"],
        term=utm["utm_term"],
        content=utm["utm_content"],
        utm_id=utm["utm_id"],
        click_ids=clicks,
        landing_page=clean_url(landing_page),
        referrer=ref,
        at=clean_time(at, now),
    )


def touch_from_json(raw: object, now: datetime) -> Touch | None:
    """A touch from the script's hidden field (utm.js's array form, or an object of named
    values as API clients send), or None when it is missing or malformed."""
    data = _as_object(_parse_json(raw, MAX_RAW_TOUCH))
    return touch_from_dict(data, now) if data is not None else None


def _as_object(entry: object) -> dict[object, object] | None:
    """A touch object from either form; None for anything else."""
    if isinstance(entry, list):
        return _slots_to_touch(entry)
    return entry if isinstance(entry, dict) else None


def touch_from_dict(data: dict[object, object], now: datetime) -> Touch:
    lowered = {str(k).lower(): v for k, v in data.items()}
    return build_touch(
        lowered,
        landing_page=lowered.get("landing_page"),
        referrer=lowered.get("referrer"),
        at=lowered.get("at"),
        now=now,
    )


def touches_from_json(raw: object, now: datetime) -> list[Touch]:
    """The visitor's touch history (a JSON array of touches in either form, oldest first),
    bounded to the newest ``MAX_HISTORY`` readable entries; entries that are not touches are
    dropped."""
    data = _parse_json(raw, MAX_RAW_HISTORY)
    if not isinstance(data, list):
        return []
    newest_first: list[Touch] = []
    for raw_entry in reversed(data):
        if len(newest_first) == MAX_HISTORY:
            break
        entry = _as_object(raw_entry)
        if entry is not None and any(str(k).lower() in TOUCH_KEYS for k in entry):
            newest_first.append(touch_from_dict(entry, now))
    return newest_first[::-1]


# The slots of a touch as utm.js stores and hands it over: an array in this order, null where
# empty, the time in milliseconds since the epoch last.
SCRIPT_SLOTS = (*UTM_KEYS, *CLICK_IDS, "referrer", "landing_page", "at")


def handed_touches(raw: str | None) -> dict[str, str]:
    """The hidden fields for the touches utm.js hands to a hosted form in an iframe:
    ``_ls=[first, latest non-direct]``, each a touch array in ``SCRIPT_SLOTS`` order (the
    script's storage format), or the older ``{"f": first, "l": latest}`` of touch objects.
    Only known keys with string values pass, each bounded; anything oversized or malformed
    gives nothing."""
    data = _parse_json(raw, MAX_HANDOVER)
    if isinstance(data, list):
        data = dict(zip(("f", "l"), map(_slots_to_touch, data), strict=False))
    if not isinstance(data, dict):
        return {}
    fields = {}
    for key, name in (("f", "ls_first_touch"), ("l", "ls_latest_touch")):
        touch = data.get(key)
        if not isinstance(touch, dict):
            continue
        kept = {}
        for k, v in touch.items():
            k = str(k).lower()
            limit = MAX_URL if k in ("landing_page", "referrer") else MAX_VALUE
            if k in TOUCH_KEYS and (value := clean_value(v, limit)) is not None:
                kept[k] = value
        if kept:
            fields[name] = json.dumps(kept, ensure_ascii=False)
    return fields


def _slots_to_touch(slots: object) -> dict[str, object] | None:
    """A touch object from utm.js's array form; None unless it is one."""
    if not isinstance(slots, list) or len(slots) != len(SCRIPT_SLOTS):
        return None
    touch = dict(zip(SCRIPT_SLOTS, slots, strict=True))
    at = touch.pop("at")
    if isinstance(at, int | float) and not isinstance(at, bool):
        try:
            touch["at"] = datetime.fromtimestamp(at / 1000, UTC).isoformat(timespec="milliseconds")
        except (OverflowError, OSError, ValueError):
            pass
        else:
            touch["at"] = touch["at"].replace("+00:00", "Z")
    return touch


def _parse_json(raw: object, limit: int) -> object:
    if not isinstance(raw, str) or not raw or len(raw) > limit:
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # a thousand "[" is enough to exhaust the stack
        return None


def touch_from_fields(fields: dict[str, str], now: datetime) -> Touch | None:
    """The submission's own touch: plain ``utm_*`` fields, as a hosted form carries them."""
    lowered = {k.lower(): v for k, v in fields.items()}
    has_params = any(clean_value(lowered.get(k)) for k in (*UTM_KEYS, *CLICK_IDS))
    landing = clean_url(lowered.get("ls_landing_page"))
    if not has_params and landing is None:
        return None
    return build_touch(lowered, landing_page=landing, referrer=lowered.get("ls_referrer"), now=now)


def params_from_query(items: list[tuple[str, str]]) -> dict[str, str]:
    """UTM and click-id parameters of a URL: keys case-insensitive, the first value wins."""
    found: dict[str, str] = {}
    for key, value in items:
        key = key.lower()
        if (key in UTM_KEYS or key in CLICK_IDS) and key not in found:
            cleaned = clean_value(value)
            if cleaned is not None:
                found[key] = cleaned
    return found


def params_from_url(url: str) -> dict[str, str]:
    """Campaign parameters of a page address, read as utm.js reads them: the query, then
    the part after '#' (from its first '?' when it has one, as a hash route does)."""
    parts = urlsplit(url)
    route, mark, fragment_query = parts.fragment.partition("?")
    fragment = fragment_query if mark else route
    return params_from_query([*_query_items(parts.query), *_query_items(fragment)])


def without_campaign(url: str) -> str:
    """The address with the campaign parameters params_from_url reads removed."""
    parts = urlsplit(url)
    route, mark, fragment_query = parts.fragment.partition("?")
    fragment = route + mark + _strip_campaign(fragment_query) if mark else _strip_campaign(route)
    stripped = parts._replace(query=_strip_campaign(parts.query), fragment=fragment)
    return url if stripped == parts else urlunsplit(stripped)


def _query_items(query: str) -> list[tuple[str, str]]:
    # Callers pass bounded URLs (clean_url), so the number of fields is bounded too.
    return parse_qsl(query, keep_blank_values=True)


def _strip_campaign(query: str) -> str:
    items = _query_items(query)
    kept = [(k, v) for k, v in items if k.lower() not in (*UTM_KEYS, *CLICK_IDS)]
    return query if len(kept) == len(items) else urlencode(kept)
