"""Fixtures for the service tests: a real app per test on a fresh database, once on a SQLite
file and once on PostgreSQL (the ``backend`` parameter), so everything works on both.

PostgreSQL comes from ``LEADSOURCE_TEST_POSTGRES`` (a URL) or ``scripts/postgres`` (the server
on 127.0.0.1:5432, else a throwaway cluster); each test run gets its own database, emptied
before each test."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from ingest import storage
from ingest.app import create_app
from ingest.config import Settings
from ingest.domain import accounts
from ingest.storage import admin, search_index

BASE_URL = "http://testserver"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BACKENDS = ("sqlite", "postgres")


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of this test run's own on the test PostgreSQL server, migrated."""
    server = (
        os.environ.get("LEADSOURCE_TEST_POSTGRES")
        or subprocess.run(
            [os.path.join(ROOT, "scripts", "postgres"), "--owner-pid", str(os.getpid())],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    name = f"leadsource_test_{uuid.uuid4().hex[:12]}"
    with storage.connect(server) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = server.rsplit("/", 1)[0] + "/" + name
    with storage.connect(url) as conn:
        storage.migrate(conn)
    try:
        yield url
    finally:
        with storage.connect(server) as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def empty(url: str) -> None:
    """Every table of the PostgreSQL test database emptied, the migrations kept."""
    with storage.connect(url) as conn:
        names = [t for t in storage.tables(conn) if t != "schema_migrations"]
        conn.execute(f"TRUNCATE {', '.join(names)}")


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def db_url(backend: str, tmp_path, request) -> str:
    """A fresh database: a new SQLite file, or the emptied PostgreSQL test database."""
    if backend == "sqlite":
        return str(tmp_path / "leadsource.db")
    url = request.getfixturevalue("postgres_database")
    empty(url)
    return url


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(db_path=db_url, base_url=BASE_URL)


def within_one_rate_window(settings: Settings, seconds: float = 5) -> None:
    """Rate-limit windows follow the real clock: a test that counts a few requests up to a
    limit starts with at least ``seconds`` left in the current window, so its requests do not
    straddle two (one run in a few hundred did, and its last request was not refused)."""
    left = settings.rate_window - time.time() % settings.rate_window
    if left < seconds:
        time.sleep(left + 0.05)


def rows(db_url: str, sql: str, *params: object) -> list[dict[str, Any]]:
    """What a query finds in the test's database, each row a dict."""
    with storage.connect(db_url) as conn:
        return [dict(row) for row in conn.execute(sql, params).fetchall()]


def index_search(db_url: str, limit: int | None = None) -> None:
    """SQLite: what the service's indexer does in the background, now: everything, or one
    batch of ``limit`` persons."""
    if storage.dialect_of(db_url) != storage.SQLITE:
        return
    with storage.connect(db_url) as conn:
        if limit is None:
            search_index.catch_up(conn)
        else:
            storage.in_transaction(conn, lambda c: search_index.index_batch(c, limit))


def integrity_check(db_url: str) -> None:
    """SQLite: the index holds exactly the persons' texts (once it has caught up)."""
    if storage.dialect_of(db_url) == storage.SQLITE:
        with storage.connect(db_url) as conn:
            conn.execute(
                "INSERT INTO person_search (person_search, rank) VALUES ('integrity-check', 1)"
            )


def count(db_url: str, table: str) -> int:
    with storage.connect(db_url) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


class Clock:
    """The app's clock, moved by the test instead of sleeping."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))


@pytest.fixture
def client(settings: Settings, clock: Clock) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=clock)) as test_client:
        yield test_client


@dataclass
class Tenant:
    tenant_id: str
    api_key: str
    form_id: str
    db_path: str

    @property
    def form_path(self) -> str:
        return f"/t/{self.tenant_id}/forms/{self.form_id}"

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


@pytest.fixture
def make_tenant(settings: Settings):
    """Create a tenant with one form, committed to the test's database file."""

    def make(
        tenant_id: str = "acme",
        *,
        origins: tuple[str, ...] = (),
        utm_transfer: bool = True,
        published: bool = True,
        thank_you: str | None = "https://acme.example/thanks",
        custom_fields: list[dict[str, Any]] | None = None,
        script_options: tuple[str, ...] = (),
    ) -> Tenant:
        def work(conn: Any) -> tuple[str, str]:
            api_key = admin.create_tenant(
                conn, tenant_id, list(origins), utm_transfer, options=script_options
            )
            form = admin.create_form(
                conn,
                tenant_id,
                name="Contact us",
                thank_you_url=thank_you,
                published=published,
                custom_fields=custom_fields or [],
            )
            return api_key, form.form_id

        api_key, form_id = storage.transaction(settings.db_path, work)
        return Tenant(tenant_id, api_key, form_id, settings.db_path)

    return make


def touch_json(source: str, medium: str, campaign: str, **extra: str) -> str:
    """A touch as utm.js puts it in its hidden fields."""
    data = {
        "utm_source": source,
        "utm_medium": medium,
        "utm_campaign": campaign,
        "landing_page": f"https://acme.example/?utm_source={source}",
        "referrer": "",
        "at": "2026-11-01T10:00:00.000Z",
        **extra,
    }
    return json.dumps(data)


def person(client: TestClient, tenant: Tenant, email: str) -> dict[str, Any]:
    response = client.get("/api/v1/persons", params={"email": email}, headers=tenant.auth)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert len(items) == 1, items
    return items[0]


def source_of(touch: dict[str, Any] | None) -> tuple[str, str, str | None] | None:
    if touch is None:
        return None
    return touch["source"], touch["medium"], touch["campaign"]


# -- the app's accounts -----------------------------------------------------------------

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch):
    """Argon2 with the least work it allows: the tests check what is hashed and verified,
    not how slowly (a real hash costs about 0.15 s of a core)."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(
        accounts, "hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


@pytest.fixture
def make_user(settings: Settings):
    """A user of the app with a role in one or more tenants (created as needed)."""

    def make(email: str, *memberships: tuple[str, str], password: str = PASSWORD) -> str:
        def work(conn: Any) -> str:
            known = {row[0] for row in conn.execute("SELECT tenant_id FROM tenants").fetchall()}
            for tenant_id, _ in memberships:
                if tenant_id not in known:
                    admin.create_tenant(conn, tenant_id, [], True)
                    known.add(tenant_id)
            (tenant_id, role), *others = memberships
            account, _ = accounts.create(conn, email, tenant_id, role, password)
            for tenant_id, role in others:
                accounts.update(conn, email, tenant_id=tenant_id, role_name=role)
            return account.user_id

        return storage.transaction(settings.db_path, work)

    return make


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no csrf_token in the page"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD, **extra: str):
    """Sign in through the form, as a browser does; returns the answer (a 303 when it
    worked)."""
    token = csrf_of(client.get("/app/login").text)
    return client.post(
        "/app/login",
        data={"email": email, "password": password, "csrf_token": token, **extra},
        follow_redirects=False,
    )
