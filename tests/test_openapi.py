"""The OpenAPI document against the real app: every route is described or named as not JSON,
every error code is in it, and schemathesis (property-based) finds no 5xx and no answer,
status or body, that the document does not describe."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import replace

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.python import asgi
from starlette.routing import Route
from starlette.testclient import TestClient

import ingest.edge.limits  # noqa: F401 (RateLimited is an AppError defined there)
from ingest import errors
from ingest.api import openapi
from ingest.app import create_app
from ingest.config import Settings
from ingest.domain.attribution import offered
from ingest.domain.reports import spec
from ingest.ops.cli import in_transaction
from ingest.storage import admin

from .test_collect import CHROME
from .test_limits import NO_LIMITS


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_route_is_described_or_named_as_not_json(settings):
    app = create_app(settings)
    paths = {route.path for route in app.routes if isinstance(route, Route)}
    unclassified = paths - openapi.DOCUMENTED - set(openapi.UNDOCUMENTED)
    assert not unclassified, f"add these routes to ingest/openapi.py: {sorted(unclassified)}"
    stale = (openapi.DOCUMENTED | set(openapi.UNDOCUMENTED)) - paths
    assert not stale, f"ingest/openapi.py names routes the app does not have: {sorted(stale)}"


def test_every_error_code_is_documented_under_its_status():
    documented = {(status, code) for status, (codes, _) in openapi.ERRORS.items() for code in codes}
    for cls in _subclasses(errors.AppError):
        assert (cls.status, cls.code) in documented, cls


def test_the_document_is_served(client):
    response = client.get(openapi.OPENAPI_PATH)
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["servers"] == [{"url": "http://testserver"}]
    assert set(document["paths"]) == set(openapi.PATHS)


# -- schemathesis ---------------------------------------------------------------------
# Bounded for CI: a few dozen generated requests per operation besides schemathesis's own
# coverage cases (boundary values, missing and unexpected parameters and methods).
MAX_EXAMPLES = 40


# The app is built when the module loads (that opens nothing: its lifespan does), so that
# schemathesis, which makes one test per operation while collecting, sends to it in this
# process; the `api` fixture fills its database before the first request.
DB_DIR = tempfile.TemporaryDirectory(prefix="leadsource-openapi-")
APP = create_app(
    replace(
        Settings(db_path=f"{DB_DIR.name}/leadsource.db", base_url="http://testserver"),
        **NO_LIMITS,  # the limits have their own test below
    )
)
schema = schemathesis.openapi.from_dict(
    openapi.document("http://testserver"),
    config=schemathesis.Config.from_dict(
        {
            "base-url": "http://testserver",
            "generation": {"max-examples": MAX_EXAMPLES},
            "checks": {
                # Valid data may still be refused: an id reused with other content (409),
                # a tenant or form that does not exist (404); never with a 5xx or an
                # undocumented answer.
                "positive_data_acceptance": {"expected-statuses": ["2xx", 404, 409]},
            },
        }
    ),
)
schema.app = APP  # as schemathesis.openapi.from_asgi does


@pytest.fixture(scope="module")
def api() -> Iterator[dict[str, str]]:
    """Two tenants, a form and a person: what the generated requests reach."""

    def work(conn: sqlite3.Connection) -> dict[str, str]:
        key = admin.create_tenant(conn, "acme", [], True)
        admin.create_tenant(conn, "other", [], True)
        form = admin.create_form(
            conn, "acme", name="Contact", thank_you_url=None, published=True, custom_fields=[]
        )
        return {"tenant_id": "acme", "api_key": key, "form_id": form.form_id}

    ids = in_transaction(APP.state.settings.db_path, work)
    with TestClient(APP) as client:
        response = client.post(
            f"/t/{ids['tenant_id']}/forms/{ids['form_id']}",
            json={"email": "seed@example.com", "company": "Seed AS"},
        )
        assert response.status_code == 201, response.text
        persons = client.get(
            "/api/v1/persons", headers={"Authorization": f"Bearer {ids['api_key']}"}
        )
        ids["person_id"] = persons.json()["items"][0]["id"]
        ids["company_id"] = persons.json()["items"][0]["company"]["id"]
    yield ids
    asgi.shutdown_lifespans()  # the app's writer and reader, before their files go
    DB_DIR.cleanup()


LEAD_NAMES = {"lead_status": "Contacting", "category": "Opportunity", "owner": None}
LIST_NAMES = {
    "lead_status": "Open",
    "reached_status": "Open",
    "category": "Lead",
    "category_group": "Potential customer",
}


def valid_report(measure_name: str, query: dict) -> None:
    """A report's grouping and filters must suit its measure, and a custom period must run
    forward within five years (rules the document cannot say per measure): valid data is
    what the measure takes."""
    measure = spec.MEASURES.get(measure_name)
    if measure is None:
        return
    allowed = spec.groupings_of(measure)
    if query.get("by") not in allowed:
        if measure.two_columns:
            query["by"] = next(iter(allowed))
        else:
            query.pop("by", None)
    if measure.of == spec.DEALS:
        for name in set(spec.FILTERS) - set(spec.DEAL_FILTERS):
            query.pop(name, None)
    for name, day in (("from", "2026-01-01"), ("to", "2026-06-30")):
        if name in query:
            query[name] = day


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_the_app_answers_as_documented(case, api):
    """Generated requests reach real data: path parameters, unless the case made them
    invalid on purpose, name the real tenant and form (and, for some, the real person), and
    API calls carry the tenant's key unless the case left it out or broke it on purpose."""
    meta = case.meta
    if meta is None or not meta.is_negative_at(ParameterLocation.PATH):
        path = case.path_parameters or {}
        for name in ("tenant_id", "form_id"):
            if name in path:
                path[name] = api[name]
        # Half the person and company ids (by length, so shrinking keeps the choice) are
        # the real one.
        for name in ("person_id", "company_id"):
            if len(path.get(name, "")) % 2:
                path[name] = api[name]
    if (meta is None or not meta.is_negative_at(ParameterLocation.BODY)) and isinstance(
        case.body, dict
    ):
        # Lead statuses, categories and owners are the tenant's own names: only real ones
        # are valid data (a category with lead status, so the person's stays editable).
        for name, real in LEAD_NAMES.items():
            if name in case.body:
                case.body[name] = real
        if "lead_status" in case.body:  # a person without a company has none to set
            case.body["company"] = "Seed AS"
    if (meta is None or not meta.is_negative_at(ParameterLocation.QUERY)) and case.query:
        # A cursor is opaque: only one the list gave is valid data (any other is 400).
        case.query.pop("cursor", None)
        # The lists' lead filters name the tenant's own statuses, categories and groups: an
        # unknown name is 400 (a misspelling, not an empty list), so only real ones are
        # valid data.
        for name, real in LIST_NAMES.items():
            if name in case.query:
                case.query[name] = real
        # A report's range covers at most five years and ends after it starts, which the
        # schema cannot say: valid data is a real range (an empty one is the default).
        if case.path == "/api/v1/reports/attribution":
            for name, day in (("from", "2026-01-01"), ("to", "2026-12-31")):
                if case.query.get(name):
                    case.query[name] = day
            # W-shaped and full path are not offered for every conversion (a 400 that names
            # the models that are): revenue offers every model.
            conversion = case.query.get("conversion") or "contact_create"
            if case.query.get("model") and case.query["model"] not in offered(conversion):
                case.query["conversion"] = "revenue"
    if case.path == "/api/v1/reports/{measure}" and (
        meta is None or not (meta.is_negative_at(ParameterLocation.QUERY)
                             or meta.is_negative_at(ParameterLocation.PATH))
    ):  # fmt: skip
        if case.query is None:
            case.query = {}
        valid_report((case.path_parameters or {}).get("measure", ""), case.query)
    headers = {}
    if case.path.startswith("/api/") and (
        meta is None or not meta.is_negative_at(ParameterLocation.HEADER)
    ):
        headers["Authorization"] = f"Bearer {api['api_key']}"
    if case.path.endswith("/collect"):
        # Other agents are bots: 204, nothing read. Lower case, as the ASGI client's own
        # default is spelled, or schemathesis's merge of the two keeps the default.
        headers["user-agent"] = CHROME
    case.call_and_validate(headers=headers)


