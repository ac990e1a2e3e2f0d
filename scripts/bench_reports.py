"""``scripts/bench reports``: the dashboards and their reports at scale, timed through HTTP
against a real ``leadsource serve`` on one tenant (N generated persons, about 3N
submissions, a tenth of them with a deal) on SQLite, and on PostgreSQL with ``--postgres``.

    scripts/bench reports [--persons 100000] [--db /work/bench.db] [--keep]
                          [--postgres postgresql://postgres@127.0.0.1:5432/bench]

The SQLite file is made by ``leadsource generate`` as ``scripts/bench app`` makes it (or
reused when it holds the tenant); with ``--postgres`` the same tenant is generated into that
database too (or reused). A user signs in through the form; an API key is made. Each case
is requested 2 times to warm up and 20 times timed: every default tile's report through the
API (``/api/v1/reports/...``, the same function the tile's page runs), each default
dashboard's whole page (every tile on it), ``/api/v1/dashboards``. ``CASES`` lists the
reports: add a tuple to time another. Then the attribution report over a year (six
conversion, model and grouping choices) and the Campaigns pages (``bench_campaigns.py``'s
cases). The verdict is the median against the issue's budget: 100 ms a tile, 1 s an
attribution report, 300 ms a campaign page.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.parse
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import psycopg  # noqa: E402
from bench_app import BUDGET_MS, TENANT, TIMED, WARMUPS, Browser, prepare, print_table  # noqa: E402
from bench_campaigns import cases as campaign_cases  # noqa: E402
from bench_campaigns import the_campaign  # noqa: E402

from ingest import storage  # noqa: E402
from ingest.domain import accounts  # noqa: E402
from ingest.domain.reports.tiles import DEFAULTS  # noqa: E402
from ingest.storage import accounts as account_store  # noqa: E402
from ingest.storage import admin, api_keys  # noqa: E402
from ingest.storage.reads import StoreError  # noqa: E402
from tests.servers import serving  # noqa: E402

# (name, measure, parameters): the default tiles' reports, and any others worth timing.
CASES: list[tuple[str, str, dict[str, str]]] = [
    (f"{board}: {tile.title}", tile.measure, {
        **({"by": tile.grouping} if tile.grouping else {}),
        **tile.filters,
        **({"top": str(tile.top)} if tile.top != 10 else {}),
    })
    for board, tiles in DEFAULTS
    for tile in tiles
    if tile.measure
]  # fmt: skip
CASES += [
    ("extra: new leads by owner, 30 days", "new_leads", {"by": "owner", "period": "last_30_days"}),
    ("extra: new leads by category group", "new_leads", {"by": "category_group"}),
    ("extra: new deals by month", "new_deals", {"by": "month"}),
]  # fmt: skip
# Attribution over a year (issue 14: under 1 s each), from the kept rollups.
_YEAR = {
    "from": (date.today() - timedelta(days=364)).isoformat(),
    "to": date.today().isoformat(),
}
CASES += [
    (f"attribution: {conversion} {model} by {by}, a year", "attribution",
     {"conversion": conversion, "model": model, "by": by, **_YEAR})
    for conversion, model, by in (
        ("contact_create", "linear", "source"),
        ("contact_create", "first_touch", "campaign"),
        ("contact_create", "time_decay", "channel"),
        ("deal_create", "w_shaped", "source_medium"),
        ("revenue", "full_path", "campaign"),
        ("revenue", "u_shaped", "channel"),
    )
]  # fmt: skip
BUDGETS = {"attribution": 1000, "campaign": 300}  # by the case's first word; else BUDGET_MS


class KeyedBrowser(Browser):
    """The signed-in browser of ``bench_app``, with an API key for the API's cases."""

    key = ""

    def api(self, path: str) -> str:
        self.conn.request("GET", path, headers={"Authorization": f"Bearer {self.key}"})
        response = self.conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"GET {path}: {response.status}\n{body[:2000]!r}")
        return body.decode()


