"""Tenant isolation, route by route: every route of the app is classified by what scopes it
(the bearer key, the tenant in its path, or nothing), so a new route cannot be left out, and
every scoped route is tried with another tenant's ids and keys, no key and a wrong key.

Two tenants hold a person with the same email, each with a marker in their name; no answer
in one tenant's context may carry the other's marker."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from ingest import storage
from ingest.app import create_app
from ingest.domain import stages as stage_rules
from ingest.domain.credits import follower
from ingest.storage import links, selections
from ingest.storage.reports import dashboards

from .conftest import Tenant, csrf_of, person, rows, sign_in
from .test_collect import CHROME

# How each route is scoped. A new route fails test_every_route_is_classified until it is
# added here (and, if it takes an id or a tenant, exercised by the matrix below).
PERSON_BY_ID = "a person id, scoped by the bearer key"
COMPANY_BY_ID = "a company id, scoped by the bearer key"
DEAL_BY_ID = "a deal id, scoped by the bearer key"
DEAL_LIST = "the bearer key's tenant; a new deal names a person of that tenant"
SELECTION_BY_ID = "a selection id, scoped by the bearer key"
MEASURE_BY_KEY = "the bearer key's tenant's numbers (a measure in the path, no id)"
DASHBOARDS_BY_KEY = "the bearer key's tenant's dashboards (no persons)"
BY_KEY = "the bearer key's tenant"
CAMPAIGN_BY_ID = "a campaign id, scoped by the bearer key"
REPORT_BY_KEY = "the bearer key's tenant's kept credits, summed"
WRITE_BY_KEY = "writes to the bearer key's tenant"
SETUP_BY_KEY = "the bearer key's tenant's lead setup (names it chose, no persons)"
TENANT_PATH = "the tenant in the path"
FORM_PATH = "the tenant and the form in the path"
UNSCOPED = "no tenant data"
OPERATOR = "the operator's metrics token, no tenant data"
APP_PUBLIC = "the app's sign-in, sign-out, root redirect and static files: no tenant data"
APP_USER = "the signed-in user's own tenants"
APP_ACCOUNT = "the signed-in user's own account (password): no tenant data"
APP_TENANT = "the tenant in the path, for its signed-in members, by role"

ROUTES = {
    "/api/v1/persons": BY_KEY,
    "/api/v1/persons/{person_id}": PERSON_BY_ID,
    "/api/v1/persons/{person_id}/export": PERSON_BY_ID,
    "/api/v1/companies": BY_KEY,
    "/api/v1/companies/{company_id}": COMPANY_BY_ID,
    "/api/v1/leads": WRITE_BY_KEY,
    "/api/v1/deals": DEAL_LIST,
    "/api/v1/deals/{deal_id}": DEAL_BY_ID,
    "/api/v1/pipeline-stages": BY_KEY,
    "/api/v1/categories": SETUP_BY_KEY,
    "/api/v1/lead-statuses": SETUP_BY_KEY,
    "/api/v1/selections": BY_KEY,
    "/api/v1/campaigns": BY_KEY,
    "/api/v1/campaigns/{campaign_id}/performance": CAMPAIGN_BY_ID,
    "/api/v1/selections/{selection_id}/items": SELECTION_BY_ID,
    "/api/v1/reports/attribution": REPORT_BY_KEY,
    "/api/v1/reports/{measure}": MEASURE_BY_KEY,
    "/api/v1/dashboards": DASHBOARDS_BY_KEY,
    "/t/{tenant_id}/utm.js": TENANT_PATH,
    "/t/{tenant_id}/utm-debug.js": TENANT_PATH,
    "/t/{tenant_id}/collect": TENANT_PATH,
    "/t/{tenant_id}/forms/{form_id}": FORM_PATH,
    "/t/{tenant_id}/forms/{form_id}/thanks": FORM_PATH,
    "/healthz": UNSCOPED,
    "/api/v1/openapi.json": UNSCOPED,
    "/metrics": OPERATOR,
    "/app": APP_PUBLIC,
    "/app/login": APP_PUBLIC,
    "/app/logout": APP_PUBLIC,
    "/app/-/static/{name}": APP_PUBLIC,
    "/app/": APP_USER,
    "/app/account": APP_ACCOUNT,
    "/app/{tenant}/": APP_TENANT,
    "/app/{tenant}/settings": APP_TENANT,
    "/app/{tenant}/settings/transfer": APP_TENANT,
    "/app/{tenant}/settings/origins": APP_TENANT,
    "/app/{tenant}/settings/script": APP_TENANT,
    "/app/{tenant}/settings/api-keys": APP_TENANT,
    "/app/{tenant}/settings/api-keys/{key_id}/revoke": APP_TENANT,
    "/app/{tenant}/users": APP_TENANT,
    "/app/{tenant}/users/invite": APP_TENANT,
    "/app/{tenant}/users/role": APP_TENANT,
    "/app/{tenant}/users/remove": APP_TENANT,
    "/app/{tenant}/forms": APP_TENANT,
    "/app/{tenant}/forms/{form_id}": APP_TENANT,
    "/app/{tenant}/links": APP_TENANT,
    "/app/{tenant}/links/campaigns": APP_TENANT,
    "/app/{tenant}/campaigns": APP_TENANT,
    "/app/{tenant}/campaigns/compare": APP_TENANT,
    "/app/{tenant}/campaigns/unowned": APP_TENANT,
    "/app/{tenant}/campaigns/{campaign_id}": APP_TENANT,
    "/app/{tenant}/live": APP_TENANT,
    "/app/{tenant}/persons": APP_TENANT,
    "/app/{tenant}/companies": APP_TENANT,
    "/app/{tenant}/persons.csv": APP_TENANT,
    "/app/{tenant}/persons/{person_id}": APP_TENANT,
    "/app/{tenant}/persons/{person_id}/edit": APP_TENANT,
    "/app/{tenant}/persons/{person_id}/export": APP_TENANT,
    "/app/{tenant}/persons/{person_id}/erase": APP_TENANT,
    "/app/{tenant}/companies/{company_id}": APP_TENANT,
    "/app/{tenant}/import": APP_TENANT,
    "/app/{tenant}/deals": APP_TENANT,
    "/app/{tenant}/deals/new": APP_TENANT,
    "/app/{tenant}/deals/{deal_id}": APP_TENANT,
    "/app/{tenant}/deals/{deal_id}/edit": APP_TENANT,
    "/app/{tenant}/pipeline": APP_TENANT,
    "/app/{tenant}/pipeline-setup": APP_TENANT,
    "/app/{tenant}/board": APP_TENANT,
    "/app/{tenant}/board/move": APP_TENANT,
    "/app/{tenant}/lead-setup": APP_TENANT,
    "/app/{tenant}/persons/{person_id}/lead": APP_TENANT,
    "/app/{tenant}/companies/{company_id}/lead": APP_TENANT,
    "/app/{tenant}/attribution": APP_TENANT,
    "/app/{tenant}/attribution/conversions": APP_TENANT,
    "/app/{tenant}/selections": APP_TENANT,
    "/app/{tenant}/selections/{selection_id}": APP_TENANT,
    "/app/{tenant}/selections/{selection_id}/export": APP_TENANT,
    "/app/{tenant}/selections/{selection_id}/rename": APP_TENANT,
    "/app/{tenant}/selections/{selection_id}/delete": APP_TENANT,
    "/app/{tenant}/dashboards": APP_TENANT,
    "/app/{tenant}/dashboards/manage": APP_TENANT,
    "/app/{tenant}/dashboards/{dashboard_id}": APP_TENANT,
    "/app/{tenant}/dashboards/{dashboard_id}/change": APP_TENANT,
    "/app/{tenant}/dashboards/{dashboard_id}/tiles": APP_TENANT,
    "/app/{tenant}/dashboards/{dashboard_id}/tiles/{tile_id}": APP_TENANT,
    "/app/{tenant}/dashboards/{dashboard_id}/tiles/{tile_id}/csv": APP_TENANT,
    "/app/{tenant}/dashboards/{dashboard_id}/tiles/{tile_id}/change": APP_TENANT,
}
# Pages a role may use only for what its user made (or as an admin): the world's selections
# are the system's, so only the admin passes.
OWNED = {
    "/app/{tenant}/selections/{selection_id}/rename",
    "/app/{tenant}/selections/{selection_id}/delete",
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
    a_key: str = ""  # the key id of tenant-a's API key
    a_deal: str = ""
    b_deal: str = ""
    a_selection: str = ""
    b_selection: str = ""
    a_campaign: str = ""
    b_campaign: str = ""
    a_dashboard: str = ""
    b_dashboard: str = ""
    a_tile: str = ""
    b_tile: str = ""


MARK_A, MARK_B = "marker-of-tenant-a", "marker-of-tenant-b"


@pytest.fixture
def world(client, make_tenant, settings) -> World:
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
    (a_key,) = rows(a.db_path, "SELECT key_id FROM api_keys WHERE tenant_id = ?", a.tenant_id)
    found = World(
        a,
        b,
        a_card["id"],
        b_card["id"],
        a_card["company"]["id"],
        b_card["company"]["id"],
        a_key["key_id"],
    )
    # A deal and a pipeline stage of each tenant, named by its marker.
    for tenant, card, mark, name in ((a, a_card, MARK_A, "a_deal"), (b, b_card, MARK_B, "b_deal")):
        storage.transaction(
            settings.db_path,
            lambda conn, t=tenant, m=mark: stage_rules.add_stage(
                conn, tenant_id=t.tenant_id, name=m, probability=10, now="2026-01-01T00:00:00.000Z"
            ),
        )
        response = client.post(
            "/api/v1/deals",
            json={"person_id": card["id"], "title": mark, "amount": "10", "status": "open"},
            headers=tenant.auth,
        )
        assert response.status_code == 201, response.text
        setattr(found, name, response.json()["id"])
    # A selection of each tenant, named by its marker, finding its person.
    for tenant, mark, name in ((a, MARK_A, "a_selection"), (b, MARK_B, "b_selection")):
        selection_id = storage.transaction(
            settings.db_path,
            lambda conn, t=tenant, m=mark: selections.create(
                conn, t.tenant_id, kind="persons", name=m, query={"q": m}, user_id=None,
                at="2026-01-01T00:00:00.000Z",
            ),
        )  # fmt: skip
        setattr(found, name, selection_id)
    # A campaign of each tenant, named by its marker, owning the marker as utm_campaign.
    for tenant, mark, name in ((a, MARK_A, "a_campaign"), (b, MARK_B, "b_campaign")):
        campaign_id = storage.transaction(
            settings.db_path,
            lambda conn, t=tenant, m=mark: links.create_campaign(conn, t.tenant_id, m, [m]),
        )
        setattr(found, name, campaign_id)
    # A dashboard of each tenant, named by its marker, with a tile counting by source.
    for tenant, mark, name in ((a, MARK_A, "a"), (b, MARK_B, "b")):

        def make(conn, t=tenant, m=mark):
            dashboard_id = dashboards.create_dashboard(
                conn, t.tenant_id, m, "2026-01-01T00:00:00.000Z"
            )
            tile = dashboards.TileSettings(
                title=m, kind="table", measure="new_leads", grouping="lead_creation_source"
            )
            return dashboard_id, dashboards.add_tile(
                conn, t.tenant_id, dashboard_id, tile, "2026-01-01T00:00:00.000Z"
            )

        dashboard_id, tile_id = storage.transaction(settings.db_path, make)
        setattr(found, f"{name}_dashboard", dashboard_id)
        setattr(found, f"{name}_tile", tile_id)
    return found


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
        if method == "GET":
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


def test_campaign_routes(client, world, settings):
    """A campaign's performance with one's own key; another tenant's campaign id is 404."""
    cases = scoped(settings, CAMPAIGN_BY_ID)
    assert cases
    for path, method in cases:
        a_url = path.replace("{campaign_id}", world.a_campaign)
        b_url = path.replace("{campaign_id}", world.b_campaign)
        own = _send(client, method, a_url, world.a.auth)
        assert own.status_code == 200 and MARK_A in own.text and MARK_B not in own.text
        for url, auth in ((b_url, world.a.auth), (a_url, world.b.auth)):
            response = _send(client, method, url, auth)
            assert response.status_code == 404, (method, url, response.text)
            assert MARK_A not in response.text and MARK_B not in response.text
        for name, headers in KEYS.items():
            assert _send(client, method, a_url, headers).status_code == 401, (path, name)


