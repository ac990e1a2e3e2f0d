"""Fixtures for the service tests: a fresh SQLite file and a real app per test."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from ingest import admin
from ingest.app import create_app
from ingest.cli import in_transaction
from ingest.config import Settings

BASE_URL = "http://testserver"


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(db_path=str(tmp_path / "leadsource.db"), base_url=BASE_URL)


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
        def work(conn: sqlite3.Connection) -> tuple[str, str]:
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

        api_key, form_id = in_transaction(settings.db_path, work)
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
