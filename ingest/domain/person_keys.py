"""The copies a person carries for the persons list (migrations 0009 and 0013): lower-cased
name, the company's folded name, one search text, and the source, medium, campaign and
channel (GA4's default channel group, ``domain/channels.py``) of the first touch and of the
lead creation, each '' for none.

A sort on a joined column cannot walk an index, so the list sorts and filters by these; they
are computed here only, for a new person (``submissions.record``) and a changed one (a
submission filling a blank, an edit), so the list never disagrees with the card. Text is
folded in Python, as the search text is, so both engines fold it alike. A changed search
text is noted for SQLite's search index (``storage/search_index.py``), which catches up in
the background.
"""

from __future__ import annotations

from ingest.domain.channels import channel
from ingest.domain.touch import Touch
from ingest.domain.validation import company_key
from ingest.storage import Connection, search_index
from ingest.storage import persons as store


def keys(
    email: str, first_name: str | None, last_name: str | None, company: str | None
) -> tuple[str, str, str]:
    """``(name_key, company_key, search_key)``; ``company`` is the company's name."""
    name = " ".join(part for part in (first_name, last_name) if part)
    return (
        name.lower(),
        company_key(company) if company else "",
        " ".join((email, name, company or "")).lower(),
    )


def touch_keys(touch: Touch | None) -> tuple[str, str, str, str]:
    """Source, medium, campaign and channel of a touch, '' for none (``TOUCH_COLUMNS``)."""
    if touch is None:
        return ("", "", "", "")
    return (
        touch.source or "",
        touch.medium or "",
        touch.campaign or "",
        channel(touch.source, touch.medium, touch.campaign, touch.click_ids, touch.referrer),
    )


# The person columns ``touch_keys`` fills, for the first touch (``ft_``) and the lead
# creation (``lc_``).
TOUCH_COLUMNS = ("source", "medium", "campaign", "channel")


def refresh(conn: Connection, tenant_id: str, person_id: str) -> None:
    """Recompute a person's name, company and search copies from the stored rows."""
    row = store.key_sources(conn, tenant_id, person_id)
    if row is None:
        return
    name_key, company, search_key = keys(
        row["email"], row["first_name"], row["last_name"], row["company"]
    )
    # Before the update: the text the search index may hold is the one there now.
    search_index.note_change(conn, tenant_id, person_id, row["search_key"], search_key)
    store.set_keys(conn, tenant_id, person_id, name_key, company, search_key)
