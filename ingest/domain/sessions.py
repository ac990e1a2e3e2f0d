"""Page views grouped into sessions, for the campaign reports' sessions, views and "new
visitor sessions" (SPEC "Campaign performance").

A visitor's page view joins their latest session when that session was seen less than 30
minutes ago and the page's address carries no campaign other than the session's; otherwise
it starts a new session, whose source comes from the address and the referrer by the rules
of every touch. A visitor's first session is their "new visitor" session. With the tenant's
UTM data transfer off, sessions carry no campaign data and page addresses lose their
campaign parameters.

``record_pageview`` runs as a writer job, so finding the latest session and extending it
happen in one serialised transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from ingest.clock import iso_time
from ingest.domain.touch import (
    Touch,
    build_touch,
    clean_url,
    params_from_url,
    source_columns,
    without_campaign,
)
from ingest.storage import Connection, visits
from ingest.storage.reads import new_id

SESSION_GAP = timedelta(minutes=30)
# A page reloading itself in a loop must not grow the database without end.
MAX_VIEWS_PER_SESSION = 1000


@dataclass(frozen=True)
class PageView:
    visitor_id: str  # utm.js's random id, validated
    url: str  # an http(s) address, at most MAX_URL long
    referrer: str | None  # as sent; cleaned when it starts a session
    at: datetime


@dataclass(frozen=True)
class Recorded:
    session_id: str
    new_session: bool
    stored: bool  # False once the session reached MAX_VIEWS_PER_SESSION


def record_pageview(
    conn: Connection,
    *,
    tenant_id: str,
    view: PageView,
    utm_transfer: bool,
    max_sessions_per_day: int = 0,
) -> Recorded:
    """Store a page view. A visitor who already started ``max_sessions_per_day`` sessions in
    the last 24 hours (0: no bound) starts no more: a view that would is not stored."""
    at = iso_time(view.at)
    url = view.url if utm_transfer else without_campaign(view.url)
    params = params_from_url(url) if utm_transfer else {}
    campaign_key = json.dumps(params, sort_keys=True, ensure_ascii=False) if params else None

    latest = visits.latest_session(conn, tenant_id, view.visitor_id)

    if latest is not None and _continues(latest, view.at, campaign_key):
        session_id = latest["session_id"]
        stored = latest["views"] < MAX_VIEWS_PER_SESSION
        # Past the cap the session still stays alive, so the next view does not open a new one.
        visits.extend_session(conn, tenant_id, latest, at, int(stored))
        if not stored:
            return Recorded(session_id, False, False)
        new_session = False
    else:
        if latest is not None and _sessions_today(conn, tenant_id, view, max_sessions_per_day):
            return Recorded(latest["session_id"], False, False)
        session_id = new_id("ses")
        new_session = True
        touch = _arrival(params, url, view.referrer, view.at) if utm_transfer else None
        visits.insert_session(
            conn,
            tenant_id=tenant_id,
            session_id=session_id,
            visitor_id=view.visitor_id,
            is_new_visitor=latest is None,
            campaign_key=campaign_key,
            source=source_columns(touch),
            at=at,
        )

    visits.insert_pageview(conn, tenant_id, new_id("pv"), session_id, view.visitor_id, url, at)
    return Recorded(session_id, new_session, True)


def _sessions_today(conn: Connection, tenant_id: str, view: PageView, bound: int) -> bool:
    """Whether the visitor started ``bound`` sessions in the 24 hours before this view."""
    if bound <= 0:
        return False
    since = iso_time(view.at - timedelta(days=1))
    return visits.sessions_started_since(conn, tenant_id, view.visitor_id, since, bound) >= bound


def _continues(session: Any, at: datetime, campaign_key: str | None) -> bool:
    last_seen = datetime.fromisoformat(session["last_seen_at"])
    if at - last_seen > SESSION_GAP:
        return False
    return campaign_key is None or campaign_key == session["campaign_key"]


def _arrival(params: dict[str, str], url: str, referrer: str | None, at: datetime) -> Touch:
    # A referrer on the page's own host is a click within the site, not where the visit
    # came from (utm.js sends none then, but anyone can post to this endpoint).
    ref = clean_url(referrer)
    if ref is not None and urlsplit(ref).hostname == urlsplit(url).hostname:
        ref = None
    return build_touch(params, landing_page=url, referrer=ref, now=at)
