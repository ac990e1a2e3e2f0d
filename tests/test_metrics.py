"""/metrics: behind its token, counts by route template, the writer's groups and queue, rate
limit refusals; one registry per app."""

from __future__ import annotations

from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from ingest.app import create_app
from ingest.ops.metrics import read_sample

TOKEN = "metrics-token-0123456789"
SCRAPE = {"Authorization": f"Bearer {TOKEN}"}
FORM_ROUTE = "/t/{tenant_id}/forms/{form_id}"


@pytest.fixture
def metered(settings, clock):
    with TestClient(create_app(replace(settings, metrics_token=TOKEN), clock=clock)) as client:
        yield client


def scrape(client: TestClient) -> str:
    response = client.get("/metrics", headers=SCRAPE)
    assert response.status_code == 200, response.text
    return response.text


def sample(client: TestClient, name: str, **labels: str) -> float:
    return read_sample(scrape(client), name, labels) or 0.0


def test_without_a_token_there_is_no_metrics_page(client):
    response = client.get("/metrics", headers=SCRAPE)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}],
    ids=["none", "wrong", "not bearer"],
)
def test_a_wrong_token_is_401_in_the_one_error_shape(metered, headers):
    response = metered.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert set(response.json()["error"]) == {"code", "message"}
    assert response.json()["error"]["code"] == "unauthorized"


def test_the_token_reads_prometheus_text(metered):
    response = metered.get("/metrics", headers=SCRAPE)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    assert response.headers["cache-control"] == "no-store"
    assert "# TYPE leadsource_http_requests_total counter" in response.text


def test_requests_are_counted_by_route_template_not_path(metered, make_tenant):
    a, b = make_tenant("tenant-a"), make_tenant("tenant-b")
    for tenant in (a, b, a):
        response = metered.post(tenant.form_path, json={"email": "m@acme.example"})
        assert response.status_code == 201
    metered.post(a.form_path, json={"email": "not an email"})
    metered.get("/no/such/page/for-tenant-a")
    text = scrape(metered)
    labels = {"method": "POST", "route": FORM_ROUTE}
    assert read_sample(text, "leadsource_http_requests_total", {**labels, "status": "201"}) == 3
    assert read_sample(text, "leadsource_http_requests_total", {**labels, "status": "422"}) == 1
    assert read_sample(text, "leadsource_http_request_duration_seconds_count", labels) == 4
    unmatched = {"method": "GET", "route": "(unmatched)", "status": "404"}
    assert read_sample(text, "leadsource_http_requests_total", unmatched) == 1
    # No tenant, form or raw path becomes a label.
    for raw in ("tenant-a", "tenant-b", a.form_id, "/no/such"):
        assert raw not in text


def test_invented_methods_and_refused_hosts_make_no_new_series(metered):
    metered.request("BREW", "/healthz")
    metered.get("/healthz", headers={"Host": "evil.example"})
    text = scrape(metered)
    brewed = {"method": "other", "route": "/healthz", "status": "405"}
    assert read_sample(text, "leadsource_http_requests_total", brewed) == 1
    refused = {"method": "GET", "route": "(unmatched)", "status": "400"}
    assert read_sample(text, "leadsource_http_requests_total", refused) == 1
    assert "BREW" not in text and "evil.example" not in text


def test_the_writers_groups_and_queue(metered, make_tenant):
    tenant = make_tenant()
    for n in range(3):
        metered.post(tenant.form_path, json={"email": f"w{n}@acme.example"})
    text = scrape(metered)
    groups = read_sample(text, "leadsource_writer_batch_size_count")
    assert groups is not None and groups >= 3
    assert read_sample(text, "leadsource_writer_batch_size_sum") >= 3
    assert read_sample(text, "leadsource_writer_commit_duration_seconds_count") == groups
    assert read_sample(text, "leadsource_writer_queue_depth") == 0
    assert read_sample(text, "leadsource_writer_jobs_total", {"outcome": "ok"}) >= 3
    assert read_sample(text, "leadsource_writer_jobs_total", {"outcome": "failed"}) == 0


def test_rate_limit_refusals_by_scope(settings, clock, make_tenant):
    limited = replace(settings, metrics_token=TOKEN, limit_submit_per_client=1)
    tenant = make_tenant()
    with TestClient(create_app(limited, clock=clock)) as client:
        assert client.post(tenant.form_path, json={"email": "r@acme.example"}).status_code == 201
        for _ in range(2):
            response = client.post(tenant.form_path, json={"email": "r@acme.example"})
            assert response.status_code == 429
        text = scrape(client)
    assert read_sample(text, "leadsource_rate_limit_refusals_total", {"scope": "submit"}) == 2
    assert read_sample(text, "leadsource_rate_limit_refusals_total", {"scope": "collect"}) == 0


def test_each_app_counts_its_own(settings, clock, make_tenant):
    """Tests and multi-app processes build many apps: no shared or clashing registry."""
    tenant = make_tenant()
    metered = replace(settings, metrics_token=TOKEN)
    with (
        TestClient(create_app(metered, clock=clock)) as first,
        TestClient(create_app(metered, clock=clock)) as second,
    ):
        first.get("/healthz")
        first.get("/healthz")
        second.get("/healthz")
        ok = {"method": "GET", "route": "/healthz", "status": "200"}
        assert sample(first, "leadsource_http_requests_total", **ok) == 2
        assert sample(second, "leadsource_http_requests_total", **ok) == 1
    with TestClient(create_app(metered, clock=clock)) as third:
        assert third.post(tenant.form_path, json={"email": "t@acme.example"}).status_code == 201
        assert sample(third, "leadsource_http_requests_total", **ok) == 0