def test_selection_routes(client, world, settings):
    """A selection's rows with one's own key; another tenant's selection id is 404, no key
    or a wrong one 401."""
    cases = scoped(settings, SELECTION_BY_ID)
    assert cases
    for path, method in cases:
        a_url = path.replace("{selection_id}", world.a_selection)
        b_url = path.replace("{selection_id}", world.b_selection)
        own = _send(client, method, a_url, world.a.auth)
        assert own.status_code == 200 and MARK_A in own.text and MARK_B not in own.text
        for url, auth in ((b_url, world.a.auth), (a_url, world.b.auth)):
            response = _send(client, method, url, auth)
            assert response.status_code == 404, (method, url, response.text)
            assert MARK_A not in response.text and MARK_B not in response.text
        for name, headers in KEYS.items():
            response = _send(client, method, a_url, headers)
            assert response.status_code == 401, (method, path, name)


def test_measure_report_routes(client, world, settings):
    """A report counts the key's tenant's persons only (each tenant's person came from a
    source named by its marker); no key or a wrong one: 401."""
    cases = scoped(settings, MEASURE_BY_KEY)
    assert cases
    params = {"by": "lead_creation_source", "from": "2026-01-01", "to": "2030-12-31"}
    for path, method in cases:
        url = path.replace("{measure}", "new_leads")
        for tenant, own, other in ((world.a, MARK_A, MARK_B), (world.b, MARK_B, MARK_A)):
            for output in ("json", "csv"):
                response = client.request(
                    method, url, params={**params, "format": output}, headers=tenant.auth
                )
                assert response.status_code == 200, response.text
                assert own in response.text and other not in response.text
        for name, headers in KEYS.items():
            response = client.request(method, url, params=params, headers=headers)
            assert response.status_code == 401, (method, path, name)
            assert MARK_A not in response.text and MARK_B not in response.text


