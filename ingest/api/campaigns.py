"""The API: ``/api/v1/campaigns`` (every campaign with its measures for a period) and
``/api/v1/campaigns/{campaign_id}/performance`` (one campaign: measures, over time, traffic
by source), scoped to the bearer key's tenant; the numbers of the Campaigns pages
(``storage/campaigns.py``), with the same address parameters (``period`` or
``from``/``to``, ``touch``, ``every``)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ingest.api.persons import NO_STORE, tenant_of_key
from ingest.domain import campaigns as rules
from ingest.domain.money import amount_text
from ingest.domain.periods import PeriodError
from ingest.errors import BadRequest, NotFound
from ingest.storage import campaigns as store
from ingest.storage.campaigns import Campaign, Measures

ID_MAX = 64


def _choices(request: Request) -> rules.Choices:
    try:
        return rules.choose(request.query_params, today=request.state.clock().date())
    except (PeriodError, rules.ChoiceError) as error:
        message = str(error)
        raise BadRequest(message[:1].upper() + message[1:].rstrip(".") + ".") from None


def _campaign(campaign: Campaign) -> dict[str, Any]:
    return {"id": campaign.campaign_id, "name": campaign.name, "values": list(campaign.values)}


def _measures(found: Measures) -> dict[str, Any]:
    return {
        "sessions": found.sessions,
        "views": found.views,
        "new_contacts": found.new_contacts,
        "influenced": found.influenced,
        "deals": found.deals,
        "won_deals": found.won_deals,
        "revenue": [{"currency": c, "amount": amount_text(cents)} for c, cents in found.revenue],
    }


def _period(chosen: rules.Choices) -> dict[str, Any]:
    period = chosen.period
    return {
        "period": period.key,
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "touch": chosen.touch,
    }


async def list_campaigns(request: Request) -> Response:
    tenant_id = await tenant_of_key(request)
    chosen = _choices(request)
    since, until = chosen.period.since(), chosen.period.until()

    def work(conn: Any) -> list[dict[str, Any]]:
        return [
            {
                **_campaign(c),
                **_measures(store.measures(conn, tenant_id, c.values, chosen.touch, since, until)),
            }
            for c in store.catalogue(conn, tenant_id)
        ]

    items = await request.state.db.read(work)
    return JSONResponse({**_period(chosen), "items": items}, headers=NO_STORE)


async def performance(request: Request) -> Response:
    tenant_id = await tenant_of_key(request)
    chosen = _choices(request)
    campaign_id = request.path_params["campaign_id"][:ID_MAX]
    since, until = chosen.period.since(), chosen.period.until()

    def work(conn: Any) -> dict[str, Any] | None:
        campaign = store.get_campaign(conn, tenant_id, campaign_id)
        if campaign is None:
            return None
        values, touch = campaign.values, chosen.touch
        return {
            "campaign": campaign,
            "measures": store.measures(conn, tenant_id, values, touch, since, until),
            "days": store.by_day(conn, tenant_id, values, touch, since, until),
            "traffic": store.traffic(conn, tenant_id, values, since, until),
        }

    found = await request.state.db.read(work)
    if found is None:
        raise NotFound("No such campaign.")
    cut = rules.steps(chosen.period.first, chosen.period.last, chosen.every)
    contacts = rules.rolled_up(found["days"], cut, "contacts")
    sessions = rules.rolled_up(found["days"], cut, "sessions")
    return JSONResponse(
        {
            **_period(chosen),
            "every": chosen.every,
            "campaign": _campaign(found["campaign"]),
            **_measures(found["measures"]),
            "over_time": [
                {
                    "from": step.first.isoformat(),
                    "to": step.last.isoformat(),
                    "new_contacts": contacts[i],
                    "sessions": sessions[i],
                }
                for i, step in enumerate(cut)
            ],
            "traffic": found["traffic"],
        },
        headers=NO_STORE,
    )
