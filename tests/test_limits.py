"""Rate limits on every unauthenticated endpoint (per client address and per tenant, 429 with
Retry-After in the one error shape), counters shared across processes (the database, or
Redis), and the bound on sessions one visitor can start."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import replace
from html import unescape

import pytest
import uvicorn
from starlette.testclient import TestClient

from ingest import storage
from ingest.app import create_app
from ingest.config import Settings
from ingest.edge.limits import DatabaseCounters, Limiter, RateLimited
from ingest.ops.cli import server_options
from ingest.storage.sqlite import Writer

from .conftest import within_one_rate_window
from .test_collect import beacon, rows
from .test_forms import count

NO_LIMITS = {
    f"limit_{scope}_per_{who}": 0
    for scope in ("submit", "form", "collect", "script")
    for who in ("client", "tenant")
}


def limited(settings: Settings, **limits: int) -> Settings:
    return replace(settings, **{**NO_LIMITS, **limits})


@pytest.fixture
def app_with(settings, clock):
    """A client of an app with the given limits (all others off)."""
    clients: list[TestClient] = []

    def make(client_address: str = "203.0.113.7", **limits: int) -> TestClient:
        within_one_rate_window(settings)
        app = create_app(limited(settings, **limits), clock=clock)
        client = TestClient(app, client=(client_address, 50000))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def assert_rate_limited(response) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(response.headers["retry-after"]) <= 60


def test_json_submissions_per_client(app_with, make_tenant):
    tenant = make_tenant()
    client = app_with(limit_submit_per_client=2)
    for i in range(2):
        assert client.post(tenant.form_path, json={"email": f"{i}@a.example"}).status_code == 201
    assert_rate_limited(client.post(tenant.form_path, json={"email": "late@a.example"}))
    assert count(tenant.db_path, "submissions") == 2
    # Another client address has its own count.
    other = app_with("198.51.100.9", limit_submit_per_client=2)
    assert other.post(tenant.form_path, json={"email": "x@a.example"}).status_code == 201


def test_submissions_per_tenant(app_with, make_tenant):
    acme, other = make_tenant("acme"), make_tenant("other")
    client = app_with(limit_submit_per_tenant=2)  # and no limit per client
    for i in range(2):
        assert client.post(acme.form_path, json={"email": f"{i}@a.example"}).status_code == 201
    assert_rate_limited(client.post(acme.form_path, json={"email": "z@a.example"}))
    assert client.post(other.form_path, json={"email": "o@a.example"}).status_code == 201


def test_a_native_post_over_the_limit_keeps_the_visitors_answers(app_with, make_tenant):
    tenant = make_tenant()
    client = app_with(limit_submit_per_client=1)
    client.post(tenant.form_path, data={"email": "first@a.example"}, follow_redirects=False)
    response = client.post(
        tenant.form_path,
        data={
            "email": "second@a.example",
            "first_name": "Ingrid",
            "utm_source": "linkedin",
            "ls_submission_id": "sub-retry-0001",
        },
        follow_redirects=False,
    )
    assert response.status_code == 429
    assert response.headers["content-type"].startswith("text/html")
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["cache-control"] == "no-store"
    page = unescape(response.text)
    assert 'id="form-notice"' in page and "try again" in page
    assert 'value="second@a.example"' in page and 'value="Ingrid"' in page
    assert 'name="utm_source" value="linkedin"' in page
    assert 'name="ls_submission_id" value="sub-retry-0001"' in page
    assert re.search(r'<button type="submit">Send</button>', page)
    assert count(tenant.db_path, "submissions") == 1


@pytest.mark.parametrize(
    ("limit", "path"),
    [
        ("limit_form_per_client", "{form}"),
        ("limit_form_per_tenant", "{form}"),
        ("limit_script_per_client", "/t/{tenant}/utm.js"),
        ("limit_script_per_tenant", "/t/{tenant}/utm-debug.js"),
    ],
)
def test_pages_and_scripts_are_limited(app_with, make_tenant, limit, path):
    tenant = make_tenant()
    client = app_with(**{limit: 3})
    url = path.format(form=tenant.form_path, tenant=tenant.tenant_id)
    for _ in range(3):
        assert client.get(url).status_code == 200
    response = client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    if "utm" in url:
        assert response.json()["error"]["code"] == "rate_limited"


def test_beacons_are_limited(app_with, make_tenant):
    tenant = make_tenant()
    client = app_with(limit_collect_per_client=2)
    for i in range(2):
        assert beacon(client, tenant, visitor=f"visitor-{i:04}").status_code == 204
    assert_rate_limited(beacon(client, tenant, visitor="visitor-9999"))
    assert len(rows(tenant.db_path, "sessions")) == 2


def test_counts_are_shared_between_processes_through_the_database(settings, make_tenant):
    """Two apps on one database file, as two uvicorn workers would be."""
    tenant = make_tenant()
    config = limited(settings, limit_submit_per_client=3)
    with (
        TestClient(create_app(config)) as first,
        TestClient(create_app(config)) as second,
    ):
        for i in range(2):
            assert first.post(tenant.form_path, json={"email": f"{i}@a.example"}).status_code == 201
        first.portal.call(first.app.state.limiter.flush)
        assert second.post(tenant.form_path, json={"email": "s@a.example"}).status_code == 201
        second.portal.call(second.app.state.limiter.flush)
        first.portal.call(first.app.state.limiter.flush)
        assert_rate_limited(first.post(tenant.form_path, json={"email": "f@a.example"}))
        assert_rate_limited(second.post(tenant.form_path, json={"email": "g@a.example"}))
    with storage.connect(tenant.db_path, tuples=True) as conn:
        hits = conn.execute(
            "SELECT hits FROM rate_counters WHERE tenant_id = ? AND scope = 'submit'",
            (tenant.tenant_id,),
        ).fetchall()
    assert hits == [(3,)]
    # The stored key is a hash, never the address.
    with storage.connect(tenant.db_path, tuples=True) as conn:
        subjects = [r[0] for r in conn.execute("SELECT subject FROM rate_counters")]
    assert subjects and all("testclient" not in s for s in subjects)


def redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_available(), reason="no Redis on 127.0.0.1:6379")
def test_counts_are_shared_between_processes_through_redis(settings, make_tenant):
    tenant = make_tenant(f"r{uuid.uuid4().hex[:12]}")  # a fresh key space in a shared Redis
    config = replace(
        limited(settings, limit_submit_per_client=3), redis_url="redis://127.0.0.1:6379/0"
    )
    with (
        TestClient(create_app(config)) as first,
        TestClient(create_app(config)) as second,
    ):
        for i in range(2):
            assert first.post(tenant.form_path, json={"email": f"{i}@a.example"}).status_code == 201
        first.portal.call(first.app.state.limiter.flush)
        assert second.post(tenant.form_path, json={"email": "s@a.example"}).status_code == 201
        second.portal.call(second.app.state.limiter.flush)
        first.portal.call(first.app.state.limiter.flush)
        assert_rate_limited(first.post(tenant.form_path, json={"email": "f@a.example"}))
    with storage.connect(tenant.db_path, tuples=True) as conn:
        assert conn.execute("SELECT count(*) FROM rate_counters").fetchone() == (0,)

    import redis

    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    keys = client.keys(f"leadsource:rate:{tenant.tenant_id}:*")
    assert len(keys) == 1
    assert int(client.get(keys[0])) == 3
    assert 0 < client.ttl(keys[0]) <= 120
    client.delete(*keys)


def test_a_new_window_starts_a_new_count(tmp_path):
    async def run() -> None:
        writer = Writer(str(tmp_path / "w.db"))
        await writer.start()
        now = [1_000_040.0]  # 20 s into a window that starts at 1_000_020
        limiter = Limiter(
            replace(Settings(), **{**NO_LIMITS, "limit_collect_per_tenant": 2}),
            DatabaseCounters(writer),
            now=lambda: now[0],
        )
        limiter.hit("collect", "acme", "a")
        limiter.hit("collect", "acme", "b")
        with pytest.raises(RateLimited) as refused:
            limiter.hit("collect", "acme", "c")
        assert refused.value.retry_after == 40
        await limiter.flush()
        now[0] += 60
        limiter.hit("collect", "acme", "d")  # a new window
        await limiter.flush()
        assert limiter.stats.refused["collect"] == 1
        await writer.close()

    asyncio.run(run())


def test_sessions_per_visitor_per_day_are_bounded(settings, clock, make_tenant):
    tenant = make_tenant()
    config = replace(settings, sessions_per_visitor_per_day=5)
    with TestClient(create_app(config, clock=clock)) as client:
        for i in range(20):
            url = f"https://www.acme.example/?utm_source=s{i}"
            assert beacon(client, tenant, url).status_code == 204
        assert len(rows(tenant.db_path, "sessions")) == 5
        clock.advance(hours=25)
        assert (
            beacon(client, tenant, "https://www.acme.example/?utm_source=later").status_code == 204
        )
    assert len(rows(tenant.db_path, "sessions")) == 6


def test_default_bound_stops_a_thousand_campaigns_from_one_visitor(client, make_tenant):
    tenant = make_tenant()
    for i in range(200):
        beacon(client, tenant, f"https://www.acme.example/?utm_source=s{i}")
    assert len(rows(tenant.db_path, "sessions")) == Settings().sessions_per_visitor_per_day


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(settings: Settings) -> tuple[uvicorn.Server, threading.Thread, str]:
    port = free_port()
    options = {**server_options(settings), "log_config": None}
    server = uvicorn.Server(uvicorn.Config(create_app(settings), port=port, **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


def post_json(url: str, body: dict[str, str], forwarded_for: str) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": forwarded_for},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize(
    ("proxies", "statuses"), [((), [201, 201, 429]), (("127.0.0.1",), [201] * 3)]
)
def test_x_forwarded_for_counts_only_from_a_trusted_proxy(settings, make_tenant, proxies, statuses):
    """Real uvicorn: a client rotating X-Forwarded-For escapes no limit unless its peer is a
    configured proxy (uvicorn alone would believe loopback)."""
    tenant = make_tenant()
    config = replace(
        limited(settings, limit_submit_per_client=2),
        base_url="http://127.0.0.1",
        trusted_proxies=proxies,
    )
    server, thread, url = serve(config)
    try:
        got = [
            post_json(url + tenant.form_path, {"email": f"{i}@a.example"}, f"192.0.2.{i}")
            for i in range(3)
        ]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert got == statuses