def make_user(db: str) -> str:
    """The bench's admin with a new password (made, or found first: on PostgreSQL a failed
    insert would end the transaction)."""
    password = secrets.token_urlsafe(16)

    def work(conn: Any) -> None:
        if account_store.user_by_email(conn, USER) is None:
            accounts.create(conn, USER, TENANT, "admin", password)
        else:
            accounts.update(conn, USER, tenant_id=TENANT, role_name="admin", password=password)

    storage.transaction(db, work)
    return password


def _key(db: str) -> str:
    return storage.transaction(db, lambda conn: api_keys.rotate_keys(conn, TENANT))


def time_it(fetch: Any, path: str) -> list[float]:
    times = []
    for n in range(WARMUPS + TIMED):
        started = time.perf_counter()
        fetch(path)
        if n >= WARMUPS:
            times.append((time.perf_counter() - started) * 1000)
    return times


def campaign_api_cases(campaign_id: str) -> list[tuple[str, str]]:
    """The campaign page's numbers through the API (overview, contacts and sessions by day,
    traffic by source): what a database of kept counts alone answers (``copy_kept``)."""
    path = f"/api/v1/campaigns/{urllib.parse.quote(campaign_id)}/performance"
    month = urllib.parse.urlencode({"from": "2026-10-01", "to": "2026-10-31"})
    return [
        ("campaign API, year to date, first touch", path),
        ("campaign API, last touch", f"{path}?touch=lead_creation"),
        ("campaign API, a month", f"{path}?{month}"),
        ("campaign API, last 30 days", f"{path}?period=last_30_days"),
    ]


def run(
    db: str, engine: str, *, reports_only: bool = False, campaign_id: str = ""
) -> list[tuple[str, list[float]]]:
    """Every case against ``db``; ``reports_only``: the reports' API cases alone (a database
    that holds the kept counts and not the persons, ``copy_kept``), and the campaign API's
    for ``campaign_id``."""
    password = make_user(db)
    key = _key(db)
    unowned: list[str] = []
    if not reports_only:
        campaign_id, unowned = the_campaign(db)
    log = Path(tempfile.mkstemp(prefix="leadsource-bench-reports-", suffix=".log")[1])
    results: list[tuple[str, list[float]]] = []
    try:
        with serving(db, log=log) as base:
            browser = KeyedBrowser(base)
            browser.key = key
            browser.sign_in(USER, password)
            listed = json.loads(browser.api("/api/v1/dashboards"))["items"]
            for name, measure, params in CASES:
                path = f"/api/v1/reports/{measure}?{urllib.parse.urlencode(params)}"
                times = time_it(browser.api, path)
                results.append((f"{engine} API {name}", times))
                print(f"  {engine} API {name}: {statistics.median(times):.1f} ms", flush=True)
            for name, path in campaign_api_cases(campaign_id) if campaign_id else []:
                times = time_it(browser.api, path)
                results.append((f"{engine} {name}", times))
                print(f"  {engine} {name}: {statistics.median(times):.1f} ms", flush=True)
            if reports_only:
                return results
            for dashboard in listed:
                path = f"/app/{TENANT}/dashboards/{urllib.parse.quote(dashboard['id'])}"
                times = time_it(browser.get, path)
                label = f"{engine} page {dashboard['name']} ({len(dashboard['tiles'])} tiles)"
                results.append((label, times))
                print(f"  {label}: {statistics.median(times):.1f} ms", flush=True)
            times = time_it(browser.api, "/api/v1/dashboards")
            results.append((f"{engine} API dashboards list", times))
            for case in campaign_cases(campaign_id, unowned):
                times = time_it(browser.get, case.paths[0])
                results.append((f"{engine} campaign {case.name}", times))
                print(f"  {engine} campaign {case.name}: {statistics.median(times):.1f} ms")
    finally:
        log.unlink(missing_ok=True)
    return results


USER = "bench@example.com"


# What the default tiles and the attribution report read: the kept counts and rollups, and
# the names of forms (the tenant's statuses and categories are made with it).
KEPT_TABLES = (
    "forms",
    "person_days",
    "deal_days",
    "attribution_rollups",
    "attribution_totals",
    # The campaign API's: the named campaigns, their values and the pages' kept counts.
    "campaigns",
    "campaign_values",
    "campaign_counts",
    "campaign_reach",
)