def test_dashboard_routes(client, world, settings):
    cases = scoped(settings, DASHBOARDS_BY_KEY)
    assert cases
    for path, method in cases:
        for tenant, own, other in ((world.a, MARK_A, MARK_B), (world.b, MARK_B, MARK_A)):
            response = _send(client, method, path, tenant.auth)
            assert response.status_code == 200, (method, path)
            assert own in response.text and other not in response.text
        for name, headers in KEYS.items():
            response = _send(client, method, path, headers)
            assert response.status_code == 401, (method, path, name)
            assert MARK_A not in response.text and MARK_B not in response.text


def test_app_dashboard_pages_with_another_tenants_id_are_404(client, app_world):
    as_user(client, APP_USERS["admin"])
    token = _token(client)
    base = f"/app/{app_world.a.tenant_id}/dashboards"
    theirs = f"{base}/{app_world.b_dashboard}"
    ours = f"{base}/{app_world.a_dashboard}"
    for url in (theirs, f"{theirs}/tiles", f"{ours}/tiles/{app_world.b_tile}",
                f"{ours}/tiles/{app_world.b_tile}/csv"):  # fmt: skip
        assert client.get(url).status_code == 404, url
    data = {"csrf_token": token, "action": "delete", "confirm": "delete", "name": "taken"}
    for url in (f"{theirs}/change", f"{ours}/tiles/{app_world.b_tile}/change",
                f"{ours}/tiles/{app_world.b_tile}"):  # fmt: skip
        assert client.post(url, data=data).status_code == 404, url
    listed = client.get("/api/v1/dashboards", headers=app_world.b.auth).json()["items"]
    assert MARK_B in [d["name"] for d in listed]
    assert any(t["id"] == app_world.b_tile for d in listed for t in d["tiles"])


