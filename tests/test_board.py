"""The lead board (ingest/webapp/board.py, ingest/storage/board.py): columns by lead status
with counts, filters, each column's pages, moves through the lead rules, and who may."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest

from ingest.domain.leads import READ_ONLY
from ingest.webapp import board

from .conftest import csrf_of, person, rows, sign_in, touch_json


@pytest.fixture
def acme(make_tenant, make_user):
    tenant = make_tenant("acme")
    make_user("admin@acme.example", ("acme", "admin"))
    make_user("sales@acme.example", ("acme", "sales"))
    make_user("marketer@acme.example", ("acme", "marketer"))
    return tenant


def submit(client, tenant, email: str, company: str | None, source: str = "google"):
    body = {"email": email, "ls_first_touch": touch_json(source, "cpc", f"{source}-camp")}
    if company:
        body["company"] = company
    response = client.post(tenant.form_path, json=body)
    assert response.status_code == 201, response.text
    return person(client, tenant, email)["id"]


def signed_in(client, email: str) -> str:
    client.cookies.clear()
    assert sign_in(client, email).status_code == 303
    return csrf_of(client.get("/app/").text)


def columns(text: str) -> dict[str, tuple[int, list[str]]]:
    """Status name -> (its count, the data-id of its cards, top to bottom)."""
    found = {}
    for section in re.findall(r"<section class=\"column\".*?</section>", text, re.S):
        name = re.search(r'<h2 id="col-\d+">([^<]+)', section).group(1).strip()
        shown = int(re.search(r'<span class="count">(\d+)</span>', section).group(1))
        found[name] = (shown, re.findall(r'data-id="([^"]+)"', section))
    return found


def move(client, token: str, person_id: str, status_id: str, query: str = ""):
    return client.post(
        "/app/acme/board/move" + query,
        data={"csrf_token": token, "person_id": person_id, "lead_status": status_id},
        follow_redirects=False,
    )


@pytest.fixture
def world(client, acme, db_url):
    """Fjord AS (Lead: editable) with anna and bo, Viken AS with cleo (its category made
    Customer afterwards: her Open is kept, read-only), and dan without a company (no lead)."""
    ids = {
        "anna": submit(client, acme, "anna@fjord.example", "Fjord AS", "google"),
        "bo": submit(client, acme, "bo@fjord.example", "Fjord AS", "linkedin"),
        "cleo": submit(client, acme, "cleo@viken.example", "Viken AS", "google"),
        "dan": submit(client, acme, "dan@solo.example", None),
    }
    viken = person(client, acme, "cleo@viken.example")["company"]["id"]
    token = signed_in(client, "admin@acme.example")
    response = client.post(
        f"/app/acme/companies/{viken}/lead",
        data={"csrf_token": token, "category": "cat_customer"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    return ids


def test_columns_and_counts(client, clock, world):
    signed_in(client, "sales@acme.example")
    # Submissions are stamped with the real time; the board counts days by the app's clock.
    clock.now = datetime.now(UTC) + timedelta(days=3, hours=1)
    page = client.get("/app/acme/board")
    assert page.status_code == 200
    assert columns(page.text) == {
        "Open": (3, [world["cleo"], world["bo"], world["anna"]]),
        "Contacting": (0, []),
        "Disqualified": (0, []),
        "Recontact": (0, []),
        "Qualified": (0, []),
    }
    assert "dan@solo.example" not in page.text  # no company: no lead status
    assert "3 days in Open" in page.text
    # The kept status is shown, marked, without a form; the others have one each.
    assert page.text.count('name="person_id"') == 2
    assert f'name="person_id" value="{world["cleo"]}"' not in page.text
    assert "Customer: no lead status" in page.text


def test_a_move_writes_history_and_goes_back_to_the_same_board(client, world, db_url):
    token = signed_in(client, "sales@acme.example")
    response = move(client, token, world["anna"], "sts_contacting", "?owner=mine&category=Lead")
    assert response.status_code == 303
    assert response.headers["location"] == "/app/acme/board?owner=mine&category=Lead"
    page = client.get("/app/acme/board").text
    assert "Moved anna@fjord.example to Contacting." in page
    assert columns(page)["Contacting"] == (1, [world["anna"]])
    assert columns(page)["Open"][0] == 2
    sales = rows(db_url, "SELECT user_id FROM users WHERE email = 'sales@acme.example'")[0]
    history = rows(
        db_url,
        "SELECT from_status_id, to_status_id, user_id FROM lead_status_history"
        " WHERE tenant_id = ? AND person_id = ? ORDER BY at, history_id",
        "acme",
        world["anna"],
    )
    assert [tuple(h.values()) for h in history] == [
        (None, "sts_open", None),
        ("sts_open", "sts_contacting", sales["user_id"]),
    ]


def test_the_kept_read_only_status_cannot_be_moved(client, world, db_url):
    token = signed_in(client, "sales@acme.example")
    response = move(client, token, world["cleo"], "sts_qualified")
    assert response.status_code == 422
    assert READ_ONLY in html.unescape(response.text)
    assert columns(response.text)["Open"][0] == 3  # the board, as it is, with the reason
    (found,) = rows(db_url, "SELECT lead_status_id FROM persons WHERE person_id = ?", world["cleo"])
    assert found["lead_status_id"] == "sts_open"


@pytest.mark.parametrize("status_id", ["", "sts_nope"])
def test_no_status_or_an_unknown_one_is_422(client, world, status_id):
    token = signed_in(client, "sales@acme.example")
    response = move(client, token, world["anna"], status_id)
    assert response.status_code == 422
    assert 'role="alert"' in response.text


def test_a_foreign_or_unknown_person_is_404(client, world, make_tenant):
    other = make_tenant("other")
    client.post(other.form_path, json={"email": "k@fjord.example", "company": "Fjord AS"})
    foreign = person(client, other, "k@fjord.example")["id"]
    token = signed_in(client, "sales@acme.example")
    for person_id in (foreign, "p_nobody"):
        assert move(client, token, person_id, "sts_contacting").status_code == 404
    assert person(client, other, "k@fjord.example")["lead_status"] == "Open"
    assert "k@fjord.example" not in client.get("/app/acme/board").text


def test_filters(client, world, acme):
    token = signed_in(client, "sales@acme.example")
    sales_id = rows_user(client, acme, "sales@acme.example")
    client.post(
        f"/app/acme/persons/{world['bo']}/lead",
        data={"csrf_token": token, "owner": sales_id},
        follow_redirects=False,
    )

    def open_ids(query: str) -> list[str]:
        response = client.get("/app/acme/board" + query)
        assert response.status_code == 200, response.text
        return columns(response.text)["Open"][1]

    assert open_ids("?owner=mine") == [world["bo"]]
    assert open_ids("?owner=sales%40acme.example") == [world["bo"]]
    assert open_ids("?owner=none") == [world["cleo"], world["anna"]]
    assert open_ids("?category=Lead") == [world["bo"], world["anna"]]
    assert open_ids("?category=Customer") == [world["cleo"]]
    assert open_ids("?lead_creation_source=google") == [world["cleo"], world["anna"]]
    assert open_ids("?lead_creation_campaign=linkedin-camp") == [world["bo"]]
    assert open_ids("?lead_creation_source=google&category=Lead&owner=") == [world["anna"]]
    # A filter the board does not know is a 400 with the reason, not an empty board.
    for query in ("?owner=nobody%40else.example", "?category=Nope", "?status=Nope"):
        response = client.get("/app/acme/board" + query)
        assert response.status_code == 400, query


def rows_user(client, tenant, email: str) -> str:
    found = rows(tenant.db_path, "SELECT user_id FROM users WHERE email = ?", email)
    return found[0]["user_id"]


def test_each_column_pages_by_keyset(client, world, monkeypatch):
    monkeypatch.setattr(board, "PER_COLUMN", 2)
    signed_in(client, "sales@acme.example")
    first = client.get("/app/acme/board?category=Lead").text
    assert columns(first)["Open"] == (2, [world["bo"], world["anna"]])  # two: no more
    assert 'class="more"' not in first
    page = client.get("/app/acme/board").text
    assert columns(page)["Open"] == (3, [world["cleo"], world["bo"]])
    more = re.search(r'<a class="more" href="([^"]+)">More in Open', page).group(1)
    more = more.replace("&amp;", "&")
    assert more.startswith("/app/acme/board?status=Open&cursor=")
    rest = client.get(more).text
    assert list(columns(rest)) == ["Open"]  # one column, its next page
    assert columns(rest)["Open"] == (3, [world["anna"]])
    assert 'class="more"' not in rest and 'id="all-columns"' in rest
    bad = client.get("/app/acme/board?status=Open&cursor=bm90LWEtY3Vyc29y")
    assert bad.status_code == 400


def test_every_role_sees_and_moves(client, world):
    for email, target in (
        ("marketer@acme.example", "sts_contacting"),
        ("admin@acme.example", "sts_qualified"),
    ):
        token = signed_in(client, email)
        assert client.get("/app/acme/board").status_code == 200
        assert move(client, token, world["anna"], target).status_code == 303


def test_a_move_needs_the_csrf_token_and_a_membership(client, world, make_user):
    signed_in(client, "sales@acme.example")
    response = client.post(
        "/app/acme/board/move",
        data={"person_id": world["anna"], "lead_status": "sts_contacting"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    make_user("stranger@b.example", ("b", "admin"))
    token = signed_in(client, "stranger@b.example")
    assert move(client, token, world["anna"], "sts_contacting").status_code == 404
    assert client.get("/app/acme/board").status_code == 404
    client.cookies.clear()
    response = client.get("/app/acme/board", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/app/login")


def kept_and_counted(db_url: str) -> tuple[dict, dict]:
    """The kept counts (lead_counts, summed over slots) and the persons counted, per
    status and owner ('' for nobody), for the tenant."""
    kept = rows(
        db_url,
        "SELECT lead_status_id, owner_id, SUM(persons) AS n FROM lead_counts"
        " WHERE tenant_id = ? GROUP BY lead_status_id, owner_id",
        "acme",
    )
    counted = rows(
        db_url,
        "SELECT lead_status_id, COALESCE(owner_id, '') AS owner_id, COUNT(*) AS n FROM persons"
        " WHERE tenant_id = ? AND lead_status_id IS NOT NULL"
        " GROUP BY lead_status_id, COALESCE(owner_id, '')",
        "acme",
    )

    def table(found: list[dict]) -> dict:
        return {(r["lead_status_id"], r["owner_id"]): int(r["n"]) for r in found if int(r["n"])}

    return table(kept), table(counted)


def test_kept_counts_follow_every_change(client, acme, world, db_url):
    """lead_counts (kept by triggers on persons) equals a count of the persons after new
    leads, moves, owner changes, a kept status and an erasure; the board shows them."""
    kept, counted = kept_and_counted(db_url)
    assert kept == counted == {("sts_open", ""): 3}
    token = signed_in(client, "sales@acme.example")
    sales = rows(db_url, "SELECT user_id FROM users WHERE email = 'sales@acme.example'")[0]
    seller = sales["user_id"]
    assert move(client, token, world["anna"], "sts_contacting").status_code == 303
    response = client.post(
        f"/app/acme/persons/{world['bo']}/lead",
        data={"csrf_token": token, "lead_status": "sts_qualified", "owner": seller},
        follow_redirects=False,
    )
    assert response.status_code == 303
    submit(client, acme, "eve@fjord.example", "Fjord AS")  # a new lead: Open, nobody's
    # the owner alone changes, then goes back to nobody: moved twice, counted once
    for owner in (seller, ""):
        response = client.post(
            f"/app/acme/persons/{world['anna']}/lead",
            data={"csrf_token": token, "owner": owner},
            follow_redirects=False,
        )
        assert response.status_code == 303
    kept, counted = kept_and_counted(db_url)
    assert kept == counted
    assert counted == {
        ("sts_open", ""): 2,  # cleo (kept, read-only) and eve
        ("sts_contacting", ""): 1,
        ("sts_qualified", seller): 1,
    }
    page = client.get("/app/acme/board?owner=mine").text
    assert columns(page)["Qualified"] == (1, [world["bo"]])
    assert columns(page)["Open"][0] == 0
    page = client.get("/app/acme/board?owner=none").text
    assert {name: shown for name, (shown, _) in columns(page).items()} == {
        "Open": 2,
        "Contacting": 1,
        "Disqualified": 0,
        "Recontact": 0,
        "Qualified": 0,
    }
    response = client.delete(f"/api/v1/persons/{world['bo']}", headers=acme.auth)
    assert response.status_code == 200, response.text
    kept, counted = kept_and_counted(db_url)
    assert kept == counted and ("sts_qualified", seller) not in kept
