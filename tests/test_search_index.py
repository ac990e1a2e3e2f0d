"""SQLite's search index of the persons (``storage/search_index.py``), filled in the
background: a person is found from the moment their submission commits, the indexer's
batches are bounded, and the index stays exactly the persons' texts through edits,
erasures and bulk loads. The search's results against LIKE are in ``test_people.py``."""

from __future__ import annotations

import time

import pytest

from ingest import storage
from ingest.ops import generate as gen
from ingest.storage import search_index

from .conftest import index_search, integrity_check, person, rows

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


def post(client, tenant, email: str, **fields) -> None:
    response = client.post(tenant.form_path, json={"email": email, **fields})
    assert response.status_code == 201, response.text


def found(client, tenant, q: str) -> list[str]:
    response = client.get("/api/v1/persons", params={"q": q}, headers=tenant.auth)
    assert response.status_code == 200, response.text
    return [p["email"] for p in response.json()["items"]]


def mark(db_url: str) -> int:
    return rows(db_url, "SELECT up_to FROM person_search_indexed")[0]["up_to"]


def top(db_url: str) -> int:
    return rows(db_url, "SELECT max(rowid) AS m FROM persons")[0]["m"]


def test_a_person_is_found_as_soon_as_their_submission_committed(client, make_tenant):
    tenant = make_tenant()
    post(client, tenant, "old@x.example", company="Zebrafish Old")
    index_search(tenant.db_path)
    post(client, tenant, "new@x.example", company="Zebrafish Labs")
    assert found(client, tenant, "zebrafish labs") == ["new@x.example"]
    assert found(client, tenant, "zebrafish") == ["new@x.example", "old@x.example"]
    if storage.dialect_of(tenant.db_path) == storage.SQLITE:
        # Not in the index: found above its mark.
        new = rows(tenant.db_path, "SELECT rowid FROM persons WHERE email = 'new@x.example'")
        assert new[0]["rowid"] > mark(tenant.db_path)
        matches = rows(
            tenant.db_path,
            "SELECT rowid FROM person_search WHERE person_search MATCH '\"zebrafish\"'",
        )
        assert len(matches) == 1


@SQLITE_ONLY
def test_the_indexers_batch_is_bounded_changes_first(client, make_tenant):
    tenant = make_tenant()
    for i in range(4):
        post(client, tenant, f"p{i}@x.example")
    index_search(tenant.db_path)
    for i in range(2):
        person_id = person(client, tenant, f"p{i}@x.example")["id"]
        response = client.patch(
            f"/api/v1/persons/{person_id}", json={"first_name": f"Renamed{i}"}, headers=tenant.auth
        )
        assert response.status_code == 200, response.text
    for i in range(4, 9):
        post(client, tenant, f"p{i}@x.example")
    assert len(rows(tenant.db_path, "SELECT * FROM person_search_changed")) == 2
    before = mark(tenant.db_path)
    done = []
    with storage.connect(tenant.db_path) as conn:
        while True:
            done.append(storage.in_transaction(conn, lambda c: search_index.index_batch(c, 3)))
            if done[-1] < 3:
                break
            if len(done) == 1:
                # The two changed and one new person.
                assert rows(tenant.db_path, "SELECT * FROM person_search_changed") == []
                assert mark(tenant.db_path) == before + 1
    assert done == [3, 3, 1]
    assert mark(tenant.db_path) == top(tenant.db_path)
    integrity_check(tenant.db_path)
    assert found(client, tenant, "renamed1") == ["p1@x.example"]


@SQLITE_ONLY
def test_a_new_person_on_the_rowid_of_an_erased_one_is_found(client, make_tenant):
    """SQLite gives a new row the largest rowid + 1: erasing the newest person frees theirs,
    under the index's mark."""
    tenant = make_tenant()
    for email in ("a@x.example", "b@x.example", "c@x.example"):
        post(client, tenant, email)
    index_search(tenant.db_path)
    for email in ("b@x.example", "c@x.example"):  # an older one first, then the newest
        person_id = person(client, tenant, email)["id"]
        response = client.delete(f"/api/v1/persons/{person_id}", headers=tenant.auth)
        assert response.status_code == 200, response.text
    post(client, tenant, "quokka@x.example")
    assert found(client, tenant, "quokka") == ["quokka@x.example"]
    index_search(tenant.db_path)
    integrity_check(tenant.db_path)
    assert found(client, tenant, "quokka") == ["quokka@x.example"]


@SQLITE_ONLY
def test_the_service_indexes_in_the_background(settings, make_tenant, monkeypatch):
    from starlette.testclient import TestClient

    from ingest.app import create_app

    monkeypatch.setattr(search_index, "INTERVAL", 0.05)
    monkeypatch.setattr(search_index, "BATCH", 2)  # a backlog takes several jobs
    tenant = make_tenant()
    with TestClient(create_app(settings)) as client:
        for i in range(5):
            post(client, tenant, f"p{i}@x.example", company=f"Wombat {i}")
        deadline = time.monotonic() + 10
        while mark(tenant.db_path) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert mark(tenant.db_path) == 5
        integrity_check(tenant.db_path)
        assert len(found(client, tenant, "wombat")) == 5


@SQLITE_ONLY
def test_generate_leaves_the_index_complete(settings, make_tenant):
    gen.generate(settings.db_path, make_tenant("gen").tenant_id, 40, days=10, seed=3)
    assert mark(settings.db_path) == top(settings.db_path) > 0
    integrity_check(settings.db_path)
