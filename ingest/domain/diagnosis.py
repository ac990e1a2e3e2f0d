"""Why a submission carries less campaign data than expected, in words a marketer can act
on (seed 001, step 6 "test and verify")."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ingest.domain.privacy import looks_like_campaign_key
from ingest.domain.touch import CLICK_IDS, UTM_KEYS

# Keys read exactly as they are: the campaign keys and the click ids.
CAMPAIGN_KEYS = frozenset((*UTM_KEYS, *CLICK_IDS))


def misspelled_keys(address: str | None) -> list[str]:
    """Query keys of ``address`` that look like a campaign key but are not one exactly."""
    if not address:
        return []
    query = urlsplit(address).query
    return [
        key
        for key, _ in parse_qsl(query, keep_blank_values=True)
        if key not in CAMPAIGN_KEYS and looks_like_campaign_key(key)
    ]


def reasons(
    submission: dict[str, Any], *, utm_transfer: bool, own_origin: str, site_origins: list[str]
) -> list[str]:
    """What is missing from ``submission`` (as ``storage.activity.latest_submissions`` gives
    it) and why, most likely first; empty when nothing looks missing."""
    if not utm_transfer:
        return [
            "UTM data transfer is off for this account, so no campaign data is kept. Turn it on"
            " in Settings."
        ]
    found = []
    conversion = submission.get("conversion")
    via = submission.get("via") or "form"
    if via == "import":
        return []  # an existing contact brought in from a file: no visit to explain
    if via != "form" and submission.get("history", 0) == 0:
        found.append(
            f"Sent by an integration ({via}) without the visitor's touches. A chat widget on"
            " your site can pass them on from the script (window.Leadsource)."
        )
    elif submission.get("history", 0) == 0:
        landing = (conversion or {}).get("landing_page") or ""
        if landing.lower().startswith(own_origin.lower()) and "/forms/" in landing:
            referrer = (conversion or {}).get("referrer") or ""
            origin = _origin(referrer)
            if origin and origin in {o.lower() for o in site_origins}:
                found.append(
                    "A hosted form was opened from your own site, so the visitor's earlier"
                    " campaign was lost on the way. Embed the form on your site instead."
                )
            else:
                found.append(
                    "Sent from a hosted form: it keeps the campaign of the link that opened it,"
                    " but no first touch from earlier visits."
                )
        else:
            found.append(
                "The script sent no touch history: utm.js is not on the page that sent the form,"
                " or the visitor's browser refused storage (private mode, blocked cookies)."
                " Check Settings, 'Is the script installed?', or open the page with"
                " ?leadsource_debug=1."
            )
    landing = (conversion or {}).get("landing_page")
    wrong = misspelled_keys(landing)
    if wrong:
        found.append(
            "The landing address has campaign keys spelled wrongly ("
            + ", ".join(wrong)
            + "), so they were not read as a campaign. Build links with the UTM builder."
        )
    if conversion is None or conversion.get("source") in (None, "(direct)"):
        found.append("No campaign, click id or outside referrer: counted as Direct.")
    return found


def _origin(address: str) -> str:
    parts = urlsplit(address)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""
