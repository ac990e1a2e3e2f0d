"""``leadsource generate`` (ingest/ops/generate.py): generated history written as real
traffic would write it, realistic, repeatable."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from ingest import storage
from ingest.app import create_app
from ingest.clock import iso_time
from ingest.ops import generate as gen
from ingest.ops import traffic
from ingest.ops.cli import main
from ingest.storage import admin

from .conftest import Clock, rows
from .test_collect import CHROME
from .test_limits import limited

SITE = "https://www.acme.example"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


RECORD_TIMES = ("id", "form_id", "created_at", "submitted_at")


def _strip(value: Any, drop: tuple[str, ...] = RECORD_TIMES) -> Any:
    """The API's person without what differs between two stores of the same traffic: ids,
    the form, and the times the record was made at (the endpoint's clock is now)."""
    if isinstance(value, dict):
        return {k: _strip(v, drop) for k, v in value.items() if k not in drop}
    if isinstance(value, list):
        return [_strip(v, drop) for v in value]
    return value


def _touch_times(value: Any, made_on_arrival: Callable[[str], bool]) -> Any:
    """The value with the times of touches made on arrival named as such."""
    if isinstance(value, dict):
        return {
            k: "arrival" if k == "at" and made_on_arrival(v) else _touch_times(v, made_on_arrival)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_touch_times(v, made_on_arrival) for v in value]
    return value


def _persons(client: TestClient, api_key: str) -> list[dict[str, Any]]:
    response = client.get(
        "/api/v1/persons", params={"limit": 200}, headers={"Authorization": f"Bearer {api_key}"}
    )
    assert response.status_code == 200, response.text
    return sorted((_strip(p) for p in response.json()["items"]), key=lambda p: p["email"])


def _sessions(db_url: str, tenant_id: str) -> list[tuple[Any, ...]]:
    found = rows(
        db_url,
        "SELECT visitor_id, is_new_visitor, campaign_key, source, medium, campaign, term,"
        " content, utm_id, click_ids, landing_page, referrer, started_at, last_seen_at, views"
        " FROM sessions WHERE tenant_id = ?",
        tenant_id,
    )
    return sorted((tuple(r.values()) for r in found), key=repr)


def _pageviews(db_url: str, tenant_id: str) -> list[tuple[Any, ...]]:
    found = rows(db_url, "SELECT visitor_id, url, at FROM pageviews WHERE tenant_id = ?", tenant_id)
    return sorted((tuple(r.values()) for r in found), key=repr)


@pytest.mark.parametrize("per_person", [None, 3.0])
def test_generated_history_is_what_the_endpoints_store(settings, clock: Clock, per_person):
    """The same generated traffic, once through the generator's jobs into one tenant and
    once as real posts and beacons through the service into another, stores the same (with
    the default repeats and with many, ``--submissions-per-person``)."""
    keys = {}
    for tenant_id in ("gen", "real"):

        def work(conn: Any, tenant_id: str = tenant_id) -> str:
            key = admin.create_tenant(conn, tenant_id, [SITE], True, ["ref"])
            admin.create_form(
                conn,
                tenant_id,
                name="Contact us",
                thank_you_url=None,
                published=True,
                custom_fields=[{"name": "message", "label": "Message"}],
            )
            return key

        keys[tenant_id] = storage.transaction(settings.db_path, work)

    now = datetime.now(UTC) - timedelta(days=1)  # before the endpoint's clock
    result = gen.generate(
        settings.db_path, "gen", 60, days=30, seed=11, now=now, submissions_per_person=per_person
    )
    assert result["persons"] == 60

    with storage.connect(settings.db_path) as conn:
        tenant, form = gen.tenant_and_form(conn, "real")
    history = traffic.History(
        tenant, form, persons=60, days=30, seed=11, now=now, submissions_per_person=per_person
    )
    events = list(history.events())
    posts = [e for e in events if isinstance(e, traffic.Post)]
    # The seed gives every kind of journey the generator makes.
    assert any(p.script is None for p in posts), "a hosted form"
    assert any(p.script and p.script[0] is not p.script[1] for p in posts), "first != latest"
    assert any(p.script and p.script[1] is None for p in posts), "direct only"
    assert any(not p.fields["ls_submission_id"].endswith("-0") for p in posts), "repeat"
    assert any("ls_visitor_id" in p.fields for p in posts), "page views"
    assert any("company" not in p.fields for p in posts)

    app = create_app(limited(settings), clock=clock)
    with TestClient(app) as client:
        for event in events:
            if isinstance(event, traffic.Post):
                response = client.post(f"/t/real/forms/{form.form_id}", json=event.as_sent())
                assert response.status_code == 201, response.text
            else:
                view = event.view
                clock.now = view.at
                response = client.post(
                    "/t/real/collect",
                    content=json.dumps({"v": view.visitor_id, "u": view.url, "r": view.referrer}),
                    headers={"Content-Type": "text/plain", "User-Agent": CHROME},
                )
                assert response.status_code == 204, response.text

        generated, real = _persons(client, keys["gen"]), _persons(client, keys["real"])
    assert len(generated) == 60
    # A hosted form's own touch is made when the post arrives: its time is a record time,
    # the post's for the generator and the wall clock's (after ``now``) for the endpoint.
    hosted = {iso_time(p.at) for p in posts if p.script is None}
    last = iso_time(now)
    assert _touch_times(generated, lambda at: at in hosted) == _touch_times(
        real, lambda at: at > last
    )
    assert _sessions(settings.db_path, "gen") == _sessions(settings.db_path, "real")
    assert _pageviews(settings.db_path, "gen") == _pageviews(settings.db_path, "real")
    for table in ("touches", "companies", "submissions", "submission_touches"):
        counts = [
            rows(settings.db_path, f"SELECT count(*) AS n FROM {table} WHERE tenant_id = ?", t)
            for t in ("gen", "real")
        ]
        assert counts[0] == counts[1], table


def test_the_generated_history_looks_real(settings, make_tenant):
    tenant = make_tenant()
    result = gen.generate(settings.db_path, tenant.tenant_id, 400, days=90, seed=5, now=NOW)
    assert result["persons"] == 400
    assert result["submissions"] > 400
    assert result["pageviews"] > 0
    assert result["form_id"] == tenant.form_id  # the tenant's first form

    persons = rows(settings.db_path, "SELECT * FROM persons WHERE tenant_id = 'acme'")
    assert len(persons) == 400
    times = sorted(p["created_at"] for p in persons)
    assert times[0] >= (NOW - timedelta(days=90)).isoformat()[:10]
    assert times[-1] <= "2026-11-23T10:00:00.000Z"
    # Different days and months, not one moment.
    assert len({t[:10] for t in times}) > 60

    differing = [p for p in persons if p["first_touch_id"] != p["lead_creation_touch_id"]]
    sources = {
        r["touch_id"]: (r["source"], r["medium"])
        for r in rows(settings.db_path, "SELECT * FROM touches WHERE tenant_id = 'acme'")
    }
    changed = [
        p
        for p in differing
        if sources[p["first_touch_id"]] != sources.get(p["lead_creation_touch_id"])
    ]
    assert len(changed) > 40, "some persons came first another way"

    per_company = Counter(p["company_id"] for p in persons if p["company_id"])
    assert max(per_company.values()) >= 2, "some share a company"
    assert len(per_company) > 100
    assert sum(1 for p in persons if p["company_id"] is None) > 50

    per_person = Counter(
        r["person_id"]
        for r in rows(
            settings.db_path, "SELECT person_id FROM submissions WHERE tenant_id = ?", "acme"
        )
    )
    assert sum(1 for n in per_person.values() if n > 1) > 30, "repeat submissions"

    with TestClient(create_app(settings)) as client:
        response = client.get("/api/v1/persons", params={"limit": 200}, headers=tenant.auth)
    channels = Counter(p["lead_creation"]["channel"] for p in response.json()["items"])
    for expected in (
        "Paid Social",
        "Paid Search",
        "Email",
        "Organic Search",
        "Organic Social",
        "Referral",
        "Direct",
    ):
        assert channels[expected] > 0, (expected, channels)
    campaigns = {
        r["campaign"]
        for r in rows(settings.db_path, "SELECT campaign FROM touches")
        if r["campaign"]
    }
    assert len(campaigns) >= 8


def test_submissions_per_person_sets_the_mean_with_later_visits(settings, make_tenant):
    """``--submissions-per-person 3``: about three submissions a person, each repeat later
    than the one before and converting on a touch of its own."""
    tenant = make_tenant()
    result = gen.generate(
        settings.db_path, tenant.tenant_id, 600, days=90, seed=3, now=NOW, submissions_per_person=3
    )
    assert result["persons"] == 600
    assert 2.6 <= result["submissions"] / 600 <= 3.4, result
    assert result["submissions_per_second"] > 0
    found = rows(
        settings.db_path,
        "SELECT person_id, submitted_at, conversion_touch_id FROM submissions"
        " WHERE tenant_id = ? ORDER BY person_id, submitted_at",
        tenant.tenant_id,
    )
    per_person: dict[str, list[dict[str, Any]]] = {}
    for row in found:
        per_person.setdefault(row["person_id"], []).append(row)
    counts = Counter(len(s) for s in per_person.values())
    assert counts[1] > 150, "some never come back"
    assert max(counts) >= 6, "some come back often"
    for submissions in per_person.values():
        times = [s["submitted_at"] for s in submissions]
        assert len(set(times)) == len(times)
    repeats = [s for subs in per_person.values() if len(subs) > 1 for s in subs]
    touches = {s["conversion_touch_id"] for s in repeats if s["conversion_touch_id"]}
    assert len(touches) > 0.7 * len(repeats), "a repeat converts on a new touch"


def test_the_command_repeats_with_a_seed_and_adds_nothing_twice(settings, capsys, monkeypatch):
    monkeypatch.setattr(gen, "PARALLEL_FROM", 10)  # made in a second process, as at scale
    monkeypatch.setattr(gen, "BATCH", 7)
    storage.transaction(settings.db_path, lambda conn: admin.create_tenant(conn, "acme", [], True))
    args = ["generate", "--tenant", "acme", "--persons", "25", "--seed", "9"]
    args += ["--days", "10", "--db", settings.db_path]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["persons"] == 25
    assert first["seed"] == 9
    forms = rows(settings.db_path, "SELECT name, published FROM forms WHERE tenant_id = 'acme'")
    assert forms == [{"name": "Contact us", "published": 1}]
    counts = {
        t: len(rows(settings.db_path, f"SELECT 1 FROM {t}")) for t in ("persons", "submissions")
    }

    assert main(args) == 0  # the same seed: the same submission ids, stored once
    capsys.readouterr()
    again = {
        t: len(rows(settings.db_path, f"SELECT 1 FROM {t}")) for t in ("persons", "submissions")
    }
    assert again == counts
    assert len(rows(settings.db_path, "SELECT 1 FROM forms")) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tenant", "nobody", "--persons", "5"], "no tenant 'nobody'"),
        (["--tenant", "acme", "--persons", "0"], "--persons must be"),
        (["--tenant", "acme", "--persons", "5", "--days", "0"], "--days must be"),
        (
            ["--tenant", "acme", "--persons", "5", "--submissions-per-person", "0.5"],
            "--submissions-per-person must be",
        ),
    ],
)
def test_refusals(settings, capsys, args, message):
    storage.transaction(settings.db_path, lambda conn: admin.create_tenant(conn, "acme", [], True))
    assert main(["generate", *args, "--db", settings.db_path]) == 2
    assert message in capsys.readouterr().err


def test_some_generated_leads_come_by_chat(settings, make_tenant):
    """With ``chat_one_in`` (the demo's), about one lead in N is a chat widget's: ``via``
    chat and no form, with the touches it would send; without it, every one is the form's."""
    tenant = make_tenant()
    gen.generate(settings.db_path, tenant.tenant_id, 300, days=60, seed=8, now=NOW, chat_one_in=6)
    found = rows(
        settings.db_path,
        "SELECT via, form_id, conversion_touch_id FROM submissions WHERE tenant_id = 'acme'",
    )
    chats = [s for s in found if s["via"] == "chat"]
    assert 0.08 < len(chats) / len(found) < 0.27
    assert {s["form_id"] for s in chats} == {""}
    assert {s["form_id"] for s in found if s["via"] == "form"} == {tenant.form_id}
    assert any(s["conversion_touch_id"] for s in chats)
