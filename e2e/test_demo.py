"""`leadsource demo`, as a newcomer runs it: follow the printed links, send the form,
and read the person's sources with the printed API command; on a fresh SQLite file and on
PostgreSQL (`--postgres URL`)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request

import pytest
from playwright.sync_api import Browser

from tests.conftest import empty, postgres_database  # noqa: F401 (a fixture)


def read_until(proc: subprocess.Popen, marker: str, timeout: float = 30) -> str:
    assert proc.stdout is not None
    seen = ""
    deadline = time.monotonic() + timeout
    while marker not in seen:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"the demo stopped before printing {marker!r}:\n{seen}")
        seen += line
        assert time.monotonic() < deadline, f"the demo printed no {marker!r}:\n{seen}"
    return seen


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path) -> list[str]:
    if request.param == "sqlite":
        return ["--db", str(tmp_path / "demo.db")]
    url = request.getfixturevalue("postgres_database")
    empty(url)
    return ["--postgres", url]


def test_demo_journey(browser: Browser, database: list[str]) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "ingest", "demo", "--port", "0", "--site-port", "0", *database],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        banner = read_until(proc, "Ctrl-C")
        site = re.search(r"website\s+(http://\S+)", banner).group(1)
        ingest = re.search(r"ingest\s+(http://\S+)", banner).group(1)
        api_key = re.search(r"Bearer (ls_[\w-]+)", banner).group(1)
        linkedin, facebook = re.findall(rf"({re.escape(site)}/\?utm_source=\S+)", banner)

        context = browser.new_context()
        assert context.new_page().evaluate("navigator.webdriver") is False
        page = context.new_page()
        page.goto(linkedin)
        page.close()
        page = context.new_page()
        page.goto(facebook)
        page.click("#nav-contact")
        page.fill("input[name=email]", "newcomer@example.com")
        page.fill("input[name=company]", "Newcomer AS")
        page.click("form.leadsource-form button[type=submit]")
        page.wait_for_selector("#page-thanks")
        context.close()

        request = urllib.request.Request(
            f"{ingest}/api/v1/persons?email=newcomer@example.com",
            headers={"Authorization": f"Bearer {api_key}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            (card,) = json.loads(response.read())["items"]
        assert card["first_touch"]["source"] == "linkedin"
        assert card["lead_creation"]["source"] == "facebook"
        assert card["submissions"][0]["conversion"]["source"] == "facebook"
        assert card["company"]["source"]["source"] == "facebook"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
