"""Deals and the pipeline (ingest/domain/deals.py, ingest/domain/stages.py): the API's create,
change, read and list with every validation error, closing and reopening, the history, two
changes at once, the stages' rules, erasure, and the app's pages (roles, foreign ids, totals,
the pipeline's forms)."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest

from ingest import storage
from ingest.domain import deals as domain
from ingest.domain import stages as stage_rules

from .conftest import csrf_of, person, rows, sign_in

NOW = "2026-11-23T10:00:00.000Z"  # the clock fixture's time


@pytest.fixture
def lead(client, make_tenant):
    """The tenant acme and Ingrid, whose lead came from LinkedIn (company Fjord)."""
    tenant = make_tenant()
    submit(client, tenant, "ingrid@fjord.example", "Fjord", "linkedin", "webinar")
    return tenant, person(client, tenant, "ingrid@fjord.example")


def submit(client, tenant, email: str, company: str, source: str, campaign: str) -> None:
    response = client.post(
        tenant.form_path,
        json={
            "email": email,
            "first_name": email.split("@")[0].title(),
            "company": company,
            "utm_source": source,
            "utm_medium": "paid_social",
            "utm_campaign": campaign,
        },
    )
    assert response.status_code == 201, response.text


def create(client, tenant, **body: Any):
    return client.post("/api/v1/deals", json=body, headers=tenant.auth)


def new_deal(client, tenant, person_id: str, **body: Any) -> dict[str, Any]:
    body = {"title": "Fjord rollout", "amount": "100", "status": "open", **body}
    response = create(client, tenant, person_id=person_id, **body)
    assert response.status_code == 201, response.text
    return response.json()


def patch(client, tenant, deal_id: str, **body: Any):
    return client.patch(f"/api/v1/deals/{deal_id}", json=body, headers=tenant.auth)


# -- the API -------------------------------------------------------------------------------


def test_a_new_deal_is_attributed_to_its_persons_lead_creation(client, lead):
    tenant, ingrid = lead
    response = create(
        client, tenant, person_id=ingrid["id"], title=" Fjord  rollout ", amount="1234.5",
        status="open",
    )  # fmt: skip
    assert response.status_code == 201, response.text
    deal = response.json()
    assert deal["title"] == "Fjord rollout"
    assert (deal["amount"], deal["currency"]) == ("1234.50", "EUR")
    assert (deal["status"], deal["stage"], deal["probability"]) == ("open", "Qualification", 20)
    assert deal["person"] == {"id": ingrid["id"], "email": "ingrid@fjord.example", "name": "Ingrid"}
    assert deal["company"] == {"id": ingrid["company"]["id"], "name": "Fjord"}
    assert deal["lead_creation"] == {
        "source": "linkedin",
        "medium": "paid_social",
        "campaign": "webinar",
    }
    assert (deal["created_at"], deal["closed_at"], deal["owner"]) == (NOW, None, None)
    assert [(h["field"], h["from"], h["to"], h["user"]) for h in deal["history"]] == [
        ("stage", None, "Qualification", None),
        ("status", None, "open", None),
        ("amount", None, "1234.50", None),
    ]
    assert client.get(f"/api/v1/deals/{deal['id']}", headers=tenant.auth).json() == deal
    # Minor units in the database: never a float.
    assert rows(tenant.db_path, "SELECT amount FROM deals")[0]["amount"] == 123450


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"title": "   "}, "title", "needs a title"),
        ({"title": "x" * 201}, "title", "at most 200"),
        ({"title": 5}, "title", "string"),
        ({"amount": "-1"}, "amount", "negative"),
        ({"amount": "1.234"}, "amount", "2 decimals"),
        ({"amount": "12,50"}, "amount", "2 decimals"),
        ({"amount": 0.30000000000000004}, "amount", "2 decimals"),
        ({"amount": "1e3"}, "amount", "2 decimals"),
        ({"amount": True}, "amount", "number"),
        ({"amount": None}, "amount", "number"),
        ({"amount": 10**13}, "amount", "2 decimals"),
        ({"status": "closed"}, "status", "open, won, lost"),
        ({"stage": "Nope"}, "stage", "Qualification, Proposal, Negotiation"),
        ({"stage": ""}, "stage", "Name a stage"),
        ({"created_at": "yesterday"}, "created_at", "ISO 8601"),
        ({"created_at": "2026-02-30"}, "created_at", "ISO 8601"),
        ({"created_at": "2027-01-01"}, "created_at", "future"),
        ({"closed_at": "2026-01-01", "status": "open"}, "closed_at", "open deal has no close"),
        (
            {"status": "won", "created_at": "2026-05-01", "closed_at": "2026-04-30T23:59:59Z"},
            "closed_at",
            "before the deal was created",
        ),
        ({"expected_close": "soon"}, "expected_close", "YYYY-MM-DD"),
        ({"owner": "nobody@example.com"}, "owner", "No user"),
        ({"currency": "euro"}, "currency", "three-letter"),
        ({"company_id": "com_missing"}, "company_id", "No such company"),
        ({"probability": 50}, "probability", "Not a field"),
    ],
)
def test_a_new_deal_with_a_mistake_is_refused_with_the_field(client, lead, body, field, words):
    tenant, ingrid = lead
    values = {"person_id": ingrid["id"], "title": "T", "amount": "10", "status": "open", **body}
    response = create(client, tenant, **values)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert words in error["fields"][field], error
    assert rows(tenant.db_path, "SELECT COUNT(*) AS n FROM deals")[0]["n"] == 0


def test_required_fields_unknown_person_and_bad_bodies(client, lead):
    tenant, ingrid = lead
    response = create(client, tenant, person_id=ingrid["id"])
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"title", "amount", "status"}
    response = create(client, tenant, person_id="per_not_here", title="T", amount=1, status="open")
    assert response.status_code == 404
    assert response.json()["error"] == {"code": "not_found", "message": "No such person."}
    response = client.post("/api/v1/deals", content=b"{", headers={
        **tenant.auth, "Content-Type": "application/json"})  # fmt: skip
    assert response.status_code == 400
    response = client.post("/api/v1/deals", content=b"{}", headers=tenant.auth)
    assert response.status_code == 415
    response = client.post("/api/v1/deals", json=[], headers=tenant.auth)
    assert response.status_code == 422


def test_amounts_are_exact(client, lead):
    tenant, ingrid = lead
    for amount in (0.1, "0.2", 19.99, 7):
        new_deal(client, tenant, ingrid["id"], amount=amount)
    amounts = sorted(
        d["amount"] for d in client.get("/api/v1/deals", headers=tenant.auth).json()["items"]
    )
    assert amounts == ["0.10", "0.20", "19.99", "7.00"]


def test_won_without_closed_at_closes_now_and_reopening_clears_it(client, lead, clock):
    tenant, ingrid = lead
    deal = new_deal(client, tenant, ingrid["id"])
    clock.advance(days=3)
    won = patch(client, tenant, deal["id"], status="won").json()
    assert (won["status"], won["closed_at"]) == ("won", "2026-11-26T10:00:00.000Z")
    assert won["updated_at"] == "2026-11-26T10:00:00.000Z"
    # A close time of its own, then lost keeps the time given.
    changed = patch(client, tenant, deal["id"], closed_at="2026-11-25T08:00:00+02:00").json()
    assert changed["closed_at"] == "2026-11-25T06:00:00.000Z"
    reopened = patch(client, tenant, deal["id"], status="open").json()
    assert (reopened["status"], reopened["closed_at"]) == ("open", None)
    lost = patch(client, tenant, deal["id"], status="lost", closed_at="2026-11-24").json()
    assert lost["closed_at"] == "2026-11-24T00:00:00.000Z"
    statuses = [(h["from"], h["to"]) for h in lost["history"] if h["field"] == "status"]
    assert statuses == [(None, "open"), ("open", "won"), ("won", "open"), ("open", "lost")]
    # A deal created won without a close time closes when it is sent, as any change.
    done = new_deal(client, tenant, ingrid["id"], status="won", created_at="2025-03-01")
    assert (done["created_at"], done["closed_at"]) == (
        "2025-03-01T00:00:00.000Z",
        "2026-11-26T10:00:00.000Z",
    )


def test_backfilled_deals_keep_their_times(client, lead):
    tenant, ingrid = lead
    deal = new_deal(
        client, tenant, ingrid["id"], status="won", created_at="2024-01-10T09:30:00Z",
        closed_at="2024-02-01T12:00:00.5Z", expected_close="2024-01-31",
    )  # fmt: skip
    assert deal["created_at"] == "2024-01-10T09:30:00.000Z"
    assert deal["closed_at"] == "2024-02-01T12:00:00.500Z"
    assert deal["expected_close"] == "2024-01-31"
    assert {h["at"] for h in deal["history"]} == {"2024-01-10T09:30:00.000Z"}


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({}, "body", "at least one"),
        ({"stage": "Won"}, "stage", "No stage"),
        ({"status": "open", "closed_at": "2026-11-01"}, "closed_at", "open deal"),
        ({"closed_at": "2026-11-01"}, "closed_at", "open deal"),
        ({"amount": "-5"}, "amount", "negative"),
        ({"person_id": "x"}, "person_id", "Not a field"),
        ({"owner": "nobody@example.com"}, "owner", "No user"),
    ],
)
def test_a_change_with_a_mistake_is_refused(client, lead, body, field, words):
    tenant, ingrid = lead
    deal = new_deal(client, tenant, ingrid["id"])
    response = patch(client, tenant, deal["id"], **body)
    assert response.status_code == 422, response.text
    assert words in response.json()["error"]["fields"][field]
    after = client.get(f"/api/v1/deals/{deal['id']}", headers=tenant.auth).json()
    assert after == deal


def test_closed_deals_refuse_a_close_time_before_creation_or_none(client, lead):
    tenant, ingrid = lead
    deal = new_deal(client, tenant, ingrid["id"], created_at="2026-06-01", status="won")
    response = patch(client, tenant, deal["id"], closed_at="2026-05-31")
    assert "before the deal was created" in response.json()["error"]["fields"]["closed_at"]
    response = patch(client, tenant, deal["id"], closed_at=None)
    assert "reopen" in response.json()["error"]["fields"]["closed_at"]
    assert patch(client, tenant, deal["id"], status="open", closed_at=None).status_code == 200


def test_changes_are_in_the_history_and_renames_show(client, lead, settings):
    tenant, ingrid = lead
    deal = new_deal(client, tenant, ingrid["id"])
    patch(client, tenant, deal["id"], stage="proposal", amount="250.75")
    patch(client, tenant, deal["id"], stage="Proposal", amount=250.75)  # no change: no row
    storage.transaction(
        settings.db_path,
        lambda conn: stage_rules.edit_stage(
            conn, tenant_id="acme", stage_id="stg_proposal", name="Offer sent", probability=55
        ),
    )
    after = client.get(f"/api/v1/deals/{deal['id']}", headers=tenant.auth).json()
    assert (after["stage"], after["probability"], after["amount"]) == ("Offer sent", 55, "250.75")
    assert [(h["field"], h["from"], h["to"]) for h in after["history"][3:]] == [
        ("stage", "Qualification", "Offer sent"),
        ("amount", "100.00", "250.75"),
    ]


def test_the_list_filters_sorts_and_pages(client, lead, make_user, clock):
    tenant, ingrid = lead
    make_user("sam@acme.example", ("acme", "sales"))
    submit(client, tenant, "olga@acme.example", "Acme", "google", "brand")
    olga = person(client, tenant, "olga@acme.example")
    made = {}
    for title, who, amount, extra in (
        ("a", ingrid, "30", {}),
        ("b", ingrid, "10", {"status": "won"}),
        ("c", olga, "20", {"stage": "Negotiation", "owner": "SAM@acme.example"}),
        ("d", olga, "20", {"status": "lost", "closed_at": "2026-11-01"}),
        ("e", olga, "5", {"created_at": "2026-10-01"}),
    ):
        made[title] = new_deal(client, tenant, who["id"], title=title, amount=amount, **extra)
        clock.advance(minutes=1)

    def titles(**params: str) -> list[str]:
        response = client.get("/api/v1/deals", params=params, headers=tenant.auth)
        assert response.status_code == 200, response.text
        return [d["title"] for d in response.json()["items"]]

    assert titles() == ["d", "c", "b", "a", "e"]  # newest first (e was backfilled)
    assert titles(status="open") == ["c", "a", "e"]
    assert titles(stage="negotiation") == ["c"]
    assert titles(owner="sam@acme.example") == ["c"]
    assert titles(owner="") == ["d", "b", "a", "e"]
    assert titles(person_id=ingrid["id"]) == ["b", "a"]
    assert titles(company_id=olga["company"]["id"]) == ["d", "c", "e"]
    assert titles(lead_creation_source="google") == ["d", "c", "e"]
    assert titles(lead_creation_campaign="webinar", status="won") == ["b"]
    assert titles(created_from="2026-11-23") == ["d", "c", "b", "a"]
    assert titles(created_to="2026-10-01") == ["e"]
    assert titles(closed_from="2026-11-01", closed_to="2026-11-01") == ["d"]
    assert titles(sort="title") == ["a", "b", "c", "d", "e"]
    # Pages by amount, ties by id: every deal once, in order.
    seen, cursor = [], None
    while True:
        params = {"sort": "-amount", "limit": "2", **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/deals", params=params, headers=tenant.auth).json()
        seen += [(d["amount"], d["title"]) for d in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert [amount for amount, _ in seen] == ["30.00", "20.00", "20.00", "10.00", "5.00"]
    assert sorted(title for _, title in seen) == ["a", "b", "c", "d", "e"]
    for params in ({"sort": "nope"}, {"status": "closed"}, {"cursor": "xyz"}, {"limit": "0"},
                   {"created_from": "May"}):  # fmt: skip
        response = client.get("/api/v1/deals", params=params, headers=tenant.auth)
        assert response.status_code == 400, params
    stages = client.get("/api/v1/pipeline-stages", headers=tenant.auth).json()["items"]
    assert [(s["name"], s["probability"], s["active"]) for s in stages] == [
        ("Qualification", 20, True),
        ("Proposal", 50, True),
        ("Negotiation", 80, True),
    ]


# -- two changes at once -------------------------------------------------------------------


def test_two_stage_changes_at_once_last_wins_and_both_are_in_the_history(
    client, lead, db_url, backend
):
    """Each change is its own transaction, as two app processes would run them. On
    PostgreSQL both transactions are open before either reads the deal (its row is locked,
    so the second waits for the first); on SQLite the write lock orders them from BEGIN."""
    tenant, ingrid = lead
    for _ in range(5):
        deal = new_deal(client, tenant, ingrid["id"])
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def move(stage: str, deal_id: str = deal["id"], barrier=barrier, errors=errors) -> None:
            def job(conn: Any) -> None:
                if backend == "postgres":
                    barrier.wait(timeout=10)
                domain.change(
                    conn, tenant_id="acme", deal_id=deal_id, changes={"stage": stage}, now=NOW
                )

            try:
                if backend != "postgres":
                    barrier.wait(timeout=10)
                storage.transaction(db_url, job)
            except BaseException as error:  # reported below
                errors.append(error)

        threads = [threading.Thread(target=move, args=(s,)) for s in ("Proposal", "Negotiation")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        after = client.get(f"/api/v1/deals/{deal['id']}", headers=tenant.auth).json()
        moves = [(h["from"], h["to"]) for h in after["history"] if h["field"] == "stage"][1:]
        assert len(moves) == 2, moves
        # The second saw the first's result: a chain from Qualification, ending where it is.
        assert moves[0][0] == "Qualification"
        assert moves[1][0] == moves[0][1]
        assert after["stage"] == moves[1][1]
        assert {moves[0][1], moves[1][1]} == {"Proposal", "Negotiation"}


# -- stages ----------------------------------------------------------------------------------


def test_a_stage_in_use_cannot_be_deactivated(client, lead, settings):
    tenant, ingrid = lead
    deal = new_deal(client, tenant, ingrid["id"], stage="Proposal")

    def deactivate(stage_id: str) -> None:
        storage.transaction(
            settings.db_path,
            lambda conn: stage_rules.set_active(
                conn, tenant_id="acme", stage_id=stage_id, active=False
            ),
        )

    with pytest.raises(stage_rules.StageRefused, match="1 open deal: move them"):
        deactivate("stg_proposal")
    patch(client, tenant, deal["id"], status="won")  # closed deals do not hold a stage
    deactivate("stg_proposal")
    response = patch(client, tenant, deal["id"], status="open", stage="Proposal")
    assert "not active" in response.json()["error"]["fields"]["stage"]
    deactivate("stg_qualification")
    with pytest.raises(stage_rules.StageRefused, match="at least one active stage"):
        deactivate("stg_negotiation")
    # A new deal starts in the first active stage.
    assert new_deal(client, tenant, ingrid["id"])["stage"] == "Negotiation"


# -- erasure ---------------------------------------------------------------------------------


def test_erasing_a_person_keeps_their_deals_without_them(client, lead):
    tenant, ingrid = lead
    deal = new_deal(client, tenant, ingrid["id"], title="Kept")
    export = client.get(f"/api/v1/persons/{ingrid['id']}/export", headers=tenant.auth).json()
    assert [d["deal_id"] for d in export["deals"]] == [deal["id"]]
    erased = client.delete(f"/api/v1/persons/{ingrid['id']}", headers=tenant.auth).json()
    assert erased["deals_unlinked"] == 1
    after = client.get(f"/api/v1/deals/{deal['id']}", headers=tenant.auth).json()
    assert (after["title"], after["amount"]) == ("Kept", "100.00")
    assert (after["person"], after["company"], after["lead_creation"]) == (None, None, None)
    assert "ingrid" not in str(rows(tenant.db_path, "SELECT * FROM deals"))


# -- the pages ---------------------------------------------------------------------------------


@pytest.fixture
def team(lead, make_user):
    for email, role in (
        ("ada@acme.example", "admin"),
        ("sam@acme.example", "sales"),
        ("sue@acme.example", "sales"),
        ("mia@acme.example", "marketer"),
    ):
        make_user(email, ("acme", role))
    return lead


def as_user(client, email: str) -> str:
    """Sign in; the app's form token."""
    client.cookies.clear()
    assert sign_in(client, email).status_code == 303
    return csrf_of(client.get("/app/").text)


