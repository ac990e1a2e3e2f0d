"""Tenant isolation, route by route: every route of the app is classified by what scopes it
(the bearer key, the tenant in its path, or nothing), so a new route cannot be left out, and
every scoped route is tried with another tenant's ids and keys, no key and a wrong key.

Two tenants hold a person with the same email, each with a marker in their name; no answer
in one tenant's context may carry the other's marker."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from ingest.app import create_app

from .conftest import Tenant, person
from .test_collect import CHROME

# How each route is scoped. A new route fails test_every_route_is_classified until it is
# added here (and, if it takes an id or a tenant, exercised by the matrix below).
PERSON_BY_ID = "a person id, scoped by the bearer key"
COMPANY_BY_ID = "a company id, scoped by the bearer key"
BY_KEY = "the bearer key's tenant"
TENANT_PATH = "the tenant in the path"
FORM_PATH = "the tenant and the form in the path"
UNSCOPED = "no tenant data"
OPERATOR = "the operator's metrics token, no tenant data"

ROUTES = {
    "/api/v1/persons": BY_KEY,
    "/api/v1/persons/{person_id}": PERSON_BY_ID,
    "/api/v1/persons/{person_id}/export": PERSON_BY_ID,
    "/api/v1/companies": BY_KEY,
    "/api/v1/companies/{company_id}": COMPANY_BY_ID,
    "/t/{tenant_id}/utm.js": TENANT_PATH,
    "/t/{tenant_id}/utm-debug.js": TENANT_PATH,
    "/t/{tenant_id}/collect": TENANT_PATH,
    "/t/{tenant_id}/forms/{form_id}": FORM_PATH,
    "/t/{tenant_id}/forms/{form_id}/thanks": FORM_PATH,
    "/healthz": UNSCOPED,
    "/api/v1/openapi.json": UNSCOPED,
    "/metrics": OPERATOR,
}


def routes(settings) -> dict[str, set[str]]:
    """Path to methods (HEAD, and OPTIONS for preflights, go with GET and POST)."""
    app = create_app(settings)
    found: dict[str, set[str]] = {}
    for route in app.routes:
        assert isinstance(route, Route), route
        found[route.path] = set(route.methods or ()) - {"HEAD", "OPTIONS"}
    return found


def scoped(settings, kind: str) -> list[tuple[str, str]]:
    return [
        (path, method)
        for path, methods in routes(settings).items()
        if ROUTES.get(path) == kind
        for method in sorted(methods)
    ]


def test_every_route_is_classified(settings):
    paths = set(routes(settings))
    assert paths - set(ROUTES) == set(), "classify the new routes in tests/test_isolation.py"
    assert set(ROUTES) - paths == set(), "tests/test_isolation.py names routes that are gone"


@dataclass
class World:
    a: Tenant
    b: Tenant
    a_person: str
    b_person: str
    a_company: str
    b_company: str


MARK_A, MARK_B = "marker-of-tenant-a", "marker-of-tenant-b"


@pytest.fixture
def world(client, make_tenant) -> World:
    a = make_tenant("tenant-a")
    b = make_tenant("tenant-b")
    for tenant, mark in ((a, MARK_A), (b, MARK_B)):
        response = client.post(
            tenant.form_path,
            json={
                "email": "same@example.com",
                "first_name": mark,
                "company": mark,
                "utm_source": mark,
            },
        )
        assert response.status_code == 201, response.text
    a_card, b_card = person(client, a, "same@example.com"), person(client, b, "same@example.com")
    return World(a, b, a_card["id"], b_card["id"], a_card["company"]["id"], b_card["company"]["id"])


KEYS = {
    "no key": {},
    "not bearer": {"Authorization": "Basic dGVuYW50LWE6eA=="},
    "empty bearer": {"Authorization": "Bearer "},
    "wrong key": {"Authorization": "Bearer ls_not_a_key_of_anyone"},
}


def _send(client, method: str, path: str, headers: dict[str, str]):
    return client.request(method, path, headers=headers, follow_redirects=False)


def test_person_routes(client, world, settings):
    """Another tenant's id with one's own key, one's own id with another tenant's key: 404.
    No key or a wrong one: 401. The person is untouched (whatever the method)."""
    cases = scoped(settings, PERSON_BY_ID)
    assert cases
    for path, method in cases:
        a_url = path.replace("{person_id}", world.a_person)
        b_url = path.replace("{person_id}", world.b_person)
        for url, auth in ((b_url, world.a.auth), (a_url, world.b.auth)):
            response = _send(client, method, url, auth)
            assert response.status_code == 404, (method, url, response.text)
            assert response.json()["error"]["code"] == "not_found"
            assert MARK_A not in response.text and MARK_B not in response.text
        for name, headers in KEYS.items():
            response = _send(client, method, a_url, headers)
            assert response.status_code == 401, (method, path, name)
            assert MARK_A not in response.text
    # Nothing another tenant's key did reached the person.
    card = client.get(f"/api/v1/persons/{world.a_person}", headers=world.a.auth).json()
    assert card["first_name"] == MARK_A
    assert len(card["submissions"]) == 1


def test_company_routes(client, world, settings):
    """As for persons: another tenant's company id is 404, no key or a wrong one 401."""
    cases = scoped(settings, COMPANY_BY_ID)
    assert cases
    for path, method in cases:
        a_url = path.replace("{company_id}", world.a_company)
        b_url = path.replace("{company_id}", world.b_company)
        own = _send(client, method, a_url, world.a.auth)
        assert own.status_code == 200 and MARK_A in own.text and MARK_B not in own.text
        for url, auth in ((b_url, world.a.auth), (a_url, world.b.auth)):
            response = _send(client, method, url, auth)
            assert response.status_code == 404, (method, url, response.text)
            assert response.json()["error"]["code"] == "not_found"
            assert MARK_A not in response.text and MARK_B not in response.text
        for name, headers in KEYS.items():
            response = _send(client, method, a_url, headers)
            assert response.status_code == 401, (method, path, name)
            assert MARK_A not in response.text


