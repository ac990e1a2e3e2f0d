"""The Campaigns pages (SPEC "Campaign performance", seed 003): every campaign with its
numbers for a period, one campaign's performance, and two to four side by side.

Each page's address carries what it shows: the period (``period`` or ``from``/``to``,
``domain/periods.py``; year to date by default), which touch makes a contact new
(``touch``: ``first_touch`` or ``lead_creation``), the step of "over time" (``every``) and
the list's sort. Every count links to the persons or deals list with the filters that give
exactly its rows (``campaign``/``campaign_value``, ``campaign_touch`` and the period on the
conversion's date: ``api/queries.campaign_filter``). A value no campaign owns is a campaign
of its own, opened at ``campaigns/unowned?value=...``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ingest.domain import campaigns as rules
from ingest.domain.campaigns import Choices
from ingest.domain.money import display
from ingest.domain.periods import NAMES, PRESETS, PeriodError
from ingest.domain.touch import MAX_VALUE
from ingest.errors import BadRequest, NotFound
from ingest.storage import campaigns as store
from ingest.storage import links
from ingest.storage.campaigns import ANY, FIRST_TOUCH, Campaign, CampaignFilter, Measures
from ingest.storage.lead_lists import NONE
from ingest.webapp import campaign_credits, charts
from ingest.webapp.access import Member
from ingest.webapp.render import render

NO_STORE = {"Cache-Control": "no-store"}
ID_MAX = 64


def choices(request: Request) -> Choices:
    """The page's choices from its address (``domain/campaigns.choose``); 400 when bad."""
    try:
        return rules.choose(request.query_params, today=request.state.clock().date())
    except (PeriodError, rules.ChoiceError) as error:
        message = str(error)
        raise BadRequest(message[:1].upper() + message[1:].rstrip(".") + ".") from None


def _href(path: str, params: dict[str, str]) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def page_href(member: Member, campaign: Campaign, chosen: Choices) -> str:
    if campaign.unowned:
        return _href(member.url("campaigns/unowned"), chosen.query(value=campaign.name))
    return _href(member.url(f"campaigns/{campaign.campaign_id}"), chosen.query())


def _which(campaign: Campaign) -> dict[str, str]:
    if campaign.unowned:
        return {"campaign_value": campaign.name}
    return {"campaign": campaign.campaign_id or ""}


def _days(first: date, last: date, name: str) -> dict[str, str]:
    return {f"{name}_from": first.isoformat(), f"{name}_to": last.isoformat()}


def hrefs(member: Member, campaign: Campaign, chosen: Choices) -> dict[str, str]:
    """The list behind each measure."""
    which, touch = _which(campaign), chosen.touch
    first, last = chosen.period.first, chosen.period.last
    persons, deals = member.url("persons"), member.url("deals")
    by_touch = {**which, "campaign_touch": touch}
    return {
        "new_contacts": _href(persons, {**by_touch, **_days(first, last, "created")}),
        "influenced": _href(
            persons, {**which, "campaign_touch": ANY, **_days(first, last, "converted")}
        ),
        "deals": _href(deals, {**by_touch, **_days(first, last, "created")}),
        "won_deals": _href(deals, {**by_touch, "status": "won", **_days(first, last, "closed")}),
    }


def _source_medium(row: dict[str, Any]) -> str:
    return f"{row['source'] or '(none)'} / {row['medium'] or '(none)'}"


def revenue_text(revenue: list[tuple[str, int]]) -> str:
    return ", ".join(display(cents, currency) for currency, cents in revenue) or "0"


def _row(member: Member, chosen: Choices, campaign: Campaign, measures: Measures) -> tuple:
    """A campaign's row (or column): the campaign, its measures, its page, the lists
    behind its numbers and its revenue as text."""
    return (
        campaign,
        measures,
        page_href(member, campaign, chosen),
        hrefs(member, campaign, chosen),
        revenue_text(measures.revenue),
    )


def _sort_key(sort: str, campaign: Campaign, measures: Measures) -> Any:
    if sort == "name":
        return campaign.name.lower()
    if sort == "revenue":
        return sum(cents for _, cents in measures.revenue)
    return getattr(measures, sort)


def _context(chosen: Choices) -> dict[str, Any]:
    return {
        "chosen": chosen,
        "presets": [(key, NAMES[key]) for key in PRESETS if key != "custom"],
        "touches": rules.TOUCH_LABELS,
        "steps": rules.STEPS,
    }


