"""Selections: saved searches of the persons and companies lists, shared in the tenant,
changed by their creator or an admin, re-run when opened, exported as CSV, and read through
the API; another tenant's selection is 404 everywhere."""

from __future__ import annotations

import csv
import io

import pytest

from .conftest import person
from .test_lead_lists import acme, patch, signed_in, submit  # noqa: F401  (the fixture)


def save(client, token, kind="persons", name="Open leads", **params):
    return client.post(
        "/app/acme/selections",
        data={"csrf_token": token, "kind": kind, "name": name, **params},
        follow_redirects=False,
    )


def selection_id(client, tenant, name) -> str:
    found = client.get("/api/v1/selections", headers=tenant.auth).json()["items"]
    return next(s["id"] for s in found if s["name"] == name)


def items(client, tenant, sid, **params) -> list[str]:
    response = client.get(f"/api/v1/selections/{sid}/items", params=params, headers=tenant.auth)
    assert response.status_code == 200, response.text
    return [i.get("email") or i.get("name") for i in response.json()["items"]]


def test_save_open_and_rerun(client, acme):  # noqa: F811
    token = signed_in(client, "sales@acme.example")
    response = save(client, token, lead_status="sts_open", owner="me", group="lead_status")
    assert response.status_code == 303
    assert response.headers["location"] == "/app/acme/selections"
    page = client.get("/app/acme/selections").text
    assert "Saved the selection &#39;Open leads&#39;." in page
    assert ">Open leads</a>" in page
    sid = selection_id(client, acme, "Open leads")
    # Opening it is the list with its query.
    opened = client.get(f"/app/acme/selections/{sid}", follow_redirects=False)
    assert opened.status_code == 303
    assert opened.headers["location"].startswith("/app/acme/persons?")
    listed = client.get(opened.headers["location"]).text
    assert "anna@x.example" in listed and "erik@x.example" not in listed
    # Through the API, "me" is its creator.
    assert items(client, acme, sid) == ["anna@x.example"]
    saved = client.get("/api/v1/selections", headers=acme.auth).json()["items"][0]
    assert saved["query"] == {"group": "lead_status", "lead_status": "sts_open", "owner": "me"}
    assert (saved["kind"], saved["created_by"]) == ("persons", "sales@acme.example")

    # Dynamic: a change of the data shows the next time it is read.
    erik = person(client, acme, "erik@x.example")["id"]
    patch(client, acme, f"/api/v1/persons/{erik}", {"owner": "sales@acme.example"})
    assert set(items(client, acme, sid)) == {"anna@x.example", "erik@x.example"}
    anna = person(client, acme, "anna@x.example")["id"]
    patch(client, acme, f"/api/v1/persons/{anna}", {"lead_status": "Contacting"})
    assert items(client, acme, sid) == ["erik@x.example"]
    assert ">1</td>" in client.get("/app/acme/selections").text  # its count now

    # CSV of the selection.
    response = client.get(f"/app/acme/selections/{sid}/export")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert [r[1] for r in table[1:]] == ["erik@x.example"]


def test_keyset_pages_and_companies(client, acme):  # noqa: F811
    token = signed_in(client, "marketer@acme.example")
    assert save(client, token, name="Everyone", sort="email").status_code == 303
    sid = selection_id(client, acme, "Everyone")
    seen, cursor = [], None
    while True:
        extra = {"cursor": cursor} if cursor else {}
        page = client.get(
            f"/api/v1/selections/{sid}/items", params={"limit": 2, **extra}, headers=acme.auth
        ).json()
        seen += [i["email"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(seen) and len(seen) == 6
    assert save(client, token, "companies", "Customers", category="cat_customer").status_code == 303
    cid = selection_id(client, acme, "Customers")
    assert items(client, acme, cid) == ["Nord AS"]
    response = client.get(f"/app/acme/selections/{cid}/export")
    table = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert table[0][:2] == ["id", "name"] and [r[1] for r in table[1:]] == ["Nord AS"]
    opened = client.get(f"/app/acme/selections/{cid}", follow_redirects=False)
    assert opened.headers["location"] == "/app/acme/companies?category=cat_customer"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"name": ""}, "needs a name"),
        ({"name": "x" * 101}, "needs a name"),
    ],
)
def test_bad_saves_keep_nothing(client, acme, params, message):  # noqa: F811
    token = signed_in(client, "sales@acme.example")
    response = save(client, token, **params)
    assert response.status_code == 303
    assert message in client.get(response.headers["location"]).text
    assert client.get("/api/v1/selections", headers=acme.auth).json()["items"] == []


def test_a_query_the_list_refuses_is_not_saved(client, acme):  # noqa: F811
    token = signed_in(client, "sales@acme.example")
    assert save(client, token, lead_status="Nope").status_code == 400
    assert save(client, token, sort="bogus").status_code == 400
    assert save(client, token, kind="deals").status_code == 303  # back, with why
    assert client.get("/api/v1/selections", headers=acme.auth).json()["items"] == []


def test_shared_and_changed_by_creator_or_admin(client, acme):  # noqa: F811
    token = signed_in(client, "sales@acme.example")
    save(client, token, name="Mine")
    again = save(client, token, name="Mine")
    assert again.headers["location"] == "/app/acme/persons"  # back to the list, with why
    assert "already" in client.get(again.headers["location"]).text
    sid = selection_id(client, acme, "Mine")

    token = signed_in(client, "marketer@acme.example")
    page = client.get("/app/acme/selections").text
    assert ">Mine</a>" in page and "its maker's" in page  # seen, not changeable
    for action, data in (("rename", {"name": "Theirs"}), ("delete", {})):
        response = client.post(
            f"/app/acme/selections/{sid}/{action}", data={"csrf_token": token, **data}
        )
        assert response.status_code == 403

    token = signed_in(client, "sales@acme.example")
    response = client.post(
        f"/app/acme/selections/{sid}/rename",
        data={"csrf_token": token, "name": "Renamed"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    found = client.get("/api/v1/selections", headers=acme.auth).json()["items"]
    assert [s["name"] for s in found] == ["Renamed"]

    token = signed_in(client, "admin@acme.example")
    delete = f"/app/acme/selections/{sid}/delete"
    response = client.post(delete, data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303  # without the button's confirm: nothing deleted
    assert len(client.get("/api/v1/selections", headers=acme.auth).json()["items"]) == 1
    data = {"csrf_token": token, "confirm": "delete"}
    assert client.post(delete, data=data, follow_redirects=False).status_code == 303
    assert client.get("/api/v1/selections", headers=acme.auth).json()["items"] == []


def test_another_tenants_selection_is_404(client, acme, make_tenant, make_user):  # noqa: F811
    other = make_tenant("other")
    submit(client, other, "z@other.example")
    make_user("olga@other.example", ("other", "admin"))
    token = signed_in(client, "olga@other.example")
    response = client.post(
        "/app/other/selections",
        data={"csrf_token": token, "kind": "persons", "name": "Theirs"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    sid = selection_id(client, other, "Theirs")
    assert client.get(f"/api/v1/selections/{sid}/items", headers=acme.auth).status_code == 404
    assert client.get("/api/v1/selections", headers=acme.auth).json()["items"] == []

    token = signed_in(client, "admin@acme.example")
    for path in (f"selections/{sid}", f"selections/{sid}/export"):
        assert client.get(f"/app/acme/{path}").status_code == 404
    for path in (f"selections/{sid}/rename", f"selections/{sid}/delete"):
        response = client.post(f"/app/acme/{path}", data={"csrf_token": token, "name": "x"})
        assert response.status_code == 404
    assert selection_id(client, other, "Theirs") == sid
