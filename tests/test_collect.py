"""Page views: POST /t/{tenant}/collect, bot filtering, bounds, and sessions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ingest import storage
from ingest.domain import sessions
from ingest.edge.collect import MAX_BODY, is_bot

CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36"
)
PAGE = "https://www.acme.example/pricing"
LINKEDIN = "https://www.acme.example/?utm_source=linkedin&utm_medium=paid_social&utm_campaign=w"
FACEBOOK = "https://www.acme.example/?utm_source=facebook&utm_medium=paid_social&utm_campaign=r"


def beacon(
    client,
    tenant,
    url: str = PAGE,
    *,
    visitor: str = "visitor-0001",
    referrer: str = "",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
):
    """What utm.js's navigator.sendBeacon sends."""
    if body is None:
        body = json.dumps({"v": visitor, "u": url, "r": referrer}).encode()
    return client.post(
        f"/t/{tenant.tenant_id}/collect",
        content=body,
        headers={
            "Content-Type": "text/plain;charset=UTF-8",
            "User-Agent": CHROME,
            **(headers or {}),
        },
    )


def rows(db_path: str, table: str) -> list[dict[str, Any]]:
    order = "started_at, session_id" if table == "sessions" else "at, pageview_id"
    with storage.connect(db_path) as conn:
        return [dict(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY {order}")]


def test_a_page_view_is_stored_with_its_session(client, make_tenant, clock):
    tenant = make_tenant()
    response = beacon(client, tenant, LINKEDIN, referrer="https://www.linkedin.com/feed/")
    assert response.status_code == 204
    assert response.content == b""
    (session,) = rows(tenant.db_path, "sessions")
    assert session["tenant_id"] == "acme"
    assert session["visitor_id"] == "visitor-0001"
    assert (session["source"], session["medium"], session["campaign"]) == (
        "linkedin",
        "paid_social",
        "w",
    )
    assert session["landing_page"] == LINKEDIN
    assert session["referrer"] == "https://www.linkedin.com/feed/"
    assert session["is_new_visitor"] == 1
    assert session["views"] == 1
    assert session["started_at"] == session["last_seen_at"] == "2026-11-23T10:00:00.000Z"
    (view,) = rows(tenant.db_path, "pageviews")
    assert (view["session_id"], view["visitor_id"], view["url"]) == (
        session["session_id"],
        "visitor-0001",
        LINKEDIN,
    )
    # No raw IP address anywhere.
    assert "testclient" not in json.dumps([session, view])


def test_application_json_is_accepted_too(client, make_tenant):
    tenant = make_tenant()
    response = beacon(client, tenant, headers={"Content-Type": "application/json"})
    assert response.status_code == 204
    assert len(rows(tenant.db_path, "pageviews")) == 1


def test_sessions_split_after_30_minutes_without_a_view(client, make_tenant, clock):
    tenant = make_tenant()
    beacon(client, tenant, referrer="https://www.google.com/")
    clock.advance(minutes=20)
    beacon(client, tenant, PAGE + "/team")
    clock.advance(minutes=29)  # 49 minutes after the start, 29 after the last view
    beacon(client, tenant, PAGE + "/jobs")
    clock.advance(minutes=30, seconds=1)
    beacon(client, tenant, PAGE)

    first, second = rows(tenant.db_path, "sessions")
    assert (first["views"], first["is_new_visitor"]) == (3, 1)
    assert (first["source"], first["medium"]) == ("google", "organic")
    assert first["last_seen_at"] == "2026-11-23T10:49:00.000Z"
    assert (second["views"], second["is_new_visitor"]) == (1, 0)
    assert (second["source"], second["medium"]) == ("(direct)", "(none)")
    assert second["started_at"] == "2026-11-23T11:19:01.000Z"
    views = rows(tenant.db_path, "pageviews")
    assert [v["session_id"] for v in views] == [first["session_id"]] * 3 + [second["session_id"]]


def test_a_new_campaign_starts_a_session(client, make_tenant, clock):
    tenant = make_tenant()
    beacon(client, tenant, LINKEDIN)
    clock.advance(minutes=1)
    beacon(client, tenant, PAGE)  # no campaign: the same visit goes on
    clock.advance(minutes=1)
    beacon(client, tenant, LINKEDIN)  # the same campaign again (a reload): still the same
    clock.advance(minutes=1)
    beacon(client, tenant, FACEBOOK)
    clock.advance(minutes=1)
    beacon(client, tenant, PAGE + "?gclid=abc")
    found = rows(tenant.db_path, "sessions")
    assert [(s["source"], s["medium"], s["views"]) for s in found] == [
        ("linkedin", "paid_social", 3),
        ("facebook", "paid_social", 1),
        ("google", "cpc", 1),
    ]
    assert [s["is_new_visitor"] for s in found] == [1, 0, 0]
    assert json.loads(found[2]["click_ids"]) == {"gclid": "abc"}


def test_campaign_in_the_fragment_counts_too(client, make_tenant):
    tenant = make_tenant()
    beacon(client, tenant, "https://app.acme.example/#/start?utm_source=news&utm_medium=email")
    (session,) = rows(tenant.db_path, "sessions")
    assert (session["source"], session["medium"]) == ("news", "email")


def test_a_referrer_on_the_same_site_is_not_a_source(client, make_tenant):
    tenant = make_tenant()
    beacon(client, tenant, referrer="https://www.acme.example/blog")
    (session,) = rows(tenant.db_path, "sessions")
    assert (session["source"], session["referrer"]) == ("(direct)", None)


def test_with_transfer_off_sessions_carry_no_campaign_data(client, make_tenant, clock):
    tenant = make_tenant(utm_transfer=False)
    beacon(client, tenant, LINKEDIN + "&page=2", referrer="https://www.google.com/")
    # (page=2 is not a campaign key: it is kept only when the tenant lists it.)
    clock.advance(minutes=1)
    beacon(client, tenant, FACEBOOK)  # a campaign does not split a session it cannot see
    (session,) = rows(tenant.db_path, "sessions")
    assert session["views"] == 2
    for column in ("campaign_key", "source", "medium", "campaign", "landing_page", "referrer"):
        assert session[column] is None, column
    assert [v["url"] for v in rows(tenant.db_path, "pageviews")] == [
        "https://www.acme.example/",
        "https://www.acme.example/",
    ]


def test_views_per_session_are_capped(client, make_tenant, clock, monkeypatch):
    monkeypatch.setattr(sessions, "MAX_VIEWS_PER_SESSION", 3)
    tenant = make_tenant()
    for _ in range(5):
        assert beacon(client, tenant).status_code == 204
        clock.advance(minutes=10)
    (session,) = rows(tenant.db_path, "sessions")
    assert session["views"] == 3
    # Still alive: the views past the cap kept the session from timing out.
    assert session["last_seen_at"] == "2026-11-23T10:40:00.000Z"
    assert len(rows(tenant.db_path, "pageviews")) == 3


def test_long_addresses_are_truncated(client, make_tenant):
    tenant = make_tenant()
    long_url = PAGE + "/" + "a" * 3000
    assert beacon(client, tenant, long_url[: MAX_BODY - 100]).status_code == 204
    (view,) = rows(tenant.db_path, "pageviews")
    assert view["url"] == long_url[:2048]


@pytest.mark.parametrize(
    "user_agent",
    [
        "",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/130.0.0.0 Safari/537.36",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
        "Mozilla/5.0 (Linux; Android 7.0; Moto G (4)) Chrome-Lighthouse",
        "Mozilla/5.0 (compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
        "Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)",
        "curl/8.5.0",
        "python-requests/2.32.3",
        "Mozilla/5.0 (compatible; Baiduspider/2.0)",
        # Not shaped like any browser: scripts pretending.
        "x",
        "Mozilla/5.0",
        "Mozilla/5.0 Firefox/133.0",
        "Mozilla/5.0 ()",
    ],
)
def test_bots_are_answered_but_not_stored(client, make_tenant, user_agent):
    tenant = make_tenant()
    response = beacon(client, tenant, headers={"User-Agent": user_agent})
    assert response.status_code == 204
    assert rows(tenant.db_path, "pageviews") == []
    assert rows(tenant.db_path, "sessions") == []


@pytest.mark.parametrize(
    "user_agent",
    [
        CHROME,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
        # A phone brand, not a bot.
        "Mozilla/5.0 (Linux; Android 10; CUBOT_X30) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Mobile Safari/537.36",
    ],
)
def test_people_are_not_bots(user_agent):
    assert not is_bot(user_agent)


def test_unknown_tenant_is_404(client):
    response = client.post(
        "/t/nobody/collect",
        content=b'{"v": "visitor-0001", "u": "https://a.example/", "r": ""}',
        headers={"Content-Type": "text/plain", "User-Agent": CHROME},
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_origins_are_enforced_like_forms(client, make_tenant):
    tenant = make_tenant(origins=("https://www.acme.example",))
    allowed = beacon(client, tenant, headers={"Origin": "https://www.acme.example"})
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == "https://www.acme.example"
    refused = beacon(client, tenant, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert "access-control-allow-origin" not in refused.headers
    own = beacon(client, tenant, headers={"Origin": "http://testserver"})
    assert own.status_code == 204
    assert len(rows(tenant.db_path, "pageviews")) == 2

    preflight = client.options(
        f"/t/{tenant.tenant_id}/collect",
        headers={"Origin": "https://www.acme.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "https://www.acme.example"


def test_any_origin_when_none_are_configured(client, make_tenant):
    tenant = make_tenant()
    response = beacon(client, tenant, headers={"Origin": "https://anywhere.example"})
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "https://anywhere.example"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "text/plain"),
        (b"\xff\xfe{}", "text/plain"),
        (b"[1, 2]", "text/plain"),
        (b"[" * 3000, "text/plain"),
        (b"", "text/plain"),
        (b'{"u": "https://a.example/", "r": ""}', "text/plain"),
        (b'{"v": "short", "u": "https://a.example/"}', "text/plain"),
        (b'{"v": "visitor 0001", "u": "https://a.example/"}', "text/plain"),
        (b'{"v": 12345678, "u": "https://a.example/"}', "text/plain"),
        (b'{"v": "visitor-0001"}', "text/plain"),
        (b'{"v": "visitor-0001", "u": "javascript:alert(1)"}', "text/plain"),
        (b'{"v": "visitor-0001", "u": "https://a.example/", "r": 5}', "text/plain"),
    ],
)
def test_malformed_page_views_are_400(client, make_tenant, body, content_type):
    tenant = make_tenant()
    response = beacon(client, tenant, body=body, headers={"Content-Type": content_type})
    assert response.status_code == 400, response.text
    assert set(response.json()["error"]) == {"code", "message"}
    assert response.json()["error"]["code"] == "bad_request"
    assert rows(tenant.db_path, "pageviews") == []


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", ""])
def test_other_content_types_are_415(client, make_tenant, content_type):
    tenant = make_tenant()
    body = b'{"v": "visitor-0001", "u": "https://a.example/"}'
    response = beacon(client, tenant, body=body, headers={"Content-Type": content_type})
    assert response.status_code == 415, response.text
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert rows(tenant.db_path, "pageviews") == []


def test_a_referrer_that_is_not_a_web_address_is_ignored(client, make_tenant):
    tenant = make_tenant()
    assert beacon(client, tenant, referrer="android-app://com.slack/").status_code == 204
    (session,) = rows(tenant.db_path, "sessions")
    assert (session["source"], session["referrer"]) == ("(direct)", None)


def test_oversized_body_is_413(client, make_tenant):
    tenant = make_tenant()
    response = beacon(client, tenant, PAGE + "?q=" + "a" * MAX_BODY)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert rows(tenant.db_path, "pageviews") == []


def test_tenants_are_isolated(client, make_tenant, clock):
    a = make_tenant("tenant-a")
    b = make_tenant("tenant-b")
    beacon(client, a, LINKEDIN)
    clock.advance(minutes=1)
    beacon(client, b, PAGE)  # the same visitor id, another tenant's site
    found = rows(a.db_path, "sessions")
    assert [(s["tenant_id"], s["source"], s["is_new_visitor"], s["views"]) for s in found] == [
        ("tenant-a", "linkedin", 1, 1),
        ("tenant-b", "(direct)", 1, 1),
    ]
    views = rows(a.db_path, "pageviews")
    assert [v["tenant_id"] for v in views] == ["tenant-a", "tenant-b"]
    assert views[0]["session_id"] != views[1]["session_id"]
