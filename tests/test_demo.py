"""`leadsource demo` on both engines, without a browser (`e2e/test_demo.py` walks the demo
in Chromium): it starts, its printed links and key work, and on PostgreSQL a second run
takes a new tenant and leaves the first one's data alone."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from ingest import storage

from .conftest import ROOT, touch_json


@dataclass
class Demo:
    banner: str
    tenant: str
    ingest: str
    site: str
    api_key: str
    form_url: str

    def submit(self, email: str) -> None:
        body = {
            "email": email,
            "ls_first_touch": touch_json("linkedin", "paid_social", "webinar_sept"),
            "ls_latest_touch": touch_json("facebook", "paid_social", "retargeting"),
        }
        request = urllib.request.Request(
            self.form_url,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Origin": self.site},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 201

    def persons(self, email: str, api_key: str | None = None) -> list[dict[str, Any]]:
        request = urllib.request.Request(
            f"{self.ingest}/api/v1/persons?email={email}",
            headers={"Authorization": f"Bearer {api_key or self.api_key}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())["items"]


def where(backend: str, db_url: str) -> list[str]:
    return ["--postgres", db_url] if backend == "postgres" else ["--db", db_url]


@contextmanager
def demo(*args: str) -> Iterator[Demo]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "ingest", "demo", "--port", "0", "--site-port", "0", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        banner = ""
        while "Ctrl-C" not in banner:
            line = proc.stdout.readline()
            assert line, f"the demo stopped before its banner:\n{banner}"
            banner += line
        found = {
            name: re.search(rf"{name}\s+(\S+)", banner).group(1)
            for name in ("tenant", "ingest", "website", "database")
        }
        ingest = found["ingest"]
        form_url = re.search(rf"({re.escape(ingest)}/t/\S+/forms/\w+)\?", banner).group(1)
        api_key = re.search(r"Bearer (ls_[\w-]+)", banner).group(1)
        _wait(ingest)
        yield Demo(banner, found["tenant"], ingest, found["website"], api_key, form_url)
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _wait(url: str) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):
                return
        except (urllib.error.URLError, ConnectionError):
            assert time.monotonic() < deadline, "the demo's service did not answer"
            time.sleep(0.1)


def test_the_demo_runs_and_its_printed_key_reads_the_lead(backend, db_url):
    with demo(*where(backend, db_url)) as running:
        assert running.tenant == "demo"
        with urllib.request.urlopen(f"{running.site}/contact.html", timeout=10) as response:
            page = response.read().decode()
        assert f"{running.ingest}/t/demo/utm.js" in page
        running.submit("newcomer@example.com")
        (card,) = running.persons("newcomer@example.com")
    assert card["first_touch"]["source"] == "linkedin"
    assert card["lead_creation"]["source"] == "facebook"


def test_the_demo_prints_an_account_for_the_app_and_fills_the_tenant(tmp_path):
    with demo("--db", str(tmp_path / "demo.db")) as running:
        email, password = re.search(r"app\s+\S+\s+(\S+) / (\S+)", running.banner).groups()
        # Generated history: a few hundred persons, from several channels.
        request = urllib.request.Request(
            f"{running.ingest}/api/v1/persons?limit=200",
            headers={"Authorization": f"Bearer {running.api_key}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            items = json.loads(response.read())["items"]
        # The printed account signs in (the sign-in form needs its CSRF token first).
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with opener.open(f"{running.ingest}/app/login", timeout=10) as response:
            token = re.search(r'name="csrf_token" value="([^"]+)"', response.read().decode())
        body = urllib.parse.urlencode(
            {"email": email, "password": password, "csrf_token": token.group(1)}
        ).encode()
        with opener.open(f"{running.ingest}/app/login", data=body, timeout=10) as response:
            home = response.geturl()
        # Named campaigns with what they brought, and leads by chat on the Marketing tiles.
        with opener.open(f"{running.ingest}/app/demo/campaigns", timeout=10) as response:
            campaigns = response.read().decode()
        request = urllib.request.Request(
            f"{running.ingest}/api/v1/reports/new_leads?by=via",
            headers={"Authorization": f"Bearer {running.api_key}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            by_via = response.read().decode()
    for name in ("Brand 2026", "Spring sale", "Webinars and events"):
        assert name in campaigns
    assert '"chat"' in by_via, by_via
    assert email == "admin@demo.example" and len(password) >= 12
    assert home.endswith("/app/demo/")
    assert len(items) == 200
    channels = {item["first_touch"]["channel"] for item in items if item["first_touch"]}
    assert len(channels) >= 4, channels


@pytest.mark.parametrize("backend", ["postgres"])
def test_a_second_demo_on_postgres_takes_a_new_tenant_and_keeps_the_first(backend, db_url):
    with demo("--postgres", db_url) as first:
        first.submit("first@example.com")
    with demo("--postgres", db_url) as second:
        assert second.tenant == "demo-2"
        assert "/t/demo-2/forms/" in second.form_url
        assert second.persons("first@example.com") == []
        (card,) = second.persons("first@example.com", api_key=first.api_key)
        assert card["lead_creation"]["source"] == "facebook"
    with storage.connect(db_url, tuples=True) as conn:
        tenants = conn.execute("SELECT tenant_id FROM tenants ORDER BY tenant_id").fetchall()
    assert tenants == [("demo",), ("demo-2",)]


def test_the_printed_postgres_url_hides_its_password(postgres_database):
    url = postgres_database.replace("postgres@", "postgres:not-needed@", 1)
    with demo("--postgres", url) as running:
        assert "not-needed" not in running.banner
        assert "postgres:***@" in running.banner


def test_an_existing_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "demo.db"
    path.write_bytes(b"")
    result = subprocess.run(
        [sys.executable, "-m", "ingest", "demo", "--db", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "exists; the demo wants a fresh file" in result.stderr


@pytest.mark.parametrize("value", ["demo.db", "sqlite:///demo.db", "http://pg.example/x"])
def test_postgres_takes_only_a_postgresql_url(value, capsys):
    from ingest.ops.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--postgres", value])
    assert exit_info.value.code == 2
    assert "give a postgresql://user@host/database URL" in capsys.readouterr().err