def copy_kept(db: str, url: str) -> str:
    """The tenant of the SQLite file ``db`` on the PostgreSQL database ``url`` with only
    ``KEPT_TABLES``' rows (made, or replaced): generating a million persons into PostgreSQL
    (about 10 a second here, each job its own commit) or copying them with migrate-data does
    not fit a session, and the default tiles read nothing else. Returns the rows copied."""
    with storage.migrated(url) as conn:
        try:
            admin.get_tenant(conn, TENANT)
        except StoreError:
            storage.in_transaction(conn, lambda c: admin.create_tenant(c, TENANT, [], True))
    source = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    copied = []
    with psycopg.connect(url) as pg:
        for table in KEPT_TABLES:
            columns = [r[1] for r in source.execute(f"PRAGMA table_info({table})")]
            names = ", ".join(columns)
            if table not in ("forms", "campaigns", "campaign_values"):
                pg.execute(f"DELETE FROM {table} WHERE tenant_id = %s", (TENANT,))
            rows = source.execute(f"SELECT {names} FROM {table} WHERE tenant_id = ?", (TENANT,))
            n = 0
            with pg.cursor() as cursor:
                while chunk := rows.fetchmany(5000):
                    cursor.executemany(
                        f"INSERT INTO {table} ({names}) VALUES"
                        f" ({', '.join('%s' for _ in columns)}) ON CONFLICT DO NOTHING",
                        chunk,
                    )
                    n += len(chunk)
            copied.append(f"{n:,} {table}")
        pg.commit()
        pg.autocommit = True
        pg.execute("VACUUM ANALYZE")
    return ", ".join(copied)


def bench_kept_postgres(db: str, url: str) -> None:
    """``scripts/bench reports --db FILE --postgres-kept URL``: the reports' API cases on
    PostgreSQL, over the kept counts of the SQLite file's tenant (``copy_kept``)."""
    campaign_id, _ = the_campaign(db)  # made in the SQLite file, copied with it
    print(f"copied to {url}: {copy_kept(db, url)}")
    results = run(url, "PostgreSQL", reports_only=True, campaign_id=campaign_id)
    print(f"\nscripts/bench reports on PostgreSQL over the kept counts of {db}; median and p95"
          f" of {TIMED} requests through HTTP after {WARMUPS} warm-ups\n")  # fmt: skip
    print_table(results, verdict_of=_verdict)


def bench_reports(persons: int, db: str | None, keep: bool, postgres: str = "") -> None:
    tmp = None
    if db is None:
        tmp = tempfile.mkdtemp(prefix="leadsource-bench-reports-")
        db = f"{tmp}/reports.db"
    made = prepare(db, persons)
    counts = _counts(db)
    print(f"tenant {TENANT!r} on SQLite: {counts}")
    results = run(db, "SQLite")
    if postgres:
        prepare(postgres, persons)
        print(f"tenant {TENANT!r} on PostgreSQL: {_counts(postgres)}")
        results += run(postgres, "PostgreSQL")
    if made and not keep:
        for path in (db, f"{db}-wal", f"{db}-shm"):
            Path(path).unlink(missing_ok=True)
    elif made:
        print(f"kept {db}")
    print(
        f"\nscripts/bench reports: {counts}; median and p95 of {TIMED} requests through HTTP"
        f" after {WARMUPS} warm-ups\n"
    )
    print_table(results, verdict_of=_verdict)


def _verdict(name: str, median: float) -> str:
    """A tile's budget is 100 ms, an attribution report's 1 s, a campaign page's 300 ms; a
    dashboard's whole page of tiles has none of its own."""
    if " page " in name and " campaign " not in name:
        return "page"
    words = name.split(" ")
    budget = BUDGETS.get(words[1], BUDGETS.get(words[2].rstrip(":"), BUDGET_MS))
    return f"within {budget}" if median < budget else f"OVER {budget}"


def _counts(db: str) -> str:
    def work(conn: Any) -> str:
        found = []
        for table in ("persons", "submissions", "deals"):
            (n,) = conn.execute(
                f"SELECT COUNT(*) FROM {table} WHERE tenant_id = ?", (TENANT,)
            ).fetchone()
            found.append(f"{int(n):,} {table}")
        return ", ".join(found)

    return storage.transaction(db, work)