def post(client, path: str, token: str, **data: str):
    return client.post(f"/app/acme/{path}", data={"csrf_token": token, **data},
                       follow_redirects=False)  # fmt: skip


def test_a_salesperson_creates_moves_and_wins_a_deal_in_the_app(client, team, clock):
    tenant, ingrid = team
    token = as_user(client, "sam@acme.example")
    card = client.get(f"/app/acme/persons/{ingrid['id']}").text
    assert f'href="/app/acme/deals/new?person={ingrid["id"]}"' in card
    response = post(client, "deals/new", token, person=ingrid["id"], title="Pilot",
                    amount="1 000", status="open", stage="Qualification")  # fmt: skip
    assert response.status_code == 422
    assert "2 decimals" in response.text and 'value="Pilot"' in response.text
    response = post(client, "deals/new", token, person=ingrid["id"], title="Pilot",
                    amount="1000", status="open", stage="Qualification",
                    owner="sam@acme.example", expected_close="")  # fmt: skip
    assert response.status_code == 303
    deal_id = response.headers["location"].rsplit("/", 1)[1]
    clock.advance(hours=1)
    response = post(client, f"deals/{deal_id}/edit", token, next="pipeline", stage="Proposal")
    assert (response.status_code, response.headers["location"]) == (303, "/app/acme/pipeline")
    board = client.get("/app/acme/pipeline").text
    column = board.split('data-stage="Proposal"')[1].split("</section>")[0]
    assert "Pilot" in column and "1,000.00 EUR" in column and "linkedin" in column
    post(client, f"deals/{deal_id}/edit", token, next="pipeline", status="won")
    page = client.get(f"/app/acme/deals/{deal_id}").text
    assert "won" in page and "2026-11-23T11:00:00.000Z" in page
    history = re.sub(r"\s+", " ", page.split('id="deal-history"')[1].split("</ol>")[0])
    assert 'status</strong> <span class="from">open</span> → <span class="to">won' in history
    assert history.count("sam@acme.example") == 5
    deal = client.get(f"/api/v1/deals/{deal_id}", headers=tenant.auth).json()
    assert (deal["owner"], deal["status"], deal["stage"]) == ("sam@acme.example", "won", "Proposal")
    # The person's and the company's cards list it.
    assert "Pilot" in client.get(f"/app/acme/persons/{ingrid['id']}").text
    assert "Pilot" in client.get(f"/app/acme/companies/{ingrid['company']['id']}").text


