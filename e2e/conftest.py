"""Browser tests: the real service (a subprocess on a free port, real SQLite file), customer
sites served on a second port (a different origin, as on the web), and Debian's Chromium
driven by Playwright."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from ingest.ops.site import create_site_app
from tests.servers import free_port, serving

from .hostile import hostile  # noqa: F401  (the security suites' fixture)

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("LEADSOURCE_CHROMIUM", "/usr/bin/chromium")
# Chromium's background services try to reach Google; this machine has no such network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Any *.test host is this machine, so pages can be served as www.site.test and
    # shop.site.test (cookies shared on the registrable domain) or other.test (another site).
    "--host-resolver-rules=MAP *.test 127.0.0.1",
]
# Playwright's Chromium announces automation (navigator.webdriver), and utm.js stores nothing
# for automated browsers; the tests' browser does not announce it, as a visitor's does not.
VISITOR_ARGS = [*CHROMIUM_ARGS, "--disable-blink-features=AutomationControlled"]
# The optional parts of utm.js (a tenant setting, ingest.tracker.SCRIPT_OPTIONS). The tracker
# suite runs in the variant with every part but consent mode (which holds all storage until
# the page calls Leadsource.consent); a tenant made without options gets the default script.
EVERYTHING = ("pageviews", "consent", "inputs", "crossdomain", "api")
FULL = tuple(option for option in EVERYTHING if option != "consent")


@dataclass
class Service:
    url: str
    db_path: Path

    def cli(self, *args: str) -> dict[str, Any]:
        """Run a `leadsource` admin command against the service's database; parse its JSON."""
        result = subprocess.run(
            [sys.executable, "-m", "ingest", *args, "--db", str(self.db_path)],
            capture_output=True,
            text=True,
            env={**os.environ, "LEADSOURCE_BASE_URL": self.url},
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def persons(self, api_key: str, email: str) -> list[dict[str, Any]]:
        request = urllib.request.Request(
            f"{self.url}/api/v1/persons?email={urllib.request.quote(email)}",
            headers={"Authorization": f"Bearer {api_key}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())["items"]

    def person(self, api_key: str, email: str) -> dict[str, Any]:
        items = self.persons(api_key, email)
        assert len(items) == 1, items
        return items[0]


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    directory = tmp_path_factory.mktemp("service")
    db_path = directory / "leadsource.db"
    # The service's log goes to a file: a pipe nobody reads fills up (64 KB of access log
    # lines) and then blocks the service.
    log_path = directory / "service.log"
    with serving(str(db_path), log=log_path) as url:
        yield Service(url, db_path)


@dataclass
class Site:
    """A customer's website. Tests set ``context`` (script tag, embed snippet) per tenant."""

    url: str
    port: int
    context: dict[str, Any] = field(default_factory=dict)

    def at(self, host: str) -> str:
        """The site under another name, e.g. ``www.site.test``: same server, other origin."""
        return f"http://{host}:{self.port}"


def _serve_site(directory: Path) -> Iterator[Site]:
    port = free_port()
    site = Site(f"http://127.0.0.1:{port}", port)
    server = uvicorn.Server(
        uvicorn.Config(
            create_site_app(directory, site.context),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the site server did not start"
        time.sleep(0.05)
    try:
        yield site
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def demo_site() -> Iterator[Site]:
    yield from _serve_site(ROOT / "demo_site")


@pytest.fixture(scope="session")
def pages_site() -> Iterator[Site]:
    yield from _serve_site(ROOT / "e2e" / "pages")


@dataclass
class Tenant:
    tenant_id: str
    api_key: str
    form: dict[str, Any]


@pytest.fixture
def make_tenant(service: Service):
    """Create a tenant and a published form through the CLI, and point a site at them."""

    def make(
        site: Site,
        *,
        utm_transfer: str = "on",
        thank_you: str | None = None,
        any_origin: bool = False,
        script_options: tuple[str, ...] = (),
    ) -> Tenant:
        tenant_id = "t" + uuid.uuid4().hex[:12]
        origins = [] if any_origin else ["--origin", site.url]
        created = service.cli(
            "tenant",
            "create",
            tenant_id,
            *origins,
            "--utm-transfer",
            utm_transfer,
            "--script-options",
            ",".join(script_options) or "none",
        )
        assert created["script_options"] == list(script_options)
        args = ["form", "create", tenant_id, "--name", "Contact us", "--publish"]
        args += ["--thank-you", thank_you or f"{site.url}/thanks.html"]
        form = service.cli(*args)
        site.context.clear()
        script_src = f"{service.url}/t/{tenant_id}/utm.js"
        site.context.update(
            # The snippet exactly as printed.
            script_tag=form["script_tag"],
            script_src=script_src,
            attrs="",
            embed_html=form["embed_html"],
            hosted_url=form["hosted_url"],
            form_action=form["hosted_url"],
            ingest_url=service.url,
            port=site.port,
        )
        return Tenant(tenant_id, created["api_key"], form)

    return make


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}; run scripts/setup --browser")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    """A visitor's browser: navigator.webdriver is false."""
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=VISITOR_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def bot_browser(playwright_instance: Playwright) -> Iterator[Browser]:
    """A browser that announces automation (navigator.webdriver is true), as crawlers and
    test tools do."""
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@dataclass
class Watch:
    """Everything a page did that a visitor should never see: script errors and dialogs."""

    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def context(browser: Browser, watch: Watch) -> Iterator[BrowserContext]:
    """A fresh browser profile: one visitor. Its pages are watched for errors and dialogs."""
    ctx = browser.new_context()

    def on_page(page: Page) -> None:
        page.on("pageerror", lambda exc: watch.errors.append(str(exc)))

        def on_dialog(dialog: Any) -> None:
            watch.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)

    ctx.on("page", on_page)
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()
    assert watch.errors == [], f"script errors on the page: {watch.errors}"
    assert watch.dialogs == [], f"dialogs opened (script ran?): {watch.dialogs}"


# -- reading what utm.js knows, from inside a page ----------------------------------------


def touches(page: Page) -> dict[str, Any]:
    return page.evaluate("Leadsource.touches()")


def fields(page: Page) -> dict[str, Any]:
    """The fields utm.js would add to a form (through the API), with the touches parsed into
    the dict shape (see ``_state``)."""
    raw = page.evaluate("Leadsource.fill()")
    return parse_fields(raw)


# The hidden fields utm.js adds to our forms in a build with page views (FULL), sorted.
HIDDEN_FIELDS = [
    *("ls_first_touch", "ls_latest_touch", "ls_submission_id", "ls_touches", "ls_visitor_id")
]


def parse_fields(raw: dict[str, str]) -> dict[str, Any]:
    """utm.js's hidden fields with their touches (arrays in the storage format) as dicts."""
    parsed: dict[str, Any] = {"ls_submission_id": raw["ls_submission_id"]}
    for name in ("ls_first_touch", "ls_latest_touch"):
        parsed[name] = _touch(json.loads(raw[name]))
    parsed["ls_touches"] = [_touch(touch) for touch in json.loads(raw["ls_touches"])]
    return parsed


# utm.js stores [touches, visitor id, latest page view, cookie domain], each touch an array in
# this order (null where empty, the time in ms); the helpers give the old dict shape, which
# reads better in tests: {"h": [touch dicts], "v": ..., "s": ..., "d": ...}.
TOUCH_SLOTS = (
    *("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "utm_id"),
    *("gclid", "gbraid", "wbraid", "dclid", "msclkid", "fbclid", "li_fat_id", "ttclid"),
    *("twclid", "epik", "rdt_cid", "sccid", "yclid", "referrer", "landing_page", "at"),
)


def _touch(slots: list[Any] | None) -> dict[str, Any] | None:
    if slots is None:
        return None
    return {k: v for k, v in zip(TOUCH_SLOTS, slots, strict=True) if v is not None}


def _state(raw: str) -> dict[str, Any]:
    touches, visitor, seen, domain = json.loads(raw)
    return {
        "h": [_touch(touch) for touch in touches if touch is not None],
        "v": visitor,
        "s": seen,
        "d": domain,
    }


def stored(page: Page) -> dict[str, Any] | None:
    raw = page.evaluate("localStorage.getItem('leadsource')")
    return None if raw is None else _state(raw)


def stored_cookie(context: BrowserContext) -> dict[str, Any] | None:
    for cookie in context.cookies():
        if cookie["name"] == "leadsource" and cookie["value"]:
            return _state(urllib.parse.unquote(cookie["value"]))
    return None


def send_page_form(page: Page, email: str) -> None:
    """Fill the page's form with an email address, send it and wait for the thank-you page."""
    page.fill("input[name=email]", email)
    page.click("form button[type=submit]")
    page.wait_for_selector("#page-thanks")


def send_by_script(page: Page, button: str) -> tuple[str, str]:
    """Click a button of a page that sends its form by script and writes the answer's
    "<status> <submission id>" into #result; wait for it and return the two."""
    page.evaluate("document.getElementById('result').textContent = ''")
    page.click(button)
    page.wait_for_function("document.getElementById('result').textContent !== ''")
    status, submission_id = page.inner_text("#result").split(" ")
    return status, submission_id


def open_unfinished(page: Page, url: str, ready: str) -> None:
    """Open a page whose parsing stops at ``<script src="/never.js">`` (never answered), so
    DOMContentLoaded never comes; return once ``ready`` (a JS expression) is true."""
    page.route("**/never.js", lambda route: None)
    page.goto(url, wait_until="commit")
    page.wait_for_function(ready, polling=100)  # no animation frames while parsing waits


# localStorage throws, as with some privacy settings: the cookie must carry everything.
NO_LOCAL_STORAGE = """
Object.defineProperty(window, 'localStorage', {
  configurable: true,
  get: function () { throw new DOMException('denied', 'SecurityError'); }
});
"""
