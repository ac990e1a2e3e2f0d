"""The campaign pages' kept daily counts (ingest/storage/campaign_counts.py): data made
through the real endpoints and store functions (page views, submissions, deals created, won,
lost, reopened and re-priced, an erasure, retention's deletes), and after every step the
kept counts equal a recount from the raw rows, and every number the pages show equals the
pass over the raw rows the pages made before the counts were kept (``passed_*`` below, the
statements of that version), for every campaign, both touches and several periods."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from ingest import storage
from ingest.domain import erasure
from ingest.storage import campaign_counts, campaign_reach, campaigns, footprints, links, visits

from .conftest import person, sign_in, touch_json
from .test_campaigns import measure
from .test_collect import CHROME

SITE = "https://www.acme.example/"
PERIODS = [
    ("2020-01-01T00:00:00.000Z", "2030-01-01T00:00:00.000Z"),  # everything
    ("2026-11-01T00:00:00.000Z", "2026-12-01T00:00:00.000Z"),
    ("2026-11-05T00:00:00.000Z", "2026-11-06T00:00:00.000Z"),  # one day
    ("2026-11-06T00:00:00.000Z", "2026-11-09T00:00:00.000Z"),
]


# -- the pages' numbers as they were computed before: a pass over the raw rows -------------


def _marks(values: tuple[str, ...]) -> str:
    return "(" + ", ".join("?" for _ in values) + ")"


def passed_measures(conn, tenant_id, values, touch, since, until) -> campaigns.Measures:
    found = campaigns.Measures()
    vals = _marks(values)
    row = conn.execute(
        "SELECT COUNT(*), SUM(views) FROM sessions WHERE tenant_id = ?"
        f" AND campaign IN {vals} AND started_at >= ? AND started_at < ?",
        (tenant_id, *values, since, until),
    ).fetchone()
    found.sessions, found.views = int(row[0]), int(row[1] or 0)
    column = campaigns.PERSON_COLUMN[touch]
    found.new_contacts = conn.execute(
        f"SELECT COUNT(*) FROM persons WHERE tenant_id = ? AND {column} IN {vals}"
        " AND created_at >= ? AND created_at < ?",
        (tenant_id, *values, since, until),
    ).fetchone()[0]
    found.influenced = conn.execute(
        "SELECT COUNT(DISTINCT person_id) FROM person_campaign_days WHERE tenant_id = ?"
        f" AND campaign IN {vals} AND day >= ? AND day < ?",
        (tenant_id, *values, since[:10], until[:10]),
    ).fetchone()[0]
    deals = (
        "FROM deals d JOIN persons p ON p.tenant_id = d.tenant_id AND p.person_id = d.person_id"
        f" WHERE d.tenant_id = ? AND p.{column} IN {vals}"
    )
    found.deals = conn.execute(
        f"SELECT COUNT(*) {deals} AND d.created_at >= ? AND d.created_at < ?",
        (tenant_id, *values, since, until),
    ).fetchone()[0]
    rows = conn.execute(
        f"SELECT d.currency, COUNT(*), SUM(d.amount) {deals} AND d.status = 'won'"
        " AND d.closed_at >= ? AND d.closed_at < ? GROUP BY d.currency ORDER BY d.currency",
        (tenant_id, *values, since, until),
    ).fetchall()
    found.won_deals = sum(int(r[1]) for r in rows)
    found.revenue = [(r[0], int(r[2] or 0)) for r in rows]
    return found


def passed_by_day(conn, tenant_id, values, touch, since, until) -> dict[str, dict[str, int]]:
    days: dict[str, dict[str, int]] = {}
    vals = _marks(values)
    column = campaigns.PERSON_COLUMN[touch]
    for key, sql in (
        (
            "contacts",
            "SELECT substr(created_at, 1, 10) AS day, COUNT(*) FROM persons WHERE tenant_id = ?"
            f" AND {column} IN {vals} AND created_at >= ? AND created_at < ?",
        ),
        (
            "sessions",
            "SELECT substr(started_at, 1, 10) AS day, COUNT(*) FROM sessions"
            f" WHERE tenant_id = ? AND campaign IN {vals} AND started_at >= ? AND started_at < ?",
        ),
    ):
        for row in conn.execute(
            f"{sql} GROUP BY day", (tenant_id, *values, since, until)
        ).fetchall():
            days.setdefault(row[0], {"contacts": 0, "sessions": 0})[key] = int(row[1])
    return days


def passed_traffic(conn, tenant_id, values, since, until) -> list[dict[str, Any]]:
    vals = _marks(values)
    rows: dict[tuple[str, str], dict[str, Any]] = {}

    def row(source, medium) -> dict[str, Any]:
        key = (source or "", medium or "")
        return rows.setdefault(
            key,
            {"source": key[0], "medium": key[1], "views": 0, "sessions": 0, "new_visitors": 0,
             "contacts": 0},
        )  # fmt: skip

    for r in conn.execute(
        "SELECT source, medium, SUM(views), COUNT(*), SUM(is_new_visitor) FROM sessions"
        f" WHERE tenant_id = ? AND campaign IN {vals} AND started_at >= ? AND started_at < ?"
        " GROUP BY source, medium",
        (tenant_id, *values, since, until),
    ).fetchall():
        found = row(r[0], r[1])
        found["views"], found["sessions"] = int(r[2] or 0), int(r[3])
        found["new_visitors"] = int(r[4] or 0)
    for r in conn.execute(
        "SELECT ft_source, ft_medium, COUNT(*) FROM persons WHERE tenant_id = ?"
        f" AND ft_campaign IN {vals} AND created_at >= ? AND created_at < ?"
        " GROUP BY ft_source, ft_medium",
        (tenant_id, *values, since, until),
    ).fetchall():
        row(r[0], r[1])["contacts"] = int(r[2])
    return sorted(
        rows.values(), key=lambda r: (-r["views"], -r["contacts"], r["source"], r["medium"])
    )


# -- making the data through the endpoints ------------------------------------------------


def view(client, clock, visitor: str, at: datetime, campaign: str | None, source="linkedin"):
    clock.now = at
    url = SITE + (
        f"?utm_source={source}&utm_medium=cpc&utm_campaign={campaign}" if campaign else ""
    )
    response = client.post(
        "/t/acme/collect",
        content=json.dumps({"v": visitor, "u": url, "r": ""}).encode(),
        headers={"Content-Type": "text/plain;charset=UTF-8", "User-Agent": CHROME},
    )
    assert response.status_code == 204, response.text


def submit(client, tenant, email: str, campaign: str, **extra: str) -> None:
    body = {"email": email, "utm_source": "google", "utm_medium": "cpc", "utm_campaign": campaign}
    response = client.post(tenant.form_path, json={**body, **extra})
    assert response.status_code == 201, response.text


def new_deal(client, tenant, email: str, amount: str, status: str, **more: str) -> str:
    body = {"person_id": person(client, tenant, email)["id"], "title": "T", "amount": amount}
    response = client.post(
        "/api/v1/deals", json={**body, "status": status, **more}, headers=tenant.auth
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def change(client, tenant, deal_id: str, **body: Any) -> None:
    response = client.patch(f"/api/v1/deals/{deal_id}", json=body, headers=tenant.auth)
    assert response.status_code == 200, response.text


def check(settings, client=None) -> None:
    """The kept counts equal a recount; every campaign's numbers equal the pass's; the list
    page shows them."""
    with storage.connect(settings.db_path) as conn:
        assert storage.in_transaction(
            conn, lambda c: campaign_counts.differences(c, "acme")
        ) == []  # fmt: skip
        assert storage.in_transaction(conn, lambda c: campaign_reach.differences(c, "acme")) == []
        listed = campaigns.catalogue(conn, "acme")
        for campaign in listed:
            values = campaign.values
            for since, until in PERIODS:
                for touch in campaigns.TOUCHES:
                    args = (conn, "acme", values, touch, since, until)
                    assert campaigns.measures(*args) == passed_measures(*args), (values, touch)
                    assert campaigns.by_day(*args) == passed_by_day(*args), (values, touch)
                args = (conn, "acme", values, since, until)
                assert campaigns.traffic(*args) == passed_traffic(*args), values
        page_period = ("2025-01-01T00:00:00.000Z", "2030-01-01T00:00:00.000Z")
        expected = {
            c.name: passed_measures(conn, "acme", c.values, "first_touch", *page_period)
            for c in listed
        }
    if client is not None:  # the list page shows the same numbers
        page = client.get("/app/acme/campaigns", params={"from": "2025-01-01", "to": "2029-12-31"})
        assert page.status_code == 200, page.text
        shown = sorted(expected.items(), key=lambda item: item[0].lower())
        for name in ("sessions", "new_contacts", "influenced", "deals", "won_deals"):
            numbers = [str(getattr(m, name)) for _, m in shown]
            assert measure(page.text, name) == numbers, name


@pytest.fixture
def acme(client, make_tenant, make_user, settings):
    tenant = make_tenant()
    storage.transaction(
        settings.db_path,
        lambda conn: links.create_campaign(conn, "acme", "Spring", ["spring", "spring_rt"]),
    )
    make_user("boss@acme.example", ("acme", "admin"))
    assert sign_in(client, "boss@acme.example").status_code == 303
    return tenant


def test_the_kept_counts_follow_every_change(client, clock, acme, settings):
    tenant = acme
    nov = lambda day, hour=9, minute=0: datetime(2026, 11, day, hour, minute, tzinfo=UTC)  # noqa: E731
    # Sessions: two views of one, a session over midnight (counted on its start's day),
    # another campaign, one without any, and the visitor who will be erased.
    view(client, clock, "visitor-01", nov(5), "spring")
    view(client, clock, "visitor-01", nov(5, 9, 5), "spring")
    view(client, clock, "visitor-02", nov(5, 23, 50), "spring_rt", source="google")
    view(client, clock, "visitor-02", nov(6, 0, 10), None)
    view(client, clock, "visitor-03", nov(6), "brand", source="facebook")
    view(client, clock, "visitor-04", nov(6), None)
    view(client, clock, "visitor-ann", nov(7), "spring")
    view(client, clock, "visitor-ann", nov(8), "brand")  # a new session: a new campaign
    check(settings)

    # Persons (created now, the real time), one with a first touch of another campaign.
    clock.now = nov(23, 10)
    spring_touch = touch_json("linkedin", "paid_social", "spring")
    submit(client, tenant, "ann@x.example", "brand", ls_first_touch=spring_touch,
           ls_visitor_id="visitor-ann")  # fmt: skip
    submit(client, tenant, "bob@x.example", "spring_rt")
    submit(client, tenant, "cid@x.example", "brand", ls_touches=f"[{spring_touch}]")
    submit(client, tenant, "dan@x.example", "brand")
    submit(client, tenant, "eve@x.example", "")
    submit(client, tenant, "bob@x.example", "spring")  # a known person: no new contact
    check(settings)

    # Deals: won, open, lost, won in another currency, on a person of no campaign.
    won = {"created_at": "2026-11-07", "closed_at": "2026-11-08"}
    ann = new_deal(client, tenant, "ann@x.example", "100", "won", **won)
    bob = new_deal(client, tenant, "bob@x.example", "50", "open", created_at="2026-11-06")
    cid = new_deal(client, tenant, "cid@x.example", "20", "lost", **won)
    dan = new_deal(client, tenant, "dan@x.example", "10", "won", currency="USD", **won)
    new_deal(client, tenant, "eve@x.example", "5", "won", **won)
    check(settings)

    # Changed: won, re-priced, reopened, lost made won with a new close, a close moved.
    change(client, tenant, bob, status="won", closed_at="2026-11-08T23:30:00-02:00")
    change(client, tenant, ann, amount="150")
    change(client, tenant, dan, status="open")
    change(client, tenant, cid, status="won", closed_at="2026-11-09T08:00:00Z")
    change(client, tenant, ann, closed_at="2026-11-10T12:00:00Z")
    view(client, clock, "visitor-01", nov(23, 10, 1), "spring")  # a new session, later
    check(settings, client)

    # Erasure: Ann's person, sessions (her visitor id) and deal's campaign go.
    def erase(conn):
        erasure.erase(conn, "acme", erasure.find_person(conn, "acme", "ann@x.example"))

    storage.transaction(settings.db_path, erase)
    check(settings)

    # Retention: sessions last seen before the 7th, deleted in batches of two.
    cutoff = "2026-11-07T00:00:00.000Z"

    def prune(conn) -> int:
        return visits.delete_older(conn, "acme", cutoff, "sessions", 2)

    while storage.transaction(settings.db_path, prune):
        pass
    check(settings, client)
    with storage.connect(settings.db_path) as conn:
        left = conn.execute(
            "SELECT COUNT(*) FROM campaign_counts WHERE tenant_id = 'acme' AND n <> 0"
        ).fetchone()[0]
    assert left > 0  # the check above compared something


def reach_check(settings, unowned: tuple[str, ...] = ()) -> int:
    """The kept reaches equal a recount, and the influenced contacts of every named campaign
    and of the ``unowned`` values no campaign owns, for every period of whole days in November
    (and each one ending in 2099), equal the distinct count of the reach rows. Returns how many
    periods had anyone in them."""
    days = [f"2026-11-{d:02d}" for d in range(1, 14)]
    nonzero = 0
    with storage.connect(settings.db_path) as conn:
        assert storage.in_transaction(conn, lambda c: campaign_reach.differences(c, "acme")) == []
        named = [c for c in campaigns.catalogue(conn, "acme") if not c.unowned]
        owned = {v for c in named for v in c.values}
        for campaign in [*named, *(campaigns.Campaign(v, (v,)) for v in unowned if v not in owned)]:
            assert campaign_reach.key_for(conn, "acme", campaign.values) is not None
            for i, first in enumerate(days):
                for end in [*days[i + 1 :], "2099-01-01"]:
                    since, until = first + "T00:00:00.000Z", end + "T00:00:00.000Z"
                    expected = conn.execute(
                        "SELECT COUNT(DISTINCT person_id) FROM person_campaign_days"
                        f" WHERE tenant_id = 'acme' AND campaign IN {_marks(campaign.values)}"
                        " AND day >= ? AND day < ?",
                        (*campaign.values, first, end),
                    ).fetchone()[0]
                    got = campaigns.influenced(conn, "acme", campaign.values, since, until)
                    assert got == expected, (campaign.name, first, end)
                    nonzero += expected > 0
    return nonzero


def test_influenced_contacts_are_a_sum_over_days_for_any_period(acme, settings):
    """The submission job's reaches (``campaigns.note_reach``, as ``record`` calls it, with the
    days a generator or import gives) on days in any order: before, between and after a
    person's others; two values of one campaign on one day (one reach); values a new campaign
    takes over; an erasure's delete of a person's reach rows."""
    steps = [
        (5, "ann", {"spring"}, True),
        (9, "ann", {"spring_rt"}, False),
        (7, "ann", {"brand"}, False),
        (7, "ann", {"spring"}, False),  # between her 5th and 9th
        (2, "ann", {"spring_rt", "brand"}, False),  # before all of hers
        (6, "bob", {"spring_rt", "spring"}, True),  # two values of one campaign
        (6, "bob", {"spring"}, False),  # again the same day
        (3, "cid", {"brand", "spring"}, True),
        (11, "cid", {"autumn"}, False),
        (8, "dan", {"autumn", "spring"}, True),
        (12, "bob", {"brand"}, False),
        (12, "eve", set(), True),
    ]
    unowned = ("brand", "autumn")

    def reach(day: int, who: str, values: set[str], new: bool):
        def job(conn):
            day_text = f"2026-11-{day:02d}"
            campaigns.note_reach(conn, "acme", f"per_{who}", day_text, values, new_person=new)

        storage.transaction(settings.db_path, job)

    for step in steps:
        reach(*step)
        reach_check(settings, unowned)

    # Brand and autumn join a campaign: their reaches count for it, each person once.
    storage.transaction(
        settings.db_path,
        lambda conn: links.create_campaign(conn, "acme", "Fall", ["brand", "autumn"]),
    )
    reach_check(settings)
    reach(4, "bob", {"autumn"}, False)
    assert reach_check(settings) > 100

    def erase(conn):
        footprints.delete_campaign_days(conn, "acme", "per_ann")

    storage.transaction(settings.db_path, erase)
    assert reach_check(settings) > 80


def test_recount_makes_them_from_nothing(client, clock, acme, settings):
    """What migration 0027 and migrate-data do: counts made from the raw rows alone."""
    submit(client, acme, "ann@x.example", "spring")
    view(client, clock, "visitor-01", datetime(2026, 11, 5, 9, tzinfo=UTC), "spring")

    def wipe_and_recount(conn) -> None:
        conn.execute("DELETE FROM campaign_counts WHERE tenant_id = 'acme'")
        campaign_counts.recount(conn, "acme")

    with storage.connect(settings.db_path) as conn:
        before = conn.execute(
            "SELECT campaign, measure, day, SUM(n) FROM campaign_counts WHERE tenant_id = 'acme'"
            " GROUP BY campaign, measure, day ORDER BY campaign, measure, day"
        ).fetchall()
    storage.transaction(settings.db_path, wipe_and_recount)
    with storage.connect(settings.db_path) as conn:
        after = conn.execute(
            "SELECT campaign, measure, day, SUM(n) FROM campaign_counts WHERE tenant_id = 'acme'"
            " GROUP BY campaign, measure, day ORDER BY campaign, measure, day"
        ).fetchall()
    assert [tuple(r) for r in before] == [tuple(r) for r in after]
    # New contacts are the reports' person_days rows (storage/reports/kept.py), not these.
    assert {r[1] for r in after} == {"sessions"}