async def index(request: Request, member: Member) -> Response:
    """Every campaign with its numbers for the period, sortable; pick some to compare."""
    chosen = choices(request)
    sort = (request.query_params.get("sort") or "name").strip()
    if sort.lstrip("-") not in rules.SORTS:
        raise BadRequest(f"sort must be one of {', '.join(rules.SORTS)}, with '-' for descending.")
    since, until = chosen.period.since(), chosen.period.until()
    db, tenant_id = request.state.db, member.tenant_id

    def work(conn: Any) -> list[tuple[Campaign, Measures]]:
        return [
            (c, store.measures(conn, tenant_id, c.values, chosen.touch, since, until))
            for c in store.catalogue(conn, tenant_id)
        ]

    rows = await db.read(work)
    name = sort.lstrip("-")
    rows.sort(key=lambda r: _sort_key(name, r[0], r[1]), reverse=sort.startswith("-"))
    path = member.url("campaigns")
    columns = []
    for key, label in (
        ("name", "Campaign"),
        ("sessions", "Sessions"),
        ("new_contacts", "New contacts"),
        ("influenced", "Influenced contacts"),
        ("deals", "Deals"),
        ("won_deals", "Won deals"),
        ("revenue", "Won revenue"),
    ):
        state = "ascending" if sort == key else "descending" if sort == "-" + key else "none"
        target = "-" + key if sort == key else key
        columns.append((label, _href(path, chosen.query(sort=target)), state))
    return render(
        request,
        "app/campaigns.html",
        {
            **_context(chosen),
            "sort": sort,
            "columns": columns,
            "rows": [
                (
                    c,
                    m,
                    page_href(member, c, chosen),
                    hrefs(member, c, chosen),
                    revenue_text(m.revenue),
                )
                for c, m in rows
            ],
            "compare_min": rules.COMPARE_MIN,
            "compare_max": rules.COMPARE_MAX,
        },
        viewer=member,
        headers=NO_STORE,
    )


async def campaign_page(request: Request, member: Member) -> Response:
    campaign_id = request.path_params["campaign_id"][:ID_MAX]
    found = await request.state.db.read(store.get_campaign, member.tenant_id, campaign_id)
    if found is None:
        raise NotFound("No such campaign.")
    return await _performance(request, member, found)


async def unowned_page(request: Request, member: Member) -> Response:
    value = request.query_params.get("value") or ""
    if not value.strip():  # nothing asked: the list
        return RedirectResponse(member.url("campaigns"), status_code=303)
    if len(value) > MAX_VALUE:
        raise BadRequest(f"value must be a utm_campaign value of at most {MAX_VALUE} characters.")
    owner = await request.state.db.read(store.owner_of, member.tenant_id, value)
    if owner is not None:  # owned since the link was made: the campaign's own page
        chosen = choices(request)
        return RedirectResponse(
            _href(member.url(f"campaigns/{owner}"), chosen.query()), status_code=303
        )
    return await _performance(request, member, Campaign(value, (value,)))


async def _performance(request: Request, member: Member, campaign: Campaign) -> Response:
    chosen = choices(request)
    since, until = chosen.period.since(), chosen.period.until()
    tenant_id, values, touch = member.tenant_id, campaign.values, chosen.touch

    attribution_page = member.url("attribution")

    def work(conn: Any) -> dict[str, Any]:
        return {
            "credited": campaign_credits.credited(
                conn, tenant_id, values, chosen, attribution_page
            ),
            "measures": store.measures(conn, tenant_id, values, touch, since, until),
            "days": store.by_day(conn, tenant_id, values, touch, since, until),
            "traffic": store.traffic(conn, tenant_id, values, since, until),
            "links": links.campaign_links(conn, tenant_id, values),
            "has_sessions": store.has_sessions(conn, tenant_id),
        }

    found = await request.state.db.read(work)
    measures: Measures = found["measures"]
    cut = rules.steps(chosen.period.first, chosen.period.last, chosen.every)
    contacts = rules.rolled_up(found["days"], cut, "contacts")
    sessions = rules.rolled_up(found["days"], cut, "sessions")
    which = _which(campaign)
    persons = member.url("persons")
    over_time = [
        (
            step,
            contacts[i],
            _href(
                persons,
                {**which, "campaign_touch": touch, **_days(step.first, step.last, "created")},
            ),
            sessions[i],
        )
        for i, step in enumerate(cut)
    ]
    series = [charts.Series("New contacts", contacts)]
    if found["has_sessions"]:
        series.append(charts.Series("Sessions", sessions))
    period_days = _days(chosen.period.first, chosen.period.last, "created")
    traffic = [
        (
            row,
            _href(
                persons,
                {
                    **which,
                    "campaign_touch": FIRST_TOUCH,
                    "first_touch_source": row["source"] or NONE,
                    "first_touch_medium": row["medium"] or NONE,
                    **period_days,
                },
            ),
        )
        for row in found["traffic"]
    ]
    here = page_href(member, campaign, chosen).split("?")[0]
    extra = {"value": campaign.name} if campaign.unowned else {}
    return render(
        request,
        "app/campaign.html",
        {
            **_context(chosen),
            "campaign": campaign,
            "measures": measures,
            "revenue": revenue_text(measures.revenue),
            "hrefs": hrefs(member, campaign, chosen),
            "has_sessions": found["has_sessions"],
            "over_time": over_time,
            "over_time_chart": charts.lines(
                [s.label for s in cut], series, title=f"Contacts and sessions by {chosen.every}"
            ),
            "traffic": traffic,
            "traffic_chart": charts.bars(
                [
                    charts.Item(
                        f"{r['source'] or '(none)'} / {r['medium'] or '(none)'}", r["views"]
                    )
                    for r, _ in traffic[:10]
                ],
                title="Views by source / medium",
            ),
            "links": found["links"],
            "credited": found["credited"],
            "models": {
                key: _href(here, {**chosen.query(model=key), **extra})
                for key in campaign_credits.MODEL_NAMES
            },
            "model_names": campaign_credits.MODEL_NAMES,
            "attribution_tab": found["credited"][0].href or attribution_page,
            "switch": {
                key: _href(here, {**chosen.query(touch=key), **extra}) for key in store.TOUCHES
            },
            "form_action": here,
            "form_extra": extra,
        },
        viewer=member,
        headers=NO_STORE,
    )


