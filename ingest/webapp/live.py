"""The live view (seed 001, step 6 "test and verify"): the latest submissions and visits as
they arrive, each submission with the first touch, lead creation and conversion it set, and
where data is missing, the reason in words. ``static/live.js`` polls the page every
``POLL_SECONDS`` and swaps in the lists; without JavaScript the page reloads itself every
``REFRESH_SECONDS`` (a meta refresh in ``<noscript>``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ingest.domain.diagnosis import reasons
from ingest.storage import activity
from ingest.webapp.access import Member
from ingest.webapp.render import render

REFRESH_SECONDS = 10
POLL_SECONDS = 3


async def live(request: Request, member: Member) -> Response:
    db = request.state.db
    tenant = await request.state.settings_cache.tenant(db, member.tenant_id)
    submissions = await db.read(activity.latest_submissions, member.tenant_id, 20)
    visits = await db.read(activity.latest_visits, member.tenant_id, 20)
    settings = request.state.settings
    for submission in submissions:
        submission["reasons"] = reasons(
            submission,
            utm_transfer=tenant.utm_transfer,
            own_origin=settings.public_origin,
            site_origins=list(tenant.origins),
        )
    site = tenant.origins[0] if tenant.origins else None
    return render(
        request,
        "app/live.html",
        {
            "submissions": submissions,
            "visits": visits,
            "refresh": REFRESH_SECONDS,
            "poll": POLL_SECONDS,
            "debug_url": f"{site}/?leadsource_debug=1" if site else None,
            "utm_transfer": tenant.utm_transfer,
        },
        viewer=member,
    )