def test_app_selection_pages_with_another_tenants_id_are_404(client, app_world):
    as_user(client, APP_USERS["admin"])
    token = _token(client)
    base = f"/app/{app_world.a.tenant_id}/selections/{app_world.b_selection}"
    for suffix in ("", "/export"):
        assert client.get(base + suffix).status_code == 404
    for suffix in ("/rename", "/delete"):
        data = {"csrf_token": token, "name": "taken over", "confirm": "delete"}
        assert client.post(base + suffix, data=data).status_code == 404
    items = client.get(
        f"/api/v1/selections/{app_world.b_selection}/items", headers=app_world.b.auth
    )
    assert items.json()["selection"]["name"] == MARK_B


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


def test_deal_routes(client, world, settings):
    """Another tenant's deal id with one's own key, one's own with another's key: 404,
    whatever the method and body; no key or a wrong one: 401. Neither deal changes."""
    cases = scoped(settings, DEAL_BY_ID)
    assert cases
    change = {"status": "won", "amount": "99", "title": "changed"}
    for path, method in cases:
        a_url = path.replace("{deal_id}", world.a_deal)
        b_url = path.replace("{deal_id}", world.b_deal)
        own = _send(client, method, a_url, world.a.auth)
        if method == "GET":
            assert own.status_code == 200 and MARK_A in own.text and MARK_B not in own.text
        for url, auth in ((b_url, world.a.auth), (a_url, world.b.auth)):
            body = {"json": change} if method == "PATCH" else {}
            response = client.request(method, url, headers=auth, **body)
            assert response.status_code == 404, (method, url, response.text)
            assert response.json()["error"]["code"] == "not_found"
            assert MARK_A not in response.text and MARK_B not in response.text
        for name, headers in KEYS.items():
            response = _send(client, method, a_url, headers)
            assert response.status_code == 401, (method, path, name)
            assert MARK_A not in response.text
    for tenant, deal_id, mark in ((world.a, world.a_deal, MARK_A), (world.b, world.b_deal, MARK_B)):
        deal = client.get(f"/api/v1/deals/{deal_id}", headers=tenant.auth).json()
        assert (deal["title"], deal["status"], deal["amount"]) == (mark, "open", "10.00")


