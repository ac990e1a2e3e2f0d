"""``scripts/bench app``: the marketer's app at scale, timed through HTTP against a real
``leadsource serve`` on one tenant's SQLite file (N generated persons, about 3N submissions).

    scripts/bench app [--persons 1000000] [--db /work/bench-1m.db] [--keep]

The file is made by ``leadsource generate`` (``--submissions-per-person 3``), or reused as it
is when it already holds the tenant. A user signs in through the sign-in form, then every case
is requested 2 times to warm up and 20 times timed, one after another on one keep-alive
connection: the persons list's first page without a filter; with each filter the code offers
(``PERSON_FILTERS``: a common and a rare value taken from the data, and one no person has),
the form, a week of creation dates, free text; in each sort, both directions
(``PERSON_SORTS``); the second page; 20 person cards; the live view; the forms list; the
companies list in each sort and a company card; the CSV's first chunk; leads and deals (the
board, the persons list by lead status, a saved selection, the deals list, the pipeline). The
verdict is the median against the issues' 100 ms.
"""

from __future__ import annotations

import html
import http.client
import math
import os
import random
import re
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest import storage  # noqa: E402
from ingest.domain import accounts  # noqa: E402
from ingest.domain.channels import CHANNELS  # noqa: E402
from ingest.ops.generate import generate  # noqa: E402
from ingest.storage import admin, selections  # noqa: E402
from ingest.storage.people import COMPANY_SORTS, PERSON_FILTERS, PERSON_SORTS  # noqa: E402
from ingest.storage.reads import StoreError  # noqa: E402
from tests.servers import serving  # noqa: E402

TENANT = "bench"
SEED = 1
PER_PERSON = 3.0
BUDGET_MS = 100
WARMUPS = 2
TIMED = 20
SAMPLE = 3000  # persons read to choose realistic filter values, words and cards
USER = "bench@example.com"
NONE = "none-such"


# -- the data --------------------------------------------------------------------------------


def prepare(db: str, persons: int) -> bool:
    """The tenant's data in ``db``: reused when the file holds the tenant, else generated.
    Returns whether this run generated it."""
    started = time.perf_counter()
    with storage.migrated(db) as conn:
        if (seconds := time.perf_counter() - started) > 1:
            print(f"migrated {db} in {seconds:.0f} s")
        try:
            admin.get_tenant(conn, TENANT)
        except StoreError:
            storage.in_transaction(conn, lambda c: admin.create_tenant(c, TENANT, [], True))
        else:
            print(f"reusing {db}: it holds tenant {TENANT!r}")
            return False
    print(f"generating {persons:,} persons, about {PER_PERSON:g} submissions each, into {db}")
    result = generate(db, TENANT, persons, seed=SEED, submissions_per_person=PER_PERSON)
    print(
        f"  {result['persons']:,} persons, {result['submissions']:,} submissions,"
        f" {result['pageviews']:,} page views in {result['seconds']:,.0f} s:"
        f" {result['persons_per_second']:,} persons/s, {result['submissions_per_second']:,}"
        " submissions/s"
    )
    return True


@dataclass
class Sample:
    """What the cases ask for, taken from a random sample of the tenant's persons."""

    persons: int
    submissions: int
    rows: list[dict[str, Any]]
    form_id: str
    company_names: dict[str, str]

    def values(self, column: str) -> Counter[str]:
        return Counter(r[column] for r in self.rows if r[column])


def sample(db: str) -> Sample:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:

        def one(sql: str) -> Any:
            return conn.execute(sql, (TENANT,)).fetchone()[0]

        persons = one("SELECT COUNT(*) FROM persons WHERE tenant_id = ?")
        submissions = one("SELECT COUNT(*) FROM submissions WHERE tenant_id = ?")
        top = one("SELECT MAX(rowid) FROM persons WHERE tenant_id = ?")
        rowids = random.Random(SEED).sample(range(1, top + 1), min(SAMPLE, top))
        rows = [
            dict(r)
            for r in conn.execute(
                f"SELECT * FROM persons WHERE tenant_id = ? AND rowid IN"
                f" ({','.join('?' * len(rowids))})",
                (TENANT, *rowids),
            )
        ]
        form_id = one("SELECT form_id FROM forms WHERE tenant_id = ? ORDER BY created_at")
        ids = sorted({r["company_id"] for r in rows if r["company_id"]})
        names = dict(
            conn.execute(
                f"SELECT company_id, name FROM companies WHERE tenant_id = ? AND company_id IN"
                f" ({','.join('?' * len(ids))})",
                (TENANT, *ids),
            ).fetchall()
        )
    finally:
        conn.close()
    return Sample(persons, submissions, rows, form_id, names)


# -- the browser -----------------------------------------------------------------------------


