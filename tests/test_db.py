"""The schema: numbered migrations, WAL, and a tenant in every table and every query."""

from __future__ import annotations

import json
import re
import sqlite3
from urllib.parse import quote

from ingest import storage
from ingest.domain.credits import follower
from ingest.storage import credit_follower, migrations, people, search_index, selections, sqlite

from .conftest import touch_json
from .test_collect import CHROME


def test_migrations_are_numbered_and_applied_once(tmp_path):
    path = str(tmp_path / "m.db")
    versions = [v for v, _, _ in migrations.migrations()]
    # Branches reserve their numbers (0005 is the edge's), so one may land before a lower one.
    assert versions == sorted(set(versions))
    assert versions[:3] == [1, 2, 3]

    conn = sqlite.connect(path)
    try:
        first, second = storage.migrate(conn), storage.migrate(conn)
    finally:
        conn.close()
    assert first == versions
    assert second == []
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        applied = [r[0] for r in conn.execute("SELECT version FROM schema_migrations")]
    assert applied == versions


# Tables that are the service's, not a tenant's (with Citus: reference tables), and the
# indexes that look across tenants, each with its reason.
GLOBAL_TABLES = {
    "users": "an account may belong to several tenants; its email is unique service-wide",
    "service_secrets": "the service's generated keys (the app's session key)",
}
# Full-text indexes kept as virtual tables: no key of their own (FTS5 keys by rowid), each
# with its reason. Their shadow tables are not listed (``storage.tables``).
INDEX_TABLES = {
    "person_search": "SQLite's trigram index of persons.search_key, keyed by the persons'"
    " rowids: every search joins its matches to persons and names the tenant there",
    "person_search_indexed": "one row: the persons' rowid up to which that index is filled",
    "attribution_followed": "one row: the submissions' rowid up to which the credits"
    " follower has credited their persons (every tenant's, in rowid order)",
}
CROSS_TENANT_INDEXES = {
    ("api_keys", "key_hash"): "which tenant owns this API key",
    # Read no more since 0012 (api_keys); kept, as SQLite cannot drop a UNIQUE column.
    ("tenants", "api_key_hash"): "unused: 'unused:' and the tenant id",
    ("memberships", "user_id"): "which tenants a signed-in user belongs to",
}


def test_every_table_carries_tenant_id_first_in_its_key(tmp_path):
    path = str(tmp_path / "m.db")

    conn = sqlite.connect(path)
    storage.migrate(conn)
    conn.close()
    with sqlite3.connect(path) as conn:
        tables = [t for t in storage.tables(conn) if t != "schema_migrations"]
        assert tables
        for table in tables:
            if table in GLOBAL_TABLES or table in INDEX_TABLES:
                continue
            columns = conn.execute(f"PRAGMA table_info({table})").fetchall()
            key = sorted((c[5], c[1]) for c in columns if c[5] > 0)
            assert key[0][1] == "tenant_id", f"{table}'s key does not start with tenant_id"
            for index in conn.execute(f"PRAGMA index_list({table})").fetchall():
                first_col = conn.execute(f"PRAGMA index_info({index[1]})").fetchone()[2]
                if (table, first_col) in CROSS_TENANT_INDEXES:
                    continue
                assert first_col == "tenant_id", f"index {index[1]} is not tenant-scoped"


TENANT_TABLES = re.compile(
    r"\b(tenant_origins|forms|touches|companies|persons|submissions|submission_touches"
    r"|sessions|pageviews|rate_counters|memberships|script_sightings|api_keys"
    r"|deals|deal_history|pipeline_stages"
    r"|category_groups|categories|lead_statuses|lead_status_history|category_history"
    r"|selections|lead_counts|attribution_conversions|attribution_credits|attribution_rollups"
    r"|attribution_totals|attribution_pending|person_campaign_days|dashboards|dashboard_tiles"
    r"|person_days|deal_days|campaign_counts|campaign_reach)\b",
    re.IGNORECASE,
)