def test_two_people_editing_one_deal_change_only_what_each_changed(client, team):
    tenant, ingrid = team
    deal = new_deal(client, tenant, ingrid["id"], title="Pilot")
    shown = {f"shown_{k}": v for k, v in (("title", "Pilot"), ("amount", "100.00"),
             ("stage", "Qualification"), ("status", "open"), ("owner", ""),
             ("expected_close", ""))}  # fmt: skip
    form = {k.removeprefix("shown_"): v for k, v in shown.items()}
    token = as_user(client, "sam@acme.example")
    post(client, f"deals/{deal['id']}/edit", token, **shown, **{**form, "stage": "Proposal"})
    token = as_user(client, "sue@acme.example")
    post(client, f"deals/{deal['id']}/edit", token, **shown, **{**form, "amount": "150"})
    after = client.get(f"/api/v1/deals/{deal['id']}", headers=tenant.auth).json()
    assert (after["stage"], after["amount"]) == ("Proposal", "150.00")
    assert [(h["field"], h["user"]) for h in after["history"][3:]] == [
        ("stage", "sam@acme.example"),
        ("amount", "sue@acme.example"),
    ]


def test_list_totals_on_a_small_hand_checked_case(client, team):
    tenant, ingrid = team
    new_deal(client, tenant, ingrid["id"], amount="100")  # Qualification, 20 %
    new_deal(client, tenant, ingrid["id"], amount="50.5", stage="Negotiation")  # 80 %
    new_deal(client, tenant, ingrid["id"], amount="1000", status="won")
    new_deal(client, tenant, ingrid["id"], amount="0.05", stage="Proposal")  # 50 %: 0.025
    as_user(client, "mia@acme.example")  # marketers read

    def totals(query: str = "") -> list[str]:
        page = client.get("/app/acme/deals" + query)
        assert page.status_code == 200
        return re.findall(r'data-total="\w+">([^<]+)<', page.text)

    # 100 + 50.50 + 1000 + 0.05; weighted 100 x .2 + 50.5 x .8 + 0.05 x .5 = 60.425
    assert totals() == ["4", "1,150.55 EUR", "60.43 EUR"]
    assert totals("?status=open") == ["3", "150.55 EUR", "60.43 EUR"]
    assert totals("?status=won") == ["1", "1,000.00 EUR", "0.00 EUR"]
    assert totals("?lead_creation_source=google") == ["0"]
    with storage.connect(tenant.db_path) as conn:
        from ingest.storage import deals as store

        exact = store.totals(conn, "acme", store.DealQuery())[0]["weighted"]
    assert str(exact) == "60.425"