class Browser:
    """One keep-alive connection with cookies: what a signed-in marketer's browser sends."""

    def __init__(self, base: str) -> None:
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.cookies: dict[str, str] = {}
        self.conn = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=300)

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {**({"Cookie": cookie} if cookie else {}), **(extra or {})}

    def _keep(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str, str]:
        """(status, Location, body)"""
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        self.conn.request(method, path, body=body, headers=self._headers(headers))
        response = self.conn.getresponse()
        data = response.read()
        self._keep(response)
        return response.status, response.getheader("Location", ""), data.decode()

    def get(self, path: str) -> str:
        status, _, body = self.request("GET", path)
        if status != 200:
            raise SystemExit(f"GET {path}: {status}\n{body[:2000]}")
        return body

    def first_chunk(self, path: str) -> None:
        """Until the first bytes of the body; then the connection is dropped, as a browser
        that cancels a download would."""
        conn = self._connect()
        try:
            conn.request("GET", path, headers=self._headers())
            response = conn.getresponse()
            if response.status != 200 or not response.read1(1):
                raise SystemExit(f"GET {path}: {response.status}")
        finally:
            conn.close()

    def sign_in(self, email: str, password: str) -> None:
        found = re.search(r'name="csrf_token" value="([^"]+)"', self.get("/app/login"))
        if not found:
            raise SystemExit("no csrf_token on the sign-in page")
        form = {"email": email, "password": password, "csrf_token": html.unescape(found[1])}
        status, location, body = self.request("POST", "/app/login", urllib.parse.urlencode(form))
        if status != 303:
            raise SystemExit(f"sign-in failed: {status}\n{body[:2000]}")


def make_user(db: str) -> str:
    password = secrets.token_urlsafe(16)

    def work(conn: Any) -> None:
        try:
            accounts.create(conn, USER, TENANT, "admin", password)
        except StoreError:  # an earlier run's user
            accounts.update(conn, USER, tenant_id=TENANT, role_name="admin", password=password)

    storage.transaction(db, work)
    return password


# -- the cases -------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    paths: list[str]  # WARMUPS + TIMED of them, cycled when fewer
    fetch: str = "page"  # or "first_chunk"


def _persons(**params: str) -> str:
    query = urllib.parse.urlencode(params)
    return f"/app/{TENANT}/persons" + (f"?{query}" if query else "")