async def compare(request: Request, member: Member) -> Response:
    """Two to four campaigns side by side: the same measures in columns, and their new
    contacts over time as one line each."""
    chosen = choices(request)
    ids = [v[:ID_MAX] for v in request.query_params.getlist("campaign") if v]
    values = [v for v in request.query_params.getlist("value") if v]
    if any(len(v) > MAX_VALUE for v in values):
        raise BadRequest(f"value can be at most {MAX_VALUE} characters.")
    picked = list(dict.fromkeys(ids)), list(dict.fromkeys(values))
    count = len(picked[0]) + len(picked[1])
    if count == 0:  # nothing picked: the list to pick from
        return RedirectResponse(_href(member.url("campaigns"), chosen.query()), status_code=303)
    if not rules.COMPARE_MIN <= count <= rules.COMPARE_MAX:
        raise BadRequest(
            f"Pick {rules.COMPARE_MIN} to {rules.COMPARE_MAX} campaigns to compare"
            f" ({count} picked)."
        )
    since, until = chosen.period.since(), chosen.period.until()
    tenant_id, touch = member.tenant_id, chosen.touch

    def work(conn: Any) -> list[tuple[Campaign, Measures, dict[str, dict[str, int]]]] | None:
        found = []
        for campaign_id in picked[0]:
            campaign = store.get_campaign(conn, tenant_id, campaign_id)
            if campaign is None:
                return None
            found.append(campaign)
        found += [Campaign(v, (v,)) for v in picked[1]]
        return [
            (
                c,
                store.measures(conn, tenant_id, c.values, touch, since, until),
                store.by_day(conn, tenant_id, c.values, touch, since, until),
            )
            for c in found
        ]

    rows = await request.state.db.read(work)
    if rows is None:
        raise NotFound("No such campaign.")
    cut = rules.steps(chosen.period.first, chosen.period.last, chosen.every)
    series = [charts.Series(c.name, rules.rolled_up(days, cut, "contacts")) for c, _, days in rows]
    picked_query = [("campaign", i) for i in picked[0]] + [("value", v) for v in picked[1]]
    return render(
        request,
        "app/campaign_compare.html",
        {
            **_context(chosen),
            "columns": [
                (
                    c,
                    m,
                    page_href(member, c, chosen),
                    hrefs(member, c, chosen),
                    revenue_text(m.revenue),
                )
                for c, m, _ in rows
            ],
            "chart": charts.lines(
                [s.label for s in cut], series, title=f"New contacts by {chosen.every}"
            ),
            "steps_table": [(step, [s.values[i] for s in series]) for i, step in enumerate(cut)],
            "picked": picked_query,
        },
        viewer=member,
        headers=NO_STORE,
    )


TOUCH_WORDS = {FIRST_TOUCH: "first touch", store.LEAD_CREATION: "lead creation"}


async def filter_note(
    request: Request, member: Member, wanted: CampaignFilter | None, *, deals: bool = False
) -> str | None:
    """The persons' or deals' list's campaign filter in words, for the list's page."""
    if wanted is None:
        return None
    if wanted.campaign_id is not None:
        found = await request.state.db.read(
            store.get_campaign, member.tenant_id, wanted.campaign_id
        )
        name = f"the campaign {found.name!r}" if found else "a campaign this account does not have"
    else:
        name = f"utm_campaign {wanted.value!r}"
    if wanted.touch != ANY:
        whose = "Deals whose person's" if deals else "Persons whose"
        return f"{whose} {TOUCH_WORDS[wanted.touch]} came from {name}."
    days = ""
    if wanted.since is not None or wanted.until is not None:
        first = wanted.since[:10] if wanted.since else "the start"
        last = (
            (date.fromisoformat(wanted.until[:10]) - timedelta(days=1)).isoformat()
            if wanted.until
            else "today"
        )
        days = f", in a conversion (creation or submission) from {first} to {last}"
    return f"Persons with any touch of {name}{days}."