def test_person_edit_with_another_tenants_id_changes_nothing(client, world):
    """A valid change sent with another tenant's person id: 404, neither person changed."""
    for url, auth in (
        (f"/api/v1/persons/{world.b_person}", world.a.auth),
        (f"/api/v1/persons/{world.a_person}", world.b.auth),
    ):
        response = client.patch(url, json={"first_name": "changed", "company": "x"}, headers=auth)
        assert response.status_code == 404
    for tenant, person_id, mark in (
        (world.a, world.a_person, MARK_A),
        (world.b, world.b_person, MARK_B),
    ):
        card = client.get(f"/api/v1/persons/{person_id}", headers=tenant.auth).json()
        assert card["first_name"] == mark and card["company"]["name"] == mark


def test_key_scoped_routes(client, world, settings):
    cases = scoped(settings, BY_KEY)
    assert cases
    for path, method in cases:
        for tenant, own, other in ((world.a, MARK_A, MARK_B), (world.b, MARK_B, MARK_A)):
            response = _send(client, method, path, tenant.auth)
            assert response.status_code == 200, (method, path)
            assert own in response.text and other not in response.text
            # Filtering by an email both tenants have still shows only one's own.
            response = _send(client, method, f"{path}?email=same@example.com", tenant.auth)
            assert own in response.text and other not in response.text
        for name, headers in KEYS.items():
            response = _send(client, method, path, headers)
            assert response.status_code == 401, (method, path, name)
            assert MARK_A not in response.text and MARK_B not in response.text


def test_form_routes(client, world, settings):
    """A tenant's path with the other tenant's form, and an unknown tenant: 404, nothing
    stored, no marker shown."""
    cases = scoped(settings, FORM_PATH)
    assert cases
    for path, method in cases:
        for tenant_id, form_id in (
            (world.a.tenant_id, world.b.form_id),
            (world.b.tenant_id, world.a.form_id),
            ("tenant-c", world.a.form_id),
        ):
            url = path.replace("{tenant_id}", tenant_id).replace("{form_id}", form_id)
            kwargs = {"json": {"email": "cross@example.com"}} if method == "POST" else {}
            response = client.request(method, url, follow_redirects=False, **kwargs)
            assert response.status_code == 404, (method, url)
            assert MARK_A not in response.text and MARK_B not in response.text
    for tenant in (world.a, world.b):
        assert client.get(
            "/api/v1/persons", params={"email": "cross@example.com"}, headers=tenant.auth
        ).json() == {"items": [], "next_cursor": None}


def test_tenant_routes(client, world, settings):
    """An unknown tenant is 404; a known one's answers carry nothing of the other tenant."""
    cases = scoped(settings, TENANT_PATH)
    assert cases
    page_view = b'{"v": "visitor-0001", "u": "https://a.example/", "r": ""}'
    for path, method in cases:
        kwargs = (
            {"content": page_view, "headers": {"Content-Type": "text/plain", "User-Agent": CHROME}}
            if method == "POST"
            else {}
        )
        unknown = client.request(method, path.replace("{tenant_id}", "tenant-c"), **kwargs)
        assert unknown.status_code == 404, (method, path)
        own = client.request(method, path.replace("{tenant_id}", world.a.tenant_id), **kwargs)
        assert own.status_code < 300, (method, path, own.text)
        assert world.b.tenant_id not in own.text and MARK_B not in own.text


def test_unscoped_routes_carry_no_tenant_data(client, world, settings):
    for path, method in scoped(settings, UNSCOPED):
        response = _send(client, method, path, world.a.auth)
        assert response.status_code == 200
        for secret in (MARK_A, MARK_B, world.a.tenant_id, world.b.tenant_id, world.a_person):
            assert secret not in response.text, (path, secret)


def test_operator_routes_take_only_the_operators_token(world, settings):
    """A tenant's API key opens no operator route; the operator's token shows no tenant's
    data (series are labelled by route template, never by tenant, form or id)."""
    token = "operator-token-0123456789"
    cases = scoped(settings, OPERATOR)
    assert cases
    with TestClient(create_app(replace(settings, metrics_token=token))) as client:
        # Traffic of both tenants, so there is something to leak.
        for tenant in (world.a, world.b):
            client.get(f"/api/v1/persons/{world.a_person}", headers=tenant.auth)
            client.get(f"/t/{tenant.tenant_id}/utm.js")
        for path, method in cases:
            for headers in (world.a.auth, *KEYS.values()):
                assert _send(client, method, path, headers).status_code == 401, (path, headers)
            response = _send(client, method, path, {"Authorization": f"Bearer {token}"})
            assert response.status_code == 200
            for secret in (MARK_A, MARK_B, world.a.tenant_id, world.b.tenant_id, world.a_person):
                assert secret not in response.text, (path, secret)
