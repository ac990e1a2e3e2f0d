"""Privacy of stored addresses and of logs: only campaign keys, click ids, misspelled
campaign keys and the tenant's own list survive in landing pages and referrers; access logs
keep no client address or query string; the service logs JSON lines."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import re
from dataclasses import replace
from html import unescape

import pytest
from starlette.testclient import TestClient

from ingest import storage
from ingest.app import create_app
from ingest.domain.privacy import looks_like_campaign_key, private_params_removed
from ingest.ops.logs import log_config
from ingest.storage import admin

from .test_collect import beacon, rows

SECRET_LINK = (
    "https://www.acme.example/offer?utm_source=news&reset_token=s3cret&email=ann%40b.example"
    "&utm-source=typo&UTMsource=typo2&utm_source%20=typo3&gclid=g1&ref=partner"
)
KEPT = "https://www.acme.example/offer?utm_source=news&utm-source=typo&UTMsource=typo2&utm_source%20=typo3&gclid=g1"


def stored_touches(db_path: str) -> list[tuple[str | None, str | None]]:
    with storage.connect(db_path, tuples=True) as conn:
        return conn.execute("SELECT landing_page, referrer FROM touches ORDER BY at").fetchall()


def test_submitted_touches_keep_only_campaign_parameters(client, make_tenant):
    tenant = make_tenant()
    touch = {
        "utm_source": "news",
        "landing_page": SECRET_LINK,
        "referrer": "https://mail.example/read?msg=123&session=abc",
        "at": "2026-11-01T10:00:00.000Z",
    }
    response = client.post(
        tenant.form_path, json={"email": "p@b.example", "ls_latest_touch": touch}
    )
    assert response.status_code == 201
    assert stored_touches(tenant.db_path) == [(KEPT, "https://mail.example/read")]


def test_the_tenants_list_keeps_its_parameters(client, make_tenant):
    tenant = make_tenant()
    storage.transaction(
        tenant.db_path,
        lambda conn: admin.update_tenant(conn, tenant.tenant_id, keep_params=["ref"]),
    )
    client.post(
        tenant.form_path,
        json={
            "email": "p@b.example",
            "ls_latest_touch": {"utm_source": "n", "landing_page": SECRET_LINK},
        },
    )
    assert stored_touches(tenant.db_path)[0][0] == KEPT + "&ref=partner"


def test_page_views_and_sessions_keep_only_campaign_parameters(client, make_tenant):
    tenant = make_tenant()
    assert (
        beacon(client, tenant, SECRET_LINK, referrer="https://other.example/?q=private").status_code
        == 204
    )
    (session,) = rows(tenant.db_path, "sessions")
    (view,) = rows(tenant.db_path, "pageviews")
    assert session["landing_page"] == view["url"] == KEPT
    assert session["referrer"] == "https://other.example/"


def test_the_hosted_forms_own_address_loses_private_parameters(client, make_tenant):
    tenant = make_tenant()
    page = client.get(
        tenant.form_path + "?utm_source=news&token=abc",
        headers={"Referer": "https://mail.example/read?msg=1"},
    )
    hidden = dict(re.findall(r'name="(ls_landing_page|ls_referrer)" value="([^"]*)"', page.text))
    assert (
        unescape(hidden["ls_landing_page"])
        == f"http://testserver{tenant.form_path}?utm_source=news"
    )
    assert unescape(hidden["ls_referrer"]) == "https://mail.example/read"


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://a.example/#/page?utm_source=x&token=1", "https://a.example/#/page?utm_source=x"),
        ("https://a.example/#access_token=s&utm_medium=m", "https://a.example/#utm_medium=m"),
        ("https://a.example/p#pricing", "https://a.example/p#pricing"),
        ("https://a.example/p?token=1", "https://a.example/p"),
        ("https://a.example/p?utm_campaign=a%26b", "https://a.example/p?utm_campaign=a%26b"),
    ],
)
def test_fragments_and_encodings(url, kept):
    assert private_params_removed(url) == kept


@pytest.mark.parametrize(
    ("name", "campaign"),
    [
        ("utm_source", True),
        ("utm-source", True),
        ("UTMsource", True),
        ("utm_source ", True),
        ("Utm.Campaign", True),
        ("fbclid", True),
        ("utmost", True),
        ("token", False),
        ("ref", False),
    ],
)
def test_what_counts_as_a_campaign_key(name, campaign):
    assert looks_like_campaign_key(name) is campaign


def test_access_log_is_off_by_default(settings, make_tenant, caplog):
    tenant = make_tenant()
    with (
        TestClient(create_app(settings)) as client,
        caplog.at_level(logging.INFO, logger="leadsource.access"),
    ):
        assert client.get("/api/v1/persons", headers=tenant.auth).status_code == 200
    assert [r for r in caplog.records if r.name == "leadsource.access"] == []


def test_access_log_has_no_client_address_or_query(settings, make_tenant, caplog):
    tenant = make_tenant()
    settings = replace(settings, access_log=True)
    with (
        TestClient(create_app(settings), client=("203.0.113.7", 1)) as client,
        caplog.at_level(logging.INFO, logger="leadsource.access"),
    ):
        client.get("/api/v1/persons?email=secret%40b.example", headers=tenant.auth)
    (record,) = [r for r in caplog.records if r.name == "leadsource.access"]
    line = record.getMessage() + json.dumps(vars(record), default=str)
    assert record.path == "/api/v1/persons" and record.status == 200
    assert "secret" not in line and "203.0.113.7" not in line
    with TestClient(
        create_app(replace(settings, log_client_addresses=True)), client=("203.0.113.7", 1)
    ) as client:
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="leadsource.access"):
            client.get("/healthz")
    (record,) = [r for r in caplog.records if r.name == "leadsource.access"]
    assert record.client == "203.0.113.7"


def test_log_lines_are_json_objects():
    stream = io.StringIO()
    config = log_config()
    config["handlers"]["default"]["stream"] = stream
    logging.config.dictConfig(config)
    try:
        logging.getLogger("leadsource.access").info(
            "GET /x 200", extra={"path": "/x", "status": 200}
        )
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            logging.getLogger("uvicorn.error").exception("failed")
    finally:
        for name in config["loggers"]:
            logger = logging.getLogger(name)
            logger.handlers.clear()
            logger.propagate = True
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines[0]["message"] == "GET /x 200" and lines[0]["status"] == 200
    assert lines[0]["level"] == "info" and lines[0]["logger"] == "leadsource.access"
    assert lines[1]["level"] == "error" and "RuntimeError: boom" in lines[1]["exception"]
    assert len(lines) == 2
