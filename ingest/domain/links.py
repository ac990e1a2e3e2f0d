"""Tracking URLs: the UTM builder's rules (seed 001, step 3).

``build(...)`` takes a page address and the campaign values a marketer typed, applies the
tenant's naming rule (lowercase, trimmed, spaces to one separator) so the same campaign is
never counted as two, and says what looks wrong before the link goes into an ad:

- the page is not on one of the tenant's allowed websites (the script would not run there);
- the page is a hosted form (a visitor who lands there directly keeps this link's campaign but
  no first touch; a hosted form linked from the site loses it: embed the form instead);
- the source and medium fall into no channel (Unassigned in every report);
- a campaign name that differs only in case or separators from one already in use;
- the page address already carries UTM parameters (they would be replaced).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
LABELS = {
    "utm_source": "Source",
    "utm_medium": "Medium",
    "utm_campaign": "Campaign",
    "utm_term": "Term",
    "utm_content": "Content",
}
REQUIRED = ("utm_source", "utm_medium", "utm_campaign")
SEPARATORS = ("_", "-")
VALUE_MAX = 100
URL_MAX = 2000


class LinkError(ValueError):
    """What the marketer must fix before a link can be built, by field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class Link:
    url: str
    page_url: str
    values: dict[str, str]  # the five utm_* values as put in the URL ("" when empty)
    warnings: list[str] = field(default_factory=list)
    channel: str | None = None


def normalize(value: str, separator: str = "_") -> str:
    """The tenant's naming rule: trimmed, lowercase, every run of spaces (and of the other
    separator) one ``separator``."""
    other = "-" if separator == "_" else "_"
    value = " ".join(value.split()).lower().replace(other, separator)
    value = re.sub(r"\s+", separator, value)
    return re.sub(re.escape(separator) + "+", separator, value).strip(separator)


def comparable(value: str) -> str:
    """What two campaign names share when they differ only in case or separators."""
    return re.sub(r"[\s_-]+", "", value.casefold())


def build(
    page_url: str,
    values: dict[str, str],
    *,
    separator: str = "_",
    origins: Iterable[str] = (),
    own_origin: str = "",
    known_campaigns: Iterable[str] = (),
    channel_of: Callable[[str, str], str] | None = None,
) -> Link:
    errors: dict[str, str] = {}
    page_url = page_url.strip()
    parts = urlsplit(page_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(page_url) > URL_MAX:
        errors["page_url"] = "Enter the page's full address, like https://www.example.com/offer."
    clean = {}
    for key in FIELDS:
        value = normalize(values.get(key) or "", separator)
        if len(value) > VALUE_MAX:
            errors[key] = f"{LABELS[key]} can be at most {VALUE_MAX} characters."
        elif key in REQUIRED and not value:
            errors[key] = f"{LABELS[key]} is required."
        clean[key] = value
    if errors:
        raise LinkError(errors)

    warnings = []
    page_origin = f"{parts.scheme}://{parts.netloc}".lower()
    allowed = {o.lower() for o in origins}
    if allowed and page_origin not in allowed:
        warnings.append(
            f"{page_origin} is not one of this account's websites, so the script may not run"
            " there and later pages will not keep the campaign. Add it in Settings if it is"
            " yours."
        )
    if own_origin and page_origin == own_origin.lower() and "/forms/" in parts.path:
        warnings.append(
            "This is a hosted form: a visitor who lands on it keeps this link's campaign but no"
            " first touch, and a hosted form linked from your own site loses the campaign."
            " Embed the form on your site and link to that page instead."
        )
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(key.lower().startswith("utm_") for key, _ in query):
        warnings.append("The page address already has UTM parameters; they are replaced by these.")
    seen = comparable(clean["utm_campaign"])
    for name in known_campaigns:
        if name != clean["utm_campaign"] and comparable(name) == seen:
            warnings.append(
                f"The campaign {name!r} already exists and differs only in case or separators:"
                " reports would count two campaigns. Use the same name."
            )
            break
    channel = channel_of(clean["utm_source"], clean["utm_medium"]) if channel_of else None
    if channel == "Unassigned":
        warnings.append(
            f"Source {clean['utm_source']!r} with medium {clean['utm_medium']!r} falls into no"
            " channel (Unassigned in reports). Common mediums: cpc, paid_social, email, social,"
            " referral, display, affiliate."
        )

    kept = [(k, v) for k, v in query if not k.lower().startswith("utm_")]
    added = [(k, v) for k, v in clean.items() if v]
    url = urlunsplit(
        (parts.scheme, parts.netloc, parts.path or "/", urlencode(kept + added), parts.fragment)
    )
    return Link(url, page_url, clean, warnings, channel)
