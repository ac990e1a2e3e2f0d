"""Is the script installed? Origins that loaded utm.js, noted cheaply and bounded
(ingest/edge/sightings.py, ingest/storage/sightings.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from ingest import storage
from ingest.app import create_app
from ingest.edge.sightings import MAX_TENANTS, Sightings, normalised_origin
from ingest.storage.sightings import MAX_ORIGINS, note_sightings, script_sightings

from .conftest import Clock, rows


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://www.example.com/pricing?utm_source=x#top", "https://www.example.com"),
        ("https://WWW.Example.COM", "https://www.example.com"),
        ("HTTPS://www.example.com.", "https://www.example.com"),
        ("https://www.example.com:443/", "https://www.example.com"),
        ("http://www.example.com:80/", "http://www.example.com"),
        ("http://localhost:8080/x", "http://localhost:8080"),
        ("https://shop.example.co.uk:8443", "https://shop.example.co.uk:8443"),
        ("http://127.0.0.1:3000/", "http://127.0.0.1:3000"),
        ("http://[::1]:8080/", "http://[::1]:8080"),
        ("http://[0:0:0:0:0:0:0:1]/", "http://[::1]"),
        ("https://user:pw@site.example/secret", "https://site.example"),
        ("https://xn--bcher-kva.example/", "https://xn--bcher-kva.example"),
        # Hostile or malformed: nothing
        ("https://evil.example/<script>alert(1)</script>", "https://evil.example"),
        ("https://evil<script>.example/", None),
        ('https://evil.example"onload="x/', None),
        ("https://ex ample.com/", None),
        ("javascript:alert(1)", None),
        ("data:text/html,<script>x</script>", None),
        ("file:///etc/passwd", None),
        ("ftp://example.com/", None),
        ("//example.com/", None),
        ("null", None),
        ("", None),
        (None, None),
        ("https://", None),
        ("https://example.com:99999/", None),
        ("https://example.com:abc/", None),
        ("http://[::1/", None),
        ("http://[not-ipv6]/", None),
        ("https://-bad-.example/", None),
        ("https://" + "a" * 64 + ".example/", None),
        ("https://" + "a." * 1100 + "example/", None),
        ("https://exa\x00mple.com/", None),
        ("https://bücher.example/", None),  # a browser sends the punycode form
    ],
)
def test_normalised_origin(value, expected):
    assert normalised_origin(value) == expected


AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


class NoDatabase:
    async def write(self, job):  # pragma: no cover - never flushed here
        raise AssertionError


def test_notes_are_bounded_per_tenant_and_in_tenants():
    sightings = Sightings(NoDatabase(), "https://leadsource.example")
    for i in range(MAX_ORIGINS + 5):
        sightings.note("acme", None, f"https://site{i}.example/", AT)
    assert len(sightings.pending["acme"]) == MAX_ORIGINS
    for i in range(MAX_TENANTS + 3):
        sightings.note(f"t{i}", None, "https://site.example/", AT)
    assert len(sightings.pending) == MAX_TENANTS


def test_origin_first_then_referer_and_our_own_origin_ignored():
    sightings = Sightings(NoDatabase(), "https://leadsource.example/")
    sightings.note("acme", "https://a.example", "https://b.example/page", AT)
    sightings.note("acme", "null", "https://c.example/page", AT)
    sightings.note("acme", None, "https://leadsource.example/t/acme/forms/f1", AT)
    sightings.note("acme", "https://leadsource.example", None, AT)
    sightings.note("acme", "junk", "not a url", AT)
    assert sorted(sightings.pending["acme"]) == ["https://a.example", "https://c.example"]


def test_first_and_last_seen(client, make_tenant, settings, clock: Clock):
    tenant = make_tenant()
    path = f"/t/{tenant.tenant_id}/utm.js"
    with TestClient(create_app(settings, clock=clock)) as app_client:
        assert app_client.get(path, headers={"Referer": "https://www.acme.example/"}).is_success
        clock.advance(minutes=3)
        response = app_client.get(path, headers={"Referer": "https://www.acme.example/pricing"})
        etag = response.headers["etag"]
        clock.advance(minutes=2)
        # A revalidation (304) is a visit of the site too.
        again = app_client.get(
            path, headers={"Referer": "https://www.acme.example/a", "If-None-Match": etag}
        )
        assert again.status_code == 304
        app_client.get(path, headers={"Referer": "http://testserver/t/acme/forms/x"})  # ours
        app_client.get("/t/nobody/utm.js", headers={"Referer": "https://other.example/"})
    found = rows(settings.db_path, "SELECT * FROM script_sightings ORDER BY origin")
    assert found == [
        {
            "tenant_id": "acme",
            "origin": "https://www.acme.example",
            "first_seen_at": "2026-11-23T10:00:00.000Z",
            "last_seen_at": "2026-11-23T10:05:00.000Z",
        }
    ]


def test_hostile_referers_are_stored_as_origins_only(make_tenant, settings, clock: Clock):
    tenant = make_tenant()
    hostile = [
        "https://evil.example/<script>alert(1)</script>?q=\"'><img src=x onerror=alert(1)>",
        "https://user:<b>@evil2.example:8443/path",
        "javascript:alert(document.cookie)",
        "https://<svg onload=alert(1)>/",
        "https://evil3.example/" + "x" * 3000,
    ]
    with TestClient(create_app(settings, clock=clock)) as app_client:
        for referer in hostile:
            response = app_client.get(f"/t/{tenant.tenant_id}/utm.js", headers={"Referer": referer})
            assert response.is_success
        app_client.get(
            f"/t/{tenant.tenant_id}/utm.js", headers={"Origin": "https://evil4.example/<x>"}
        )
    origins = [r["origin"] for r in rows(settings.db_path, "SELECT origin FROM script_sightings")]
    assert sorted(origins) == [
        "https://evil.example",
        "https://evil2.example:8443",
        "https://evil4.example",
    ]


def test_the_table_keeps_the_most_recently_seen_origins(make_tenant, settings):
    make_tenant("acme")
    make_tenant("other")
    first = {
        f"https://old{i:02}.example": (f"2026-01-01T00:00:{i:02}.000Z",) * 2 for i in range(15)
    }
    later = {
        f"https://new{i:02}.example": (f"2026-02-01T00:00:{i:02}.000Z",) * 2 for i in range(10)
    }
    storage.transaction(settings.db_path, lambda c: note_sightings(c, {"acme": first}))
    storage.transaction(
        settings.db_path,
        lambda c: note_sightings(
            c,
            {
                "acme": {
                    **later,
                    # Seen again: last_seen moves on, first_seen stays.
                    "https://old14.example": ("2026-03-01T00:00:00.000Z",) * 2,
                },
                "other": {"https://o.example": ("2026-01-01T00:00:00.000Z",) * 2},
            },
        ),
    )
    with storage.connect(settings.db_path) as conn:
        kept = script_sightings(conn, "acme")
        assert script_sightings(conn, "other") == [
            {
                "origin": "https://o.example",
                "first_seen_at": "2026-01-01T00:00:00.000Z",
                "last_seen_at": "2026-01-01T00:00:00.000Z",
            }
        ]
        assert script_sightings(conn, "nobody") == []
    assert len(kept) == MAX_ORIGINS
    assert kept[0] == {
        "origin": "https://old14.example",
        "first_seen_at": "2026-01-01T00:00:14.000Z",
        "last_seen_at": "2026-03-01T00:00:00.000Z",
    }
    names = {k["origin"] for k in kept}
    assert set(later) <= names
    # The five seen longest ago went.
    assert not names & {f"https://old{i:02}.example" for i in range(5)}


def test_an_older_flush_does_not_move_last_seen_back(make_tenant, settings):
    make_tenant()
    for last in ("2026-05-01T00:00:00.000Z", "2026-04-01T00:00:00.000Z"):
        storage.transaction(
            settings.db_path,
            lambda c, last=last: note_sightings(c, {"acme": {"https://a.example": (last, last)}}),
        )
    with storage.connect(settings.db_path) as conn:
        (found,) = script_sightings(conn, "acme")
    assert found["last_seen_at"] == "2026-05-01T00:00:00.000Z"
    assert found["first_seen_at"] == "2026-05-01T00:00:00.000Z"