def test_deal_list_and_create(client, world, settings):
    """The list shows one's own deals only (filtered by the other's person or company too);
    a new deal for another tenant's person is 404 and stores nothing."""
    cases = scoped(settings, DEAL_LIST)
    assert sorted(method for _, method in cases) == ["GET", "POST"]
    for tenant, own, other, other_person, other_company in (
        (world.a, MARK_A, MARK_B, world.b_person, world.b_company),
        (world.b, MARK_B, MARK_A, world.a_person, world.a_company),
    ):
        response = client.get("/api/v1/deals", headers=tenant.auth)
        assert response.status_code == 200
        assert own in response.text and other not in response.text
        for params in ({"person_id": other_person}, {"company_id": other_company}):
            response = client.get("/api/v1/deals", params=params, headers=tenant.auth)
            assert response.json() == {"items": [], "next_cursor": None}
        response = client.post(
            "/api/v1/deals",
            json={"person_id": other_person, "title": "cross", "amount": 1, "status": "won"},
            headers=tenant.auth,
        )
        assert response.status_code == 404, response.text
        assert own not in response.text and other not in response.text
    for name, headers in KEYS.items():
        for method in ("GET", "POST"):
            response = _send(client, method, "/api/v1/deals", headers)
            assert response.status_code == 401, (method, name)
            assert MARK_A not in response.text and MARK_B not in response.text
    for tenant in (world.a, world.b):
        titles = [
            d["title"] for d in client.get("/api/v1/deals", headers=tenant.auth).json()["items"]
        ]
        assert "cross" not in titles


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


def test_report_routes_sum_only_the_keys_tenant(client, world, settings):
    """Each tenant's person came from its marker (utm_source): a report by source names
    only the key's own, in JSON and CSV, with any model; no key is 401."""
    with storage.connect(settings.db_path) as conn:
        follower.catch_up(conn)
    cases = scoped(settings, REPORT_BY_KEY)
    assert cases
    year = datetime.now(UTC).year
    span = f"from={year}-01-01&to={year}-12-31"
    for path, method in cases:
        for tenant, own, other in ((world.a, MARK_A, MARK_B), (world.b, MARK_B, MARK_A)):
            for query in ("by=source", "by=source&format=csv", "model=first_touch&by=campaign"):
                response = _send(client, method, f"{path}?{span}&{query}", tenant.auth)
                assert response.status_code == 200, (method, path, response.text)
                if "campaign" not in query:
                    assert own in response.text, (path, query)
                assert other not in response.text
            # A replay under another lookback reads the raw data of the key's tenant only.
            response = _send(client, method, f"{path}?{span}&lookback_days=30", tenant.auth)
            assert response.status_code == 200 and own in response.text
            assert other not in response.text
            # The deal (dated by the test's clock, before its person's touch) counts, uncredited.
            query = f"{span}&conversion=deal_create&model=linear"
            response = _send(client, method, f"{path}?{query}", tenant.auth)
            assert response.json()["conversions"] == 1 and other not in response.text
        for name, headers in KEYS.items():
            response = _send(client, method, path, headers)
            assert response.status_code == 401, (method, path, name)