def test_every_query_is_scoped_by_tenant(make_tenant, settings):
    """Trace every statement the service runs through a whole journey, on each engine; each
    one that touches a tenant's rows must name tenant_id."""
    from starlette.testclient import TestClient

    from ingest.app import create_app

    statements: list[str] = []
    tenant = make_tenant()
    handover = quote(json.dumps({"f": {"utm_source": "linkedin"}, "l": {"gclid": "g"}}))
    with storage.tracing(statements.append), TestClient(create_app(settings)) as client:
        client.get(tenant.form_path + "?utm_source=x&_ls=" + handover)
        client.get(f"/t/{tenant.tenant_id}/utm.js", headers={"Referer": "https://a.example/p"})
        client.get(f"/t/{tenant.tenant_id}/utm-debug.js", headers={"Referer": "https://a.example/"})
        for url in ("https://a.example/?utm_source=x", "https://a.example/2", "https://a.example/"):
            response = client.post(
                f"/t/{tenant.tenant_id}/collect",
                content=json.dumps({"v": "visitor-0001", "u": url, "r": ""}),
                headers={"Content-Type": "text/plain", "User-Agent": CHROME},
            )
            assert response.status_code == 204
        for email in ("a@example.com", "a@example.com", "b@example.com"):
            client.post(
                tenant.form_path,
                json={
                    "email": email,
                    "company": "Fjord",
                    "ls_first_touch": touch_json("linkedin", "social", "c"),
                    "ls_latest_touch": touch_json("facebook", "social", "d"),
                    "ls_touches": [json.loads(touch_json("linkedin", "social", "c")), {}],
                },
            )
        client.post(tenant.form_path, data={"email": "bad"})
        person = client.get(
            "/api/v1/persons", params={"email": "a@example.com"}, headers=tenant.auth
        ).json()["items"][0]
        client.get(f"/api/v1/persons/{person['id']}", headers=tenant.auth)
        client.get("/api/v1/persons", headers=tenant.auth)
        deal = client.post(
            "/api/v1/deals",
            json={"person_id": person["id"], "title": "t", "amount": "5", "status": "open"},
            headers=tenant.auth,
        ).json()
        client.patch(f"/api/v1/deals/{deal['id']}", json={"stage": "Proposal"}, headers=tenant.auth)
        client.get(f"/api/v1/deals/{deal['id']}", headers=tenant.auth)
        client.get(
            "/api/v1/deals",
            params={"stage": "proposal", "owner": "x@example.com", "lead_creation_source": "a"},
            headers=tenant.auth,
        )
        client.get("/api/v1/pipeline-stages", headers=tenant.auth)
        # The credits follower (every tenant's new submissions) and the attribution report.
        with storage.connect(settings.db_path) as conn:
            follower.catch_up(conn)
        for conversion, model in (("contact_create", "linear"), ("revenue", "full_path")):
            params = {"conversion": conversion, "model": model, "by": "campaign"}
            client.get("/api/v1/reports/attribution", params=params, headers=tenant.auth)
            params = {**params, "lookback_days": "30", "from": "2026-01-01"}
            client.get("/api/v1/reports/attribution", params=params, headers=tenant.auth)
        # Leads: a status and an owner, a company's category, the setup's lists.
        response = client.patch(
            f"/api/v1/persons/{person['id']}",
            json={"lead_status": "Contacting", "owner": None},
            headers=tenant.auth,
        )
        assert response.status_code == 200, response.text
        response = client.patch(
            f"/api/v1/companies/{person['company']['id']}",
            json={"category": "Customer"},
            headers=tenant.auth,
        )
        assert response.status_code == 200, response.text
        client.get("/api/v1/categories", headers=tenant.auth)
        client.get("/api/v1/lead-statuses", headers=tenant.auth)
        # The lists by lead fields, a selection and its rows, counts by group.
        lead = {"lead_status": "open", "category": "", "category_group": "Customer", "owner": ""}
        for sort in ("lead_status", "-category", "category_group", "owner"):
            client.get("/api/v1/persons", params={**lead, "sort": sort}, headers=tenant.auth)
        for sort in ("category", "-category_group", "owner"):
            params = {"category": "Lead", "owner": "x@example.com", "sort": sort}
            client.get("/api/v1/companies", params=params, headers=tenant.auth)
        selection_id = storage.transaction(
            settings.db_path,
            lambda conn: selections.create(
                conn, tenant.tenant_id, kind="persons", name="s",
                query={"lead_status": "sts_open", "sort": "owner"}, user_id=None,
                at="2026-01-01T00:00:00.000Z",
            ),
        )  # fmt: skip
        client.get("/api/v1/selections", headers=tenant.auth)
        client.get(f"/api/v1/selections/{selection_id}/items", headers=tenant.auth)
        with storage.connect(settings.db_path) as conn:
            for by in ("lead_status", "category", "category_group"):
                people.person_groups(conn, tenant.tenant_id, people.PersonQuery(), by)

    checked = [
        s
        for s in statements
        if TENANT_TABLES.search(s)
        and not s.lstrip().upper().startswith(("CREATE", "ALTER", "PRAGMA"))
        and "schema_migrations" not in s  # migration names may name tables too
    ]
    assert len(checked) > 20
    for table in (
        "submission_touches",
        "sessions",
        "pageviews",
        "rate_counters",
        "script_sightings",
        "api_keys",
        "deals",
        "deal_history",
        "pipeline_stages",
        "lead_status_history",
        "category_history",
        "selections",
        "attribution_conversions",
        "attribution_credits",
        "attribution_rollups",
        "attribution_totals",
    ):
        assert any(table in s for s in checked), f"the journey never touched {table}"
    unscoped = [s for s in checked if "tenant_id" not in s]
    followers = (
        search_index.UNSCOPED,
        credit_follower.UNSCOPED_FOLLOW,
        credit_follower.UNSCOPED_PENDING,
        credit_follower.UNSCOPED_TOP,
    )
    assert [s for s in unscoped if not s.startswith(followers)] == []