def cases(data: Sample, browser: Browser) -> list[Case]:
    found = [Case("persons, first page, no filter", [_persons()])]
    for name, column in PERSON_FILTERS.items():
        values = data.values(column).most_common()
        if not values:
            found.append(Case(f"filter {name} (none in the sample: '')", [_persons()]))
            continue
        common, rare = values[0][0], values[-1][0]
        found.append(Case(f"filter {name}={common} (common)", [_persons(**{name: common})]))
        if rare != common:
            found.append(Case(f"filter {name}={rare} (rare)", [_persons(**{name: rare})]))
        # A value of no one (a campaign not yet run): the whole tenant, if scanned for it. A
        # channel is one of GA4's names: the first no sampled person has.
        nobody = NONE
        if name.endswith("_channel"):
            nobody = next((c for c in CHANNELS if c not in dict(values)), "")
        if nobody:
            found.append(Case(f"filter {name}={nobody} (no person)", [_persons(**{name: nobody})]))
    found.append(Case("filter form (the tenant's form)", [_persons(form=data.form_id)]))
    days = sorted(r["created_at"][:10] for r in data.rows)
    end = date.fromisoformat(days[len(days) // 2])
    start = (end - timedelta(days=6)).isoformat()
    found.append(
        Case(
            f"created {start} to {end} (a week)",
            [_persons(created_from=start, created_to=end.isoformat())],
        )
    )
    first_name = Counter(r["first_name"] for r in data.rows if r["first_name"]).most_common(1)
    word = first_name[0][0].lower() if first_name else "a"
    company = sorted(data.company_names.values())[len(data.company_names) // 2].lower()
    fragment = ".".join(data.rows[0]["email"].split(".")[:2])
    found.append(Case(f"q={word} (a common word)", [_persons(q=word)]))
    found.append(Case(f"q={company} (a rare word)", [_persons(q=company)]))
    found.append(Case(f"q={fragment} (an email fragment)", [_persons(q=fragment)]))
    for sort in PERSON_SORTS:
        for spelled in (sort, f"-{sort}"):
            found.append(Case(f"sort {spelled}", [_persons(sort=spelled)]))
    cursor = re.search(r'href="[^"]*[?&;]cursor=([^"&]+)', browser.get(_persons()))
    if cursor:
        second = html.unescape(urllib.parse.unquote(cursor[1]))
        found.append(Case("persons, second page (cursor)", [_persons(cursor=second)]))
    cards = [f"/app/{TENANT}/persons/{r['person_id']}" for r in data.rows[: WARMUPS + TIMED]]
    found.append(Case(f"person card ({TIMED} different persons)", cards))
    found.append(Case("live view", [f"/app/{TENANT}/live"]))
    found.append(Case("forms list (7- and 30-day counts)", [f"/app/{TENANT}/forms"]))
    for sort in COMPANY_SORTS:
        for spelled in (sort, f"-{sort}"):
            path = f"/app/{TENANT}/companies?sort={urllib.parse.quote(spelled)}"
            found.append(Case(f"companies, sort {spelled}", [path]))
    biggest = Counter(r["company_id"] for r in data.rows if r["company_id"]).most_common(1)
    if biggest:
        path = f"/app/{TENANT}/companies/{biggest[0][0]}"
        found.append(Case("company card (most persons)", [path]))
    found.append(
        Case("persons CSV, first chunk", [f"/app/{TENANT}/persons.csv"], fetch="first_chunk")
    )
    return found


def lead_cases(data: Sample, db: str) -> list[Case]:
    """Leads and deals: the board (every column's first page), by owner; a saved selection
    (the open leads of the most common lead-creation source) opened; the persons list by lead
    status and sorted by it; the deals list, the pipeline."""
    app = f"/app/{TENANT}"
    found = [
        Case("board (every column's first page)", [f"{app}/board"]),
        Case("board, owner nobody", [f"{app}/board?owner=none"]),
        Case("persons, lead_status=Open", [_persons(lead_status="Open")]),
        Case("persons, sort lead_status", [_persons(sort="lead_status")]),
        Case("persons, group by lead status", [_persons(group="lead_status")]),
        Case("deals list", [f"{app}/deals"]),
        Case("deals, won", [f"{app}/deals?status=won"]),
        Case("pipeline (every stage's open deals)", [f"{app}/pipeline"]),
    ]
    source = data.values("lc_source").most_common(1)
    query = {"lead_status": "Open", **({"lead_creation_source": source[0][0]} if source else {})}

    def work(conn: Any) -> str:
        for selection in selections.selections(conn, TENANT):
            if selection.name == "bench: open leads":
                return selection.selection_id
        return selections.create(
            conn, TENANT, kind="persons", name="bench: open leads", query=query,
            user_id=None, at="2026-01-01T00:00:00.000Z",
        )  # fmt: skip

    storage.transaction(db, work)
    # Opening a selection redirects to its list with the saved query: that list is timed.
    found.append(Case("a saved selection's first page", [_persons(**query)]))
    found.append(Case("the selections page (counts)", [f"{app}/selections"]))
    return found


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def run_case(browser: Browser, case: Case) -> list[float]:
    fetch: Callable[[str], Any] = browser.get
    if case.fetch == "first_chunk":
        fetch = browser.first_chunk
    times = []
    for n in range(WARMUPS + TIMED):
        path = case.paths[n % len(case.paths)]
        started = time.perf_counter()
        fetch(path)
        if n >= WARMUPS:
            times.append((time.perf_counter() - started) * 1000)
    return times


# -- the run ---------------------------------------------------------------------------------


def bench_app(persons: int, db: str | None, keep: bool, *, only: str = "") -> None:
    tmp = None
    if db is None:
        tmp = tempfile.mkdtemp(prefix="leadsource-bench-app-")
        db = f"{tmp}/app.db"
    made = prepare(db, persons)
    data = sample(db)
    size = sum(os.path.getsize(p) for p in (db, f"{db}-wal") if os.path.exists(p))
    print(
        f"tenant {TENANT!r}: {data.persons:,} persons, {data.submissions:,} submissions"
        f" ({data.submissions / max(data.persons, 1):.2f} a person), {size / 1e9:.1f} GB"
    )
    password = make_user(db)
    log = Path(tempfile.mkstemp(prefix="leadsource-bench-app-", suffix=".log")[1])
    results: list[tuple[str, list[float]]] = []
    try:
        with serving(db, log=log) as base:
            browser = Browser(base)
            browser.sign_in(USER, password)
            for case in cases(data, browser) + lead_cases(data, db):
                if not any(part in case.name for part in only.split(",")):
                    continue
                times = run_case(browser, case)
                results.append((case.name, times))
                print(f"  {case.name}: {statistics.median(times):.1f} ms", flush=True)
    finally:
        log.unlink(missing_ok=True)
        if made and not keep:
            for path in (db, f"{db}-wal", f"{db}-shm"):
                Path(path).unlink(missing_ok=True)
            if tmp:
                os.rmdir(tmp)
        elif made:
            print(f"kept {db}")
    print(
        f"\nscripts/bench app: {data.persons:,} persons, {data.submissions:,} submissions,"
        f" SQLite; median and p95 of {TIMED} requests through HTTP after {WARMUPS} warm-ups\n"
    )
    print_table(results)


def print_table(
    results: list[tuple[str, list[float]]],
    budget: int = BUDGET_MS,
    verdict_of: Callable[[str, float], str] | None = None,
) -> None:
    """The cases as a Markdown table: median, p95 and the verdict against the budget (or
    ``verdict_of(name, median)``, for benches whose cases have budgets of their own)."""
    width = max(len(name) for name, _ in results)
    print(f"| {'case':{width}s} | median ms | p95 ms | verdict |")
    print(f"|{'-' * (width + 2)}|----------:|-------:|:--------|")
    for name, times in results:
        median = statistics.median(times)
        if verdict_of is not None:
            verdict = verdict_of(name, median)
        else:
            verdict = f"within {budget}" if median < budget else f"OVER {budget}"
        print(f"| {name:{width}s} | {median:9.1f} | {p95(times):6.1f} | {verdict:8s} |")