def test_roles_on_the_deal_pages(client, team):
    tenant, ingrid = team
    deal = new_deal(client, tenant, ingrid["id"])
    token = as_user(client, "mia@acme.example")
    for path in ("deals", f"deals/{deal['id']}", "pipeline"):
        page = client.get(f"/app/acme/{path}")
        assert page.status_code == 200, path
        assert "/edit" not in page.text and "New deal" not in page.text
    assert client.get("/app/acme/deals/new").status_code == 403
    assert post(client, f"deals/{deal['id']}/edit", token, status="won").status_code == 403
    assert client.get("/app/acme/pipeline-setup").status_code == 403
    token = as_user(client, "sam@acme.example")
    assert client.get("/app/acme/pipeline-setup").status_code == 403
    assert post(client, "pipeline-setup", token, action="add", name="X").status_code == 403
    assert client.get(f"/app/acme/deals/new?person={ingrid['id']}").status_code == 200
    as_user(client, "ada@acme.example")
    assert client.get("/app/acme/pipeline-setup").status_code == 200


def test_another_tenants_ids_are_404_on_the_pages(client, team, make_tenant):
    tenant, ingrid = team
    other = make_tenant("other")
    submit(client, other, "x@other.example", "Other AS", "bing", "b")
    theirs = person(client, other, "x@other.example")
    their_deal = new_deal(client, other, theirs["id"], title="secret-deal")
    token = as_user(client, "sam@acme.example")
    for path in (
        f"deals/{their_deal['id']}",
        f"deals/new?person={theirs['id']}",
        f"deals/new?company={theirs['company']['id']}",
    ):
        response = client.get(f"/app/acme/{path}")
        assert response.status_code == 404, path
        assert "secret-deal" not in response.text
    response = post(client, f"deals/{their_deal['id']}/edit", token, status="won")
    assert response.status_code == 404
    response = post(client, "deals/new", token, person=theirs["id"], title="T", amount="1",
                    status="open")  # fmt: skip
    assert response.status_code == 404
    assert "secret-deal" not in client.get("/app/acme/deals").text
    assert "secret-deal" not in client.get("/app/acme/pipeline").text
    after = client.get(f"/api/v1/deals/{their_deal['id']}", headers=other.auth).json()
    assert after["status"] == "open"