# -- answers the generated requests rarely reach ----------------------------------------


@pytest.fixture
def limited_client(settings, make_tenant):
    app = create_app(replace(settings, **{**NO_LIMITS, "limit_submit_per_client": 2}))
    with TestClient(app) as client:
        yield client


def test_rare_answers_match_the_document(limited_client, make_tenant):
    tenant = make_tenant()
    unpublished = make_tenant("draft", published=False)
    guarded = make_tenant("guarded", origins=("https://acme.example",))
    submit = schema["/t/{tenant_id}/forms/{form_id}"]["POST"]
    answers = {
        201: limited_client.post(
            tenant.form_path, json={"email": "a@a.example", "ls_submission_id": "sub-rare-1"}
        ),
        403: limited_client.post(unpublished.form_path, json={"email": "a@a.example"}),
        413: limited_client.post(
            guarded.form_path, json={"email": "a@a.example", "x": "y" * 70_000}
        ),
        409: limited_client.post(
            tenant.form_path, json={"email": "b@a.example", "ls_submission_id": "sub-rare-1"}
        ),
        429: limited_client.post(tenant.form_path, json={"email": "c@a.example"}),
    }
    for status, response in answers.items():
        assert response.status_code == status, response.text
        submit.validate_response(response)
    assert answers[429].headers["retry-after"].isdigit()
    forbidden = limited_client.post(
        guarded.form_path,
        json={"email": "a@a.example"},
        headers={"Origin": "https://evil.example"},
    )
    assert forbidden.status_code == 403
    submit.validate_response(forbidden)
