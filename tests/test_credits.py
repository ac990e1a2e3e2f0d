"""Kept attribution credits (ingest/domain/credits, migration 0022): data built through the
real HTTP endpoints (form submissions with touch histories, a repeat visitor whose later
visit changes their journey, leads through the API, deals created, won, reopened, lost and
their amounts changed, a person erased); the follower catches up and what is kept equals a
recomputation from the raw data, and the rollups equal the sums of the kept credits, on
both engines. And the deal hooks in the deal's own transaction, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from ingest import storage
from ingest.domain import credits, erasure
from ingest.domain.attribution import UNIT
from ingest.domain.credits import follower

from .conftest import person, rows, touch_json


def touch(source: str, medium: str, campaign: str, at: str) -> dict[str, Any]:
    return {**json.loads(touch_json(source, medium, campaign)), "at": at}


def submit(client, tenant, email: str, history: list[dict[str, Any]], **extra: Any) -> None:
    body = {
        "email": email,
        "ls_touches": history,
        "ls_first_touch": json.dumps(history[0]) if history else "",
        "ls_latest_touch": json.dumps(history[-1]) if history else "",
        **extra,
    }
    response = client.post(tenant.form_path, json=body)
    assert response.status_code == 201, response.text


def deal(client, tenant, person_id: str, **body: Any) -> str:
    body = {"title": "Rollout", "amount": "1000.10", "status": "open", **body}
    response = client.post(
        "/api/v1/deals", json={"person_id": person_id, **body}, headers=tenant.auth
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def patch(client, tenant, deal_id: str, **body: Any) -> None:
    response = client.patch(f"/api/v1/deals/{deal_id}", json=body, headers=tenant.auth)
    assert response.status_code == 200, response.text


def catch_up(db_url: str) -> int:
    with storage.connect(db_url) as conn:
        return follower.catch_up(conn)


def differences(db_url: str, tenant_id: str) -> list[str]:
    with storage.connect(db_url) as conn:
        return credits.differences(conn, tenant_id)


def kept(db_url: str, tenant_id: str, conversion: str, subject: str, model: str) -> list[Any]:
    return rows(
        db_url,
        "SELECT source, campaign, positions, parts, cents FROM attribution_credits"
        " WHERE tenant_id = ? AND conversion = ? AND subject_id = ? AND model = ?"
        " ORDER BY position",
        tenant_id,
        conversion,
        subject,
        model,
    )


def test_kept_equals_recomputed_through_the_endpoints(client, make_tenant, db_url, clock):
    tenant = make_tenant()
    other = make_tenant("globex")
    linkedin = touch("linkedin", "paid_social", "webinar", "2026-10-01T10:00:00.000Z")
    google = touch("google", "cpc", "brand", "2026-11-10T09:00:00.000Z")
    newsletter = touch("newsletter", "email", "nov", "2026-11-20T08:00:00.000Z")
    submit(client, tenant, "ada@example.com", [linkedin, google])
    submit(client, tenant, "bo@example.com", [google])
    submit(client, tenant, "cy@example.com", [])  # no touch at all
    submit(client, other, "ada@example.com", [newsletter])  # another tenant's Ada
    # Nothing is credited in the submission's transaction: the follower does it.
    assert (
        rows(db_url, "SELECT * FROM attribution_conversions WHERE tenant_id = ?", tenant.tenant_id)
        == []
    )
    assert catch_up(db_url) >= 4
    ada = person(client, tenant, "ada@example.com")["id"]
    assert [
        r["source"] for r in kept(db_url, tenant.tenant_id, "contact_create", ada, "linear")
    ] == [
        "linkedin",
        "google",
    ]
    # A later visit brings an older touch (another device's history): Ada's journey changes.
    clock.advance(days=1)
    older = touch("facebook", "paid_social", "retargeting", "2026-09-30T10:00:00.000Z")
    submit(client, tenant, "ada@example.com", [older, newsletter])
    response = client.post(
        "/api/v1/leads",
        json={"email": "bo@example.com", "via": "chat", "touches": [newsletter]},
        headers=tenant.auth,
    )
    assert response.status_code == 201, response.text
    # Deals: created, won, amount changed, reopened, lost, won again.
    bo = person(client, tenant, "bo@example.com")["id"]
    cy = person(client, tenant, "cy@example.com")["id"]
    won = deal(client, tenant, ada, status="won")
    reopened = deal(client, tenant, bo)
    patch(client, tenant, reopened, status="won")
    patch(client, tenant, reopened, amount="77.07")
    patch(client, tenant, reopened, status="open")
    lost = deal(client, tenant, bo, amount="5")
    patch(client, tenant, lost, status="lost")
    again = deal(client, tenant, cy, amount="3.33")
    patch(client, tenant, again, status="won")
    patch(client, tenant, again, amount="4.44")
    # Deals are credited in their own transaction, before the follower runs.
    assert rows(
        db_url,
        "SELECT conversion FROM attribution_conversions WHERE tenant_id = ? AND subject_id = ?"
        " ORDER BY conversion",
        tenant.tenant_id,
        won,
    ) == [{"conversion": "deal_create"}, {"conversion": "revenue"}]
    revenue = kept(db_url, tenant.tenant_id, "revenue", won, "full_path")
    assert sum(r["cents"] for r in revenue) == 100010
    assert sum(r["parts"] for r in revenue) == UNIT
    assert rows(
        db_url,
        "SELECT conversion FROM attribution_conversions WHERE tenant_id = ? AND subject_id = ?",
        tenant.tenant_id,
        reopened,
    ) == [{"conversion": "deal_create"}]
    untouched = rows(
        db_url,
        "SELECT amount, touched FROM attribution_conversions WHERE tenant_id = ?"
        " AND conversion = 'revenue' AND subject_id = ?",
        tenant.tenant_id,
        again,
    )
    assert untouched == [{"amount": 444, "touched": 0}]
    catch_up(db_url)
    sources = [r["source"] for r in kept(db_url, tenant.tenant_id, "contact_create", ada, "linear")]
    # The older touch and the newsletter (before her creation) join her journey.
    assert sources == ["facebook", "linkedin", "google", "newsletter"]
    assert differences(db_url, tenant.tenant_id) == []
    assert differences(db_url, other.tenant_id) == []
    # Erasure: Bo's conversions and credits go, the rollups move; his deals stay uncredited.
    with storage.connect(db_url) as conn:
        storage.in_transaction(conn, lambda c: erasure.erase(c, tenant.tenant_id, bo))
    assert (
        rows(
            db_url,
            "SELECT * FROM attribution_credits WHERE tenant_id = ? AND subject_id IN (?, ?, ?)",
            tenant.tenant_id,
            bo,
            reopened,
            lost,
        )
        == []
    )
    assert rows(
        db_url,
        "SELECT conversion, person_id, touched FROM attribution_conversions"
        " WHERE tenant_id = ? AND subject_id = ?",
        tenant.tenant_id,
        lost,
    ) == [{"conversion": "deal_create", "person_id": None, "touched": 0}]
    catch_up(db_url)
    assert differences(db_url, tenant.tenant_id) == []
    # The other tenant's rows are its own.
    assert rows(
        db_url,
        "SELECT COUNT(*) AS n FROM attribution_conversions WHERE tenant_id = ?",
        other.tenant_id,
    ) == [{"n": 1}]


def test_check_finds_a_tampered_credit_and_recompute_repairs_it(client, make_tenant, db_url):
    tenant = make_tenant()
    submit(
        client,
        tenant,
        "ada@example.com",
        [touch("linkedin", "paid_social", "webinar", "2026-11-01T10:00:00.000Z")],
    )
    catch_up(db_url)
    with storage.connect(db_url) as conn:
        conn.execute(
            "UPDATE attribution_rollups SET parts = parts + 1 WHERE tenant_id = ?"
            " AND model = 'linear'",
            (tenant.tenant_id,),
        )
        conn.execute(
            "UPDATE attribution_credits SET source = 'forged' WHERE tenant_id = ?"
            " AND model = 'first_touch'",
            (tenant.tenant_id,),
        )
    found = differences(db_url, tenant.tenant_id)
    assert any("forged" in line for line in found)
    assert any(line.startswith("rollup") for line in found)
    command = [sys.executable, "-m", "ingest.ops.cli", "credits", "recompute", "--db", db_url]
    checked = subprocess.run([*command, "--check"], capture_output=True, text=True)
    assert checked.returncode == 1 and "forged" in checked.stdout
    fixed = subprocess.run([*command, "--tenant", tenant.tenant_id], capture_output=True, text=True)
    assert fixed.returncode == 0, fixed.stderr
    checked = subprocess.run([*command, "--check"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout
    assert differences(db_url, tenant.tenant_id) == []


def test_kept_credits_are_the_engines_for_random_journeys():
    """``conversion_rows`` works the journey out once for every model: on random journeys
    (duplicates, ties in time, the lead-creation touch inside or outside the window, deals
    before and after touches) its rows are exactly ``attribution.credits``'s, model by
    model, and each conversion's parts sum to UNIT and cents to the amount."""
    import random
    from datetime import UTC, datetime, timedelta

    from ingest.domain.attribution import credits as engine
    from ingest.domain.attribution import offered

    rng = random.Random(14)
    start = datetime(2026, 6, 1, tzinfo=UTC)
    sources = [("google", "cpc", "brand"), ("linkedin", "paid_social", "w"), ("", "", None)]
    for case in range(150):
        rows = []
        for n in range(rng.randint(0, 7)):
            source, medium, campaign = rng.choice(sources)
            at = start + timedelta(days=rng.choice([0, 1, 1, 30, 95, 120]), hours=rng.randint(0, 2))
            row = {
                "touch_id": f"t{case}-{n}",
                "source": source or None,
                "medium": medium or None,
                "campaign": campaign,
                "landing_page": rng.choice([None, "https://a.example/"]),
                "referrer": rng.choice([None, "https://www.google.com/"]),
                "click_ids": rng.choice([None, '{"gclid": "g"}']),
                "at": at.isoformat(),
            }
            rows.append(row)
            if rng.random() < 0.3:
                rows.append({**row, "touch_id": f"t{case}-{n}b"})  # the same touch twice
        lead = rng.choice(rows)["touch_id"] if rows and rng.random() < 0.8 else None
        converted = (start + timedelta(days=rng.choice([2, 100, 130]))).isoformat()
        deal = {
            "deal_id": "d",
            "person_id": "p",
            "status": "won",
            "amount": rng.randint(0, 10**7),
            "currency": "EUR",
            "created_at": (start + timedelta(days=rng.choice([0, 50, 99]))).isoformat(),
            "closed_at": converted,
        }
        touches = [r for r in rows]
        lead_touch = next((r for r in rows if r["touch_id"] == lead), None)
        for conversion in ("contact_create", "deal_create", "revenue"):
            at = deal["created_at"] if conversion == "deal_create" else converted
            _, kept_rows = credits.conversion_rows(
                conversion, "s", "p", at, rows, lead_creation_id=lead, deal=deal
            )
            for model in offered(conversion):
                options = {}
                if conversion == "deal_create":
                    options = {"deal_created_at": at}
                elif conversion == "revenue":
                    options = {
                        "deal_created_at": deal["created_at"],
                        "amount_cents": deal["amount"],
                    }
                expected = engine(
                    conversion, model, touches, converted_at=at, lead_creation=lead_touch, **options
                )
                mine = [r for r in kept_rows if r["model"] == model]
                assert [(r["position"], r["parts"], r["cents"], r["positions"], r["channel"],
                         r["source"], r["touch_at"]) for r in mine] == [
                    (c.index, c.parts, c.cents, c.positions, c.channel, c.source, c.touch.at)
                    for c in expected
                ], (case, conversion, model)  # fmt: skip
                if mine:
                    assert sum(r["parts"] for r in mine) == UNIT
                    if conversion == "revenue":
                        assert sum(r["cents"] for r in mine) == deal["amount"]


