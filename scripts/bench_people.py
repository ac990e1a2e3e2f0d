"""The persons and companies lists at scale: first page of every sort (both directions) and of
some filters and searches, on one tenant with N generated persons in a SQLite file (rows
inserted directly with SQL, not through the submission job, with the copies the job writes:
``person_keys``; the search index follows by its triggers, as it does for real writes). A
measurement, not a test:

    .venv/bin/python scripts/bench_people.py [--persons 1000000] [--db /tmp/people.db]
        [--no-index]

The file is kept and reused when it already holds the tenant (delete it to regenerate); an
older file is migrated first, and the time that took is printed. ``--no-index`` answers
every search by the ordered scan (the search before its index), for comparison.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ingest.domain import person_keys  # noqa: E402
from ingest.domain.channels import channel  # noqa: E402
from ingest.storage import migrate, people, sqlite  # noqa: E402
from ingest.storage.people import (  # noqa: E402
    COMPANY_SORTS,
    PERSON_SORTS,
    CompanyQuery,
    PersonQuery,
    search_companies,
    search_persons,
)

TENANT = "bench"
SOURCES = [
    ("google", "cpc"),
    ("google", "organic"),
    ("facebook", "paid_social"),
    ("facebook", "social"),
    ("linkedin", "paid_social"),
    ("linkedin", "social"),
    ("newsletter", "email"),
    ("(direct)", "(none)"),
    ("bing", "organic"),
    ("partner.example", "referral"),
    ("partner-x", "affiliate"),
    ("youtube", "video"),
]
FIRST = [
    "Anna",
    "Bo",
    "Carl",
    "Dorte",
    "Erik",
    "Frida",
    "Gustav",
    "Hanne",
    "Ib",
    "Jens",
    "Karen",
    "Lars",
    "Mette",
    "Nils",
    "Ole",
    "Pia",
]
LAST = [
    "Hansen",
    "Jensen",
    "Nielsen",
    "Pedersen",
    "Olsen",
    "Berg",
    "Dahl",
    "Lund",
    "Holm",
    "Vik",
    "Strand",
    "Moe",
    "Haugen",
]


def generate(path: str, persons: int) -> None:
    conn = sqlite.connect(path, synchronous="OFF")
    t0 = time.perf_counter()
    applied = migrate(conn)
    if applied:
        print(f"migrations {applied} in {time.perf_counter() - t0:.1f} s", flush=True)
    if conn.execute("SELECT 1 FROM tenants WHERE tenant_id = ?", (TENANT,)).fetchone():
        conn.close()
        return
    rng = random.Random(1)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    campaigns = [f"campaign_{i:03d}" for i in range(300)]
    companies = [f"Company {i} AS" for i in range(persons // 10)]
    print(f"generating {persons:,} persons in {path} ...", flush=True)
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO tenants (tenant_id, api_key_hash, utm_transfer, created_at)"
        " VALUES (?, 'x', 1, '2024-01-01T00:00:00.000Z')",
        (TENANT,),
    )
    conn.execute(
        "INSERT INTO forms (tenant_id, form_id, name, created_at) VALUES (?, ?, ?, ?)",
        (TENANT, "form_main", "Main", "2024-01-01T00:00:00.000Z"),
    )
    conn.execute(
        "INSERT INTO forms (tenant_id, form_id, name, created_at) VALUES (?, ?, ?, ?)",
        (TENANT, "form_rare", "Rare", "2024-01-01T00:00:00.000Z"),
    )
    conn.executemany(
        "INSERT INTO companies (tenant_id, company_id, name, name_key, source_touch_id,"
        " created_at) VALUES (?, ?, ?, ?, NULL, ?)",
        (
            (TENANT, f"com_{i:08d}", name, name.casefold(), "2024-01-01T00:00:00.000Z")
            for i, name in enumerate(companies)
        ),
    )
    batch_p, batch_t, batch_s = [], [], []

    def flush() -> None:
        conn.executemany(
            "INSERT INTO touches (tenant_id, touch_id, source, medium, campaign, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            batch_t,
        )
        conn.executemany(
            "INSERT INTO persons (tenant_id, person_id, email, first_name, last_name,"
            " company_id, first_touch_id, lead_creation_touch_id, created_at, name_key,"
            " company_key, search_key, ft_source, ft_medium, ft_campaign, ft_channel,"
            " lc_source, lc_medium, lc_campaign, lc_channel)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch_p,
        )
        conn.executemany(
            "INSERT INTO submissions (tenant_id, submission_id, form_id, person_id, fields,"
            " submitted_at) VALUES (?, ?, ?, ?, '{}', ?)",
            batch_s,
        )
        batch_p.clear(), batch_t.clear(), batch_s.clear()

    for i in range(persons):
        # Creation times with ties: three persons share each minute.
        at = (start + timedelta(seconds=(i // 3) * 60)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first.lower()}.{last.lower()}.{i}@example{i % 97}.com"
        company_index = rng.randrange(len(companies)) if rng.random() < 0.7 else None
        company = companies[company_index] if company_index is not None else None
        ft = (*rng.choice(SOURCES), rng.choice(campaigns))
        lc = ft if rng.random() < 0.4 else (*rng.choice(SOURCES), rng.choice(campaigns))
        person_id = f"per_{i:011x}"
        batch_t.append((TENANT, f"tft_{i}", *ft, at))
        batch_t.append((TENANT, f"tlc_{i}", *lc, at))
        batch_p.append(
            (
                TENANT,
                person_id,
                email,
                first,
                last,
                None if company_index is None else f"com_{company_index:08d}",
                f"tft_{i}",
                f"tlc_{i}",
                at,
                *person_keys.keys(email, first, last, company),
                *ft,
                channel(*ft),
                *lc,
                channel(*lc),
            )
        )
        form = "form_rare" if i % 1000 == 0 else "form_main"
        batch_s.append((TENANT, f"sub_{i}", form, person_id, at))
        if len(batch_p) >= 20000:
            flush()
    flush()
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    print(f"generated in {time.perf_counter() - t0:.0f} s", flush=True)


def timed(conn, fn, *args, runs: int = 7) -> tuple[float, int]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        page = fn(conn, TENANT, *args)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), len(page.items)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--db", default="/tmp/leadsource-people-bench.db")
    parser.add_argument("--no-index", action="store_true", help="search by the scan only")
    args = parser.parse_args()
    if args.no_index:
        people.SEARCH_INDEX_CAP = -1
    generate(args.db, args.persons)
    conn = sqlite.connect(args.db, query_only=True)
    print(f"{'case':58} {'median ms':>10} {'rows':>5}")

    def report(name: str, fn, *a) -> None:
        ms, n = timed(conn, fn, *a)
        print(f"{name:58} {ms:10.1f} {n:5d}", flush=True)

    for sort in PERSON_SORTS:
        for s in (sort, f"-{sort}"):
            report(f"persons sort={s}", search_persons, PersonQuery(sort=s))
    second = search_persons(conn, TENANT, PersonQuery(sort="company")).next_cursor
    report(
        "persons sort=company, page 2", search_persons, PersonQuery(sort="company", cursor=second)
    )
    cases = {
        "first_touch_source=linkedin": PersonQuery(filters={"first_touch_source": "linkedin"}),
        "lead_creation_campaign=campaign_123": PersonQuery(
            filters={"lead_creation_campaign": "campaign_123"}
        ),
        "lead_creation_campaign=campaign_123, sort=email": PersonQuery(
            filters={"lead_creation_campaign": "campaign_123"}, sort="email"
        ),
        "first_touch_medium=email, sort=-company": PersonQuery(
            filters={"first_touch_medium": "email"}, sort="-company"
        ),
        "form=form_main": PersonQuery(form_id="form_main"),
        "form=form_rare (1 in 1000)": PersonQuery(form_id="form_rare"),
        "form=form_rare, sort=name": PersonQuery(form_id="form_rare", sort="name"),
        "created 2024-06-01..2024-06-30": PersonQuery(
            created_from=date(2024, 6, 1), created_to=date(2024, 6, 30)
        ),
        "created 2024-06-01..2024-06-30, sort=company": PersonQuery(
            created_from=date(2024, 6, 1), created_to=date(2024, 6, 30), sort="company"
        ),
        "first_touch_channel=Paid Social": PersonQuery(
            filters={"first_touch_channel": "Paid Social"}
        ),
        "lead_creation_channel=Email, sort=name": PersonQuery(
            filters={"lead_creation_channel": "Email"}, sort="name"
        ),
        "first_touch_channel=Direct, sort=-lead_creation_channel": PersonQuery(
            filters={"first_touch_channel": "Direct"}, sort="-lead_creation_channel"
        ),
        "q=hansen (common)": PersonQuery(q="hansen"),
        "q=hansen (common), sort=company": PersonQuery(q="hansen", sort="company"),
        "q=company 4242 (rare)": PersonQuery(q="company 4242 "),
        "q=company 4242 (rare), sort=-first_touch_channel": PersonQuery(
            q="company 4242 ", sort="-first_touch_channel"
        ),
        "q=pia.vik (1 in 208)": PersonQuery(q="pia.vik"),
        "q=company 42 (1 in 130)": PersonQuery(q="company 42"),
        "q=.424242@ (email fragment, one match)": PersonQuery(q=".424242@"),
        "q=example17.c (email fragment, 1 in 97)": PersonQuery(q="example17.c"),
        "q=ha (2 characters, common)": PersonQuery(q="ha"),
        "q=zq (2 characters, no match: a full pass)": PersonQuery(q="zq"),
        "q=nobody-has-this (no match)": PersonQuery(q="nobody-has-this"),
        "email=exact": PersonQuery(email="anna.hansen.0@example0.com"),
    }
    for name, query in cases.items():
        report(f"persons {name}", search_persons, query)
    rare = search_persons(conn, TENANT, PersonQuery(q="company 4", limit=50))
    report(
        "persons q=company 4, page 2",
        search_persons,
        PersonQuery(q="company 4", cursor=rare.next_cursor),
    )
    for sort in COMPANY_SORTS:
        for s in (sort, f"-{sort}"):
            report(f"companies sort={s}", search_companies, CompanyQuery(sort=s))
    report("companies q=company 42", search_companies, CompanyQuery(q="company 42"))
    conn.close()


if __name__ == "__main__":
    main()
