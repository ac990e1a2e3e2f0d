"""A client-generated submission id makes retries harmless: stored once, same answer."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from ingest import storage

from .conftest import person, touch_json


def submissions(db_path: str) -> list[tuple[str, str]]:
    with storage.connect(db_path, tuples=True) as conn:
        return conn.execute("SELECT tenant_id, submission_id FROM submissions").fetchall()


def test_json_retry_stores_once_and_answers_the_same(client, make_tenant):
    tenant = make_tenant()
    body = {
        "email": "retry@example.com",
        "ls_submission_id": "9f8e7d6c5b4a3210",
        "ls_first_touch": touch_json("linkedin", "paid_social", "x"),
    }
    first = client.post(tenant.form_path, json=body)
    again = client.post(tenant.form_path, json=body)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert first.json()["submission_id"] == "9f8e7d6c5b4a3210"
    assert submissions(tenant.db_path) == [("acme", "9f8e7d6c5b4a3210")]
    with storage.connect(tenant.db_path, tuples=True) as conn:
        assert conn.execute("SELECT count(*) FROM touches").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM persons").fetchone()[0] == 1


def test_native_retry_redirects_the_same(client, make_tenant):
    tenant = make_tenant()
    body = {"email": "retry@example.com", "ls_submission_id": "native-retry-01"}
    answers = [client.post(tenant.form_path, data=body, follow_redirects=False) for _ in range(3)]
    assert {(r.status_code, r.headers["location"]) for r in answers} == {
        (303, "https://acme.example/thanks")
    }
    assert len(submissions(tenant.db_path)) == 1


def test_idempotency_key_header_works_too(client, make_tenant):
    tenant = make_tenant()
    for _ in range(2):
        response = client.post(
            tenant.form_path,
            json={"email": "h@example.com"},
            headers={"Idempotency-Key": "header-key-0001"},
        )
        assert response.json()["submission_id"] == "header-key-0001"
    assert len(submissions(tenant.db_path)) == 1


def test_concurrent_retries_store_once(client, make_tenant):
    tenant = make_tenant()
    body = {"email": "race@example.com", "ls_submission_id": "concurrent-0001"}
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: client.post(tenant.form_path, json=body), range(16)))
    assert {r.status_code for r in answers} == {201}
    assert len(submissions(tenant.db_path)) == 1
    assert len(person(client, tenant, "race@example.com")["submissions"]) == 1


def test_same_id_in_two_tenants_is_two_submissions(client, make_tenant):
    a = make_tenant("tenant-a")
    b = make_tenant("tenant-b")
    for tenant in (a, b):
        response = client.post(
            tenant.form_path, json={"email": "x@example.com", "ls_submission_id": "shared-id-01"}
        )
        assert response.status_code == 201
    assert sorted(submissions(a.db_path)) == [
        ("tenant-a", "shared-id-01"),
        ("tenant-b", "shared-id-01"),
    ]


@pytest.mark.parametrize("bad", ["short", "has spaces in it", "x" * 65, "<script>x</script>"])
def test_malformed_submission_id(client, make_tenant, bad):
    tenant = make_tenant()
    response = client.post(
        tenant.form_path, json={"email": "a@example.com", "ls_submission_id": bad}
    )
    assert response.status_code == 422
    assert "submission_id" in response.json()["error"]["fields"]
    # A native post cannot be fixed by the visitor: the bad id is replaced, nothing is lost.
    native = client.post(
        tenant.form_path,
        data={"email": "a@example.com", "ls_submission_id": bad},
        follow_redirects=False,
    )
    assert native.status_code == 303
    assert len(submissions(tenant.db_path)) == 1


def test_same_id_with_other_content_is_a_conflict_not_a_silent_drop(client, make_tenant):
    tenant = make_tenant()
    first = {"email": "one@example.com", "ls_submission_id": "shared-id-0001"}
    assert client.post(tenant.form_path, json=first).status_code == 201
    other = client.post(tenant.form_path, json={**first, "email": "two@example.com"})
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "conflict"
    # The same content again, even with other campaign data, is still a harmless retry.
    retry = client.post(
        tenant.form_path,
        json={**first, "email": " One@Example.com ", "utm_source": "later"},
    )
    assert retry.status_code == 201
    assert submissions(tenant.db_path) == [("acme", "shared-id-0001")]


def test_a_changed_native_post_with_an_old_id_comes_back_to_send_again(client, make_tenant):
    """Sent, back button, changed, sent again: the second lead must not vanish."""
    tenant = make_tenant()
    body = {"email": "one@example.com", "first_name": "Ann", "ls_submission_id": "back-button-01"}
    client.post(tenant.form_path, data=body, follow_redirects=False)
    changed = client.post(
        tenant.form_path, data={**body, "email": "two@example.com"}, follow_redirects=False
    )
    assert changed.status_code == 409
    assert changed.headers["cache-control"] == "no-store"
    assert 'value="two@example.com"' in changed.text and 'value="Ann"' in changed.text
    new_id = re.search(r'name="ls_submission_id" value="([^"]+)"', changed.text).group(1)
    assert new_id != "back-button-01"
    resent = client.post(
        tenant.form_path,
        data={**body, "email": "two@example.com", "ls_submission_id": new_id},
        follow_redirects=False,
    )
    assert resent.status_code == 303
    assert len(submissions(tenant.db_path)) == 2


def test_pages_with_an_id_and_personal_answers_are_not_stored_by_caches(client, make_tenant):
    tenant = make_tenant()
    assert client.get(tenant.form_path).headers["cache-control"] == "no-store"
    posted = client.post(tenant.form_path, json={"email": "c@example.com"})
    assert posted.headers["cache-control"] == "no-store"
    listed = client.get("/api/v1/persons", params={"email": "c@example.com"}, headers=tenant.auth)
    assert listed.headers["cache-control"] == "no-store"
    one = client.get(f"/api/v1/persons/{listed.json()['items'][0]['id']}", headers=tenant.auth)
    assert one.status_code == 200
    assert one.headers["cache-control"] == "no-store"