def test_key_scoped_writes(client, world, settings):
    """A lead sent with one tenant's key reaches that tenant's person only; no key or a wrong
    one is 401 and stores nothing."""
    cases = scoped(settings, WRITE_BY_KEY)
    assert cases
    lead = {"email": "same@example.com", "via": "chat"}
    for path, method in cases:
        for name, headers in KEYS.items():
            response = client.request(method, path, json=lead, headers=headers)
            assert response.status_code == 401, (method, path, name)
        response = client.request(method, path, json=lead, headers=world.a.auth)
        assert response.status_code == 201, response.text
        assert response.json()["person_id"] == world.a_person
    a = client.get(f"/api/v1/persons/{world.a_person}", headers=world.a.auth).json()
    b = client.get(f"/api/v1/persons/{world.b_person}", headers=world.b.auth).json()
    assert len(a["submissions"]) == 1 + len(cases)
    assert len(b["submissions"]) == 1


def test_setup_routes_answer_ones_own_setup(client, world, settings, db_url):
    """Each tenant sees its own names (tenant-b renamed a status); no key or a wrong one:
    401."""
    from ingest import storage
    from ingest.storage import lead_setup

    storage.transaction(
        db_url, lambda conn: lead_setup.rename(conn, "tenant-b", "status", "sts_open", MARK_B)
    )
    cases = scoped(settings, SETUP_BY_KEY)
    assert cases
    for path, method in cases:
        own = _send(client, method, path, world.a.auth)
        assert own.status_code == 200 and MARK_B not in own.text, (method, path)
        assert MARK_B in _send(client, method, path, world.b.auth).text or "categories" in path
        for name, headers in KEYS.items():
            response = _send(client, method, path, headers)
            assert response.status_code == 401, (method, path, name)


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


# -- the marketer's app -----------------------------------------------------------------
# Users: an admin, a marketer and a salesperson of tenant-a, and an admin of tenant-b only.
APP_USERS = {
    "admin": "admin@a.example",
    "marketer": "marketer@a.example",
    "sales": "sales@a.example",
}
B_ADMIN = "admin@b.example"


@pytest.fixture
def app_world(world, make_user) -> World:
    for role, email in APP_USERS.items():
        make_user(email, (world.a.tenant_id, role))
    make_user(B_ADMIN, (world.b.tenant_id, "admin"))
    return world


def as_user(client, email: str) -> None:
    client.cookies.clear()
    assert sign_in(client, email).status_code == 303


def app_url(path: str, tenant_id: str, world: World) -> str:
    """The route's path with the tenant and the tenant's own ids of any other parameter."""
    params = {
        "tenant": tenant_id,
        "person_id": world.a_person,
        "form_id": world.a.form_id,
        "company_id": world.a_company,
        "key_id": world.a_key,
        "deal_id": world.a_deal,
        "selection_id": world.a_selection,
        "campaign_id": world.a_campaign,
        "dashboard_id": world.a_dashboard,
        "tile_id": world.a_tile,
    }
    for name in re.findall(r"{(\w+)}", path):
        assert name in params, f"give tests/test_isolation.py's app_url a value for {{{name}}}"
        path = path.replace("{" + name + "}", params[name])
    return path


def app_routes(settings) -> list[tuple[str, str, tuple[str, ...]]]:
    """(path, method, roles allowed) of every tenant page of the app."""
    return [
        (route.path, method, route.endpoint.roles)
        for route in create_app(settings).routes
        if ROUTES.get(route.path) == APP_TENANT
        for method in sorted(set(route.methods or ()) - {"HEAD"})
    ]


