"""The reports' kept daily counts (``ingest/storage/reports/kept.py``, migration 0026) on
both engines: after every kind of change (new persons by form and chat, a known person's new
way in and form, a company given, changed and recategorised, status moves, owners, deals
made, won, lost and changed, an erasure) they equal a recount from the raw rows, and every
report read from them has exactly the rows of the list each of its numbers links to."""

from __future__ import annotations

import pytest

from ingest import storage
from ingest.storage.reports import kept

from .conftest import person, rows, touch_json
from .test_lead_lists import acme, patch  # noqa: F401  (the fixture)
from .test_reports import LINKEDIN, api_count, data, deal, lead, report  # noqa: F401  (the fixture)


def kept_now(db_url: str) -> dict[tuple, tuple[int, int]]:
    """Every nonzero kept count of acme, summed over slots."""
    found = {}
    for r in rows(
        db_url,
        "SELECT dim, day, k1, k2, k3, k4, SUM(n) AS n FROM person_days WHERE tenant_id = ?"
        " GROUP BY dim, day, k1, k2, k3, k4",
        "acme",
    ):
        if int(r["n"]):
            found[("person", r["dim"], r["day"], r["k1"], r["k2"], r["k3"], r["k4"])] = (
                int(r["n"]),
                0,
            )
    for r in rows(
        db_url,
        "SELECT kind, day, k1, k2, k3, k4, currency, SUM(n) AS n, SUM(amount) AS amount"
        " FROM deal_days WHERE tenant_id = ? GROUP BY kind, day, k1, k2, k3, k4, currency",
        "acme",
    ):
        if int(r["n"]) or int(r["amount"]):
            key = ("deal", r["kind"], r["day"], r["k1"], r["k2"], r["k3"], r["k4"], r["currency"])
            found[key] = (int(r["n"]), int(r["amount"]))
    return found


def recounted(db_url: str) -> dict[tuple, tuple[int, int]]:
    storage.transaction(db_url, lambda conn: kept.recount(conn, "acme"))
    return kept_now(db_url)


def deal_ids(db_url: str) -> dict[str, str]:
    """Deal title -> id."""
    return {r["title"]: r["deal_id"] for r in rows(
        db_url, "SELECT title, deal_id FROM deals WHERE tenant_id = ?", "acme")}  # fmt: skip


def change_everything(client, tenant, db_url):
    # A new person by a form, with a company (a new lead), and one by chat.
    body = {"email": "ivy@x.example", "company": "Fjord AS",
            "ls_first_touch": touch_json("bing", "cpc", "spring")}  # fmt: skip
    assert client.post(tenant.form_path, json=body).status_code == 201
    lead(
        client,
        tenant,
        "jon@x.example",
        [
            {
                **__import__("json").loads(touch_json("linkedin", "paid_social", "webinar")),
                "at": "2026-11-21T10:00:00.000Z",
            }
        ],
    )
    # Known persons: anna by chat (a new way in), finn (no company) gets one by a form.
    lead(client, tenant, "anna@x.example", [])
    body = {"email": "finn@x.example", "company": "Viken AS"}
    assert client.post(tenant.form_path, json=body).status_code == 201
    # Status moves (a status entered again is reached once), an owner, a company edit.
    anna = person(client, tenant, "anna@x.example")["id"]
    for status in ("Contacting", "Qualified", "Contacting"):
        patch(client, tenant, f"/api/v1/persons/{anna}", {"lead_status": status})
    patch(client, tenant, f"/api/v1/persons/{anna}", {"owner": "admin@acme.example"})
    bo = person(client, tenant, "bo@x.example")["id"]
    patch(client, tenant, f"/api/v1/persons/{bo}", {"company": "Nord AS"})
    # A company's category: every person of it moves.
    fjord = person(client, tenant, "carl@x.example")["company"]["id"]
    patch(client, tenant, f"/api/v1/companies/{fjord}", {"category": "Customer"})
    # Deals: made, won, lost, an amount changed, one of a person who is then erased.
    deal(client, tenant, "ivy@x.example", "700", "open", "2026-11-21")
    deal(client, tenant, "dina@x.example", "40", "open", "2026-11-02")
    ids = deal_ids(db_url)
    for title, change in (
        ("bo@x.example 500", {"status": "won", "closed_at": "2026-11-22"}),
        ("ivy@x.example 700", {"amount": "750"}),
        ("anna@x.example 1000", {"status": "lost"}),
        ("dina@x.example 40", {"amount": "45", "status": "won", "closed_at": "2026-11-23"}),
    ):
        response = client.patch(f"/api/v1/deals/{ids[title]}", json=change, headers=tenant.auth)
        assert response.status_code == 200, response.text
    dina = person(client, tenant, "dina@x.example")["id"]
    response = client.delete(f"/api/v1/persons/{dina}", headers=tenant.auth)
    assert response.status_code == 200, response.text