def test_the_services_follower_credits_new_persons_in_the_background(client, make_tenant, db_url):
    """The app's own follower (a task of its lifespan), not the CLI's catch-up."""
    import time

    tenant = make_tenant()
    submit(
        client,
        tenant,
        "ada@example.com",
        [touch("linkedin", "paid_social", "webinar", "2026-11-20T10:00:00.000Z")],
    )
    ada = person(client, tenant, "ada@example.com")["id"]
    deadline = time.monotonic() + 20
    found: list[Any] = []
    while time.monotonic() < deadline and not found:
        time.sleep(0.5)
        found = kept(db_url, tenant.tenant_id, "contact_create", ada, "first_touch")
    assert [r["source"] for r in found] == ["linkedin"]


def test_erasing_the_newest_submissions_does_not_hide_the_next_from_the_follower(
    client, make_tenant, db_url, backend
):
    """SQLite gives a new row the largest rowid + 1: with the newest submissions erased, the
    next one could get a rowid under the follower's mark. Erasure lowers the mark."""
    tenant = make_tenant()
    history = [touch("google", "cpc", "brand", "2026-11-20T10:00:00.000Z")]
    submit(client, tenant, "ada@example.com", history)
    submit(client, tenant, "bo@example.com", history)
    catch_up(db_url)
    bo = person(client, tenant, "bo@example.com")["id"]
    with storage.connect(db_url) as conn:
        storage.in_transaction(conn, lambda c: erasure.erase(c, tenant.tenant_id, bo))
    submit(client, tenant, "cy@example.com", history)
    catch_up(db_url)
    cy = person(client, tenant, "cy@example.com")["id"]
    assert [
        r["source"] for r in kept(db_url, tenant.tenant_id, "contact_create", cy, "linear")
    ] == ["google"]
    assert differences(db_url, tenant.tenant_id) == []