def _app_send(client, method: str, url: str):
    data = {"csrf_token": _token(client)} if method != "GET" else None
    return client.request(method, url, data=data, follow_redirects=False)


def _token(client) -> str:
    return csrf_of(client.get("/app/").text)


def test_app_tenant_pages_need_sign_in(client, app_world, settings):
    cases = app_routes(settings)
    assert cases
    client.cookies.clear()
    for path, method, _ in cases:
        url = app_url(path, app_world.a.tenant_id, app_world)
        response = client.request(method, url, follow_redirects=False)
        assert response.status_code == 303, (method, url)
        assert response.headers["location"].startswith("/app/login")
        assert MARK_A not in response.text


def test_app_tenant_pages_are_404_for_non_members(client, app_world, settings):
    """Another tenant's pages and an unknown tenant's answer the same 404, whatever the
    method, and show nothing of the tenant."""
    as_user(client, B_ADMIN)
    for path, method, _ in app_routes(settings):
        for tenant_id in (app_world.a.tenant_id, "tenant-c"):
            url = app_url(path, tenant_id, app_world)
            response = _app_send(client, method, url)
            assert response.status_code == 404, (method, url)
            assert MARK_A not in response.text and "marketer@a.example" not in response.text
        own = app_url(path, app_world.b.tenant_id, app_world)
        if method == "GET" and "{" not in path.replace("{tenant}", ""):
            assert client.get(own).status_code == 200, own


def test_app_tenant_pages_check_the_role(client, app_world, settings):
    """Each role gets the pages its role may use and 403 for the others."""
    cases = app_routes(settings)
    for role, email in APP_USERS.items():
        as_user(client, email)
        for path, method, allowed in cases:
            url = app_url(path, app_world.a.tenant_id, app_world)
            response = _app_send(client, method, url)
            if path in OWNED and role != "admin":
                assert response.status_code == 403, (role, method, url, response.status_code)
            elif role in allowed:
                # A post with nothing but the token may be refused as invalid (422), not more.
                ok = response.status_code < 400 or (
                    method == "POST" and response.status_code == 422
                )
                assert ok, (role, method, url, response.status_code)
            else:
                assert response.status_code == 403, (role, method, url, response.status_code)
            assert MARK_B not in response.text and B_ADMIN not in response.text
    # Every role is refused somewhere or is the admin: the matrix is not vacuous.
    assert any("sales" not in allowed for _, _, allowed in cases)


def test_app_user_pages_show_only_ones_own_tenants(client, app_world, settings):
    for path in (p for p, kind in ROUTES.items() if kind == APP_USER):
        client.cookies.clear()
        assert client.get(path, follow_redirects=False).status_code == 303
        as_user(client, B_ADMIN)
        response = client.get(path)
        assert response.status_code == 200
        assert app_world.b.tenant_id in response.text
        assert app_world.a.tenant_id not in response.text


def test_app_account_pages_show_no_tenant_data(client, app_world, settings):
    """The user's own account: sign-in needed, nothing of any tenant shown, a post without
    the form token refused."""
    cases = [
        (p, m) for p, kind in ROUTES.items() if kind == APP_ACCOUNT for m in routes(settings)[p]
    ]
    assert cases
    for path, method in cases:
        client.cookies.clear()
        response = client.request(method, path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/app/login")
        as_user(client, B_ADMIN)
        response = client.request(method, path, follow_redirects=False)
        assert response.status_code == (200 if method == "GET" else 403), (method, path)
        for secret in (MARK_A, MARK_B, app_world.a.tenant_id, "marketer@a.example"):
            assert secret not in response.text, (path, secret)


def test_app_public_routes_carry_no_tenant_data(client, app_world, settings):
    client.cookies.clear()
    for path in (p for p, kind in ROUTES.items() if kind == APP_PUBLIC):
        url = path.replace("{name}", "app.css")
        for method in sorted(routes(settings)[path]):
            response = client.request(method, url, follow_redirects=False)
            assert response.status_code in (200, 303, 403, 404), (method, url)
            for secret in (MARK_A, MARK_B, app_world.a.tenant_id, app_world.b.tenant_id):
                assert secret not in response.text, (path, secret)