def test_kept_counts_equal_a_recount_after_every_change(client, data, db_url):  # noqa: F811
    assert kept_now(db_url) == recounted(db_url)
    before = kept_now(db_url)
    change_everything(client, data, db_url)
    after = kept_now(db_url)
    assert after != before
    assert after == recounted(db_url)


REPORTS = [
    ("new_leads", {}),
    ("new_leads", {"via": "chat"}),
    ("new_leads", {"via": "form"}),
    *(("new_leads", {"by": by}) for by in (
        "lead_creation_source", "lead_creation_medium", "lead_creation_campaign",
        "lead_creation_channel", "lead_creation_source_medium", "first_touch_source",
        "first_touch_source_medium", "first_touch_channel", "referring_site", "form", "via",
        "owner", "lead_status", "category", "category_group", "month", "day")),
    ("leads_and_deals", {"by": "lead_creation_source_medium"}),
    ("qualification", {}),
    *((measure, {"by": by}) for measure in ("new_deals", "sales", "pipeline", "won_revenue")
      for by in ("", "lead_creation_source", "lead_creation_channel", "month")),
]  # fmt: skip


@pytest.mark.parametrize("period", ["year_to_date", "last_30_days"])
def test_every_kept_number_is_the_rows_of_its_list(client, data, db_url, period):  # noqa: F811
    change_everything(client, data, db_url)
    for measure, params in REPORTS:
        body = report(client, data, measure, **params, period=period)
        for row in [*body["rows"], body["total"]]:
            for column in body["columns"]:
                link = row.get(f"{column}_list")
                if link is None or "amount" in column:
                    continue
                assert api_count(client, data, link) == row[column], (measure, params, row)


def test_a_failed_job_takes_its_gathered_counts_back(tmp_path):
    """SQLite's writer gathers new persons' counts and writes them before COMMIT
    (storage/pending.py): a job that fails after gathering, in a group with others that
    commit, leaves nothing behind; the others are counted."""
    import asyncio
    import functools
    from datetime import UTC, datetime

    from ingest.domain.submissions import Touches, record
    from ingest.domain.touch import build_touch
    from ingest.domain.validation import validate
    from ingest.storage import admin
    from ingest.storage.sqlite import Writer

    path = str(tmp_path / "w.db")
    storage.transaction(path, lambda conn: admin.create_tenant(conn, "acme", [], True))
    touch = build_touch({"utm_source": "bing", "utm_campaign": "spring"}, now=datetime.now(UTC))

    def job(n: int, fail: bool, conn):
        record(conn, tenant_id="acme", form_id="frm_x", submission_id=f"s{n}",
               clean=validate({"email": f"p{n}@x.example", "company": "Fjord AS"}, []),
               touches=Touches(first=touch, latest=touch), utm_transfer=True)  # fmt: skip
        if fail:
            raise RuntimeError("this job fails after its person was counted")
        return n

    async def main():
        writer = Writer(path, max_batch=64)
        await writer.start()
        jobs = [writer.run(functools.partial(job, n, n % 3 == 0)) for n in range(12)]
        results = await asyncio.gather(*jobs, return_exceptions=True)
        await writer.close()
        return results

    results = asyncio.run(main())
    assert sum(isinstance(r, RuntimeError) for r in results) == 4
    kept_rows = rows(path, "SELECT SUM(n) AS n FROM person_days WHERE tenant_id = 'acme'"
                     " AND dim = 'lead'")  # fmt: skip
    assert int(kept_rows[0]["n"]) == 8
    storage.transaction(path, lambda conn: None)
    before = {(r["dim"], r["day"], r["k1"], r["k2"], r["k3"], r["k4"]): int(r["n"]) for r in rows(
        path, "SELECT dim, day, k1, k2, k3, k4, SUM(n) AS n FROM person_days"
        " WHERE tenant_id = 'acme' GROUP BY dim, day, k1, k2, k3, k4")}  # fmt: skip
    storage.transaction(path, lambda conn: kept.recount(conn, "acme"))
    after = {(r["dim"], r["day"], r["k1"], r["k2"], r["k3"], r["k4"]): int(r["n"]) for r in rows(
        path, "SELECT dim, day, k1, k2, k3, k4, SUM(n) AS n FROM person_days"
        " WHERE tenant_id = 'acme' GROUP BY dim, day, k1, k2, k3, k4")}  # fmt: skip
    assert before == after