def test_admins_set_up_the_stages(client, team):
    tenant, ingrid = team
    new_deal(client, tenant, ingrid["id"], stage="Proposal")
    token = as_user(client, "ada@acme.example")
    assert post(client, "pipeline-setup", token, action="add", name="Demo",
                probability="35").status_code == 303  # fmt: skip
    stages = client.get("/api/v1/pipeline-stages", headers=tenant.auth).json()["items"]
    demo = stages[-1]
    assert (demo["name"], demo["probability"], demo["position"]) == ("Demo", 35, 4)
    post(client, "pipeline-setup", token, action="up", stage_id=demo["id"])
    post(client, "pipeline-setup", token, action="edit", stage_id=demo["id"], name="Demo call",
         probability="40")  # fmt: skip
    for data, words in (
        ({"action": "add", "name": "proposal", "probability": "10"}, "already a stage"),
        ({"action": "add", "name": "Won", "probability": "10"}, "status of a deal"),
        ({"action": "add", "name": "Y", "probability": "101"}, "0-100"),
        ({"action": "deactivate", "stage_id": "stg_proposal"}, "1 open deal"),
        ({"action": "currency", "currency": "euros"}, "three-letter"),
    ):
        response = post(client, "pipeline-setup", token, **data)
        assert response.status_code == 422, data
        assert words in response.text, data
    post(client, "pipeline-setup", token, action="currency", currency="nok")
    post(client, "pipeline-setup", token, action="deactivate", stage_id="stg_qualification")
    stages = client.get("/api/v1/pipeline-stages", headers=tenant.auth).json()["items"]
    assert [(s["name"], s["probability"], s["active"]) for s in stages] == [
        ("Qualification", 20, False),
        ("Proposal", 50, True),
        ("Demo call", 40, True),
        ("Negotiation", 80, True),
    ]
    deal = new_deal(client, tenant, ingrid["id"])
    assert (deal["stage"], deal["currency"]) == ("Proposal", "NOK")
    board = client.get("/app/acme/pipeline").text
    assert board.index('data-stage="Proposal"') < board.index('data-stage="Demo call"')
    assert 'data-stage="Qualification"' not in board
