"""How the scripts are served: utm.js (brotli, gzip, ETag) and utm-debug.js (the tenant's
settings written in), content types, unknown tenants, hostile values."""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import brotli
import pytest
from starlette.testclient import TestClient

from ingest import storage
from ingest.app import create_app
from ingest.config import Settings
from ingest.edge.tracker import SCRIPT_OPTIONS, choose_encoding, js_literal
from ingest.storage import admin

DIST = Path(Settings().tracker_dir)
MANIFEST = json.loads((DIST / "build.json").read_text())
SOURCE = (DIST / "utm.js").read_bytes()  # the default variant
JS = "text/javascript; charset=utf-8"


def variant(*options: str) -> bytes:
    """The built file of the variant with these options (in any order)."""
    for name, entry in MANIFEST["variants"].items():
        if set(entry["options"]) == set(options):
            return (DIST / name).read_bytes()
    raise AssertionError(f"no variant with {options}")


@pytest.fixture
def debug_client(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    """An app serving a known debug script, so these tests pin the service's side only."""
    dist = tmp_path / "dist"
    shutil.copytree(DIST, dist)
    (dist / "utm-debug.js").write_text("/* debug */\n((config) => {})(/*CONFIG*/null);\n")
    app = create_app(dataclasses.replace(settings, tracker_dir=str(dist)))
    with TestClient(app) as client:
        yield client


def raw_get(client, path: str, **headers: str) -> tuple[object, bytes]:
    """The response and its bytes as sent, not decoded by the test client."""
    with client.stream("GET", path, headers=headers) as response:
        return response, b"".join(response.iter_raw())


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("gzip, deflate, br, zstd", "br"),
        ("br", "br"),
        ("gzip", "gzip"),
        ("gzip, br;q=0", "gzip"),
        ("br;q=0.5, gzip;q=0.8", "gzip"),
        ("br;q=0.8, gzip;q=0.8", "br"),
        ("*", "br"),
        ("*;q=0, gzip", "gzip"),
        ("gzip;q=0, br;q=0", "identity"),
        ("GZIP;Q=1", "gzip"),
        ("gzip;q=nonsense", "identity"),
        ("identity", "identity"),
        ("", "identity"),
    ],
)
def test_choose_encoding(accept, expected):
    assert choose_encoding(accept) == expected


@pytest.mark.parametrize(
    ("accept", "encoding", "decode"),
    [
        ("gzip, deflate, br", "br", brotli.decompress),
        ("gzip, deflate", "gzip", gzip.decompress),
        ("identity", None, lambda body: body),
    ],
)
def test_script_in_each_encoding(client, make_tenant, accept, encoding, decode):
    tenant = make_tenant()
    response, body = raw_get(client, f"/t/{tenant.tenant_id}/utm.js", **{"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == JS
    assert response.headers.get("content-encoding") == encoding
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.headers["access-control-allow-origin"] == "*"
    assert decode(body) == SOURCE
    assert int(response.headers["content-length"]) == len(body)


def test_brotli_is_the_smallest(client, make_tenant):
    tenant = make_tenant()
    sizes = {
        accept: len(
            raw_get(client, f"/t/{tenant.tenant_id}/utm.js", **{"Accept-Encoding": accept})[1]
        )
        for accept in ("br", "gzip", "identity")
    }
    assert sizes["br"] < sizes["gzip"] < sizes["identity"]


def test_each_encoding_has_its_own_etag_and_revalidates(client, make_tenant):
    tenant = make_tenant()
    path = f"/t/{tenant.tenant_id}/utm.js"
    etags = {}
    for accept in ("br", "gzip", "identity"):
        response, _ = raw_get(client, path, **{"Accept-Encoding": accept})
        etags[accept] = response.headers["etag"]
        again = client.get(
            path, headers={"Accept-Encoding": accept, "If-None-Match": etags[accept]}
        )
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == etags[accept]
        assert again.headers["vary"] == "Accept-Encoding"
    assert len(set(etags.values())) == 3
    # A gzip copy's ETag does not revalidate the brotli one.
    stale = client.get(path, headers={"Accept-Encoding": "br", "If-None-Match": etags["gzip"]})
    assert stale.status_code == 200
    listed = client.get(
        path, headers={"Accept-Encoding": "br", "If-None-Match": f'"x", W/{etags["br"]}'}
    )
    assert listed.status_code == 304


def test_each_tenant_gets_the_variant_its_options_name(client, make_tenant):
    plain = make_tenant("plain")
    chosen = make_tenant("chosen", script_options=("api", "pageviews"))
    everything = make_tenant("everything", script_options=tuple(SCRIPT_OPTIONS))
    for tenant, expected in (
        (plain, SOURCE),
        (chosen, variant("pageviews", "api")),
        (everything, variant(*SCRIPT_OPTIONS)),
    ):
        response = client.get(f"/t/{tenant.tenant_id}/utm.js", headers={"Accept-Encoding": "br"})
        assert response.status_code == 200
        assert response.content == expected
    assert variant("pageviews", "api") != SOURCE != variant(*SCRIPT_OPTIONS)
    # Only the API variant has the API's code, only the page-view one the beacon.
    assert b"sendBeacon" not in SOURCE and b"sendBeacon" in variant("pageviews")
    assert b".touches=" not in SOURCE and b".touches=" in variant("api")


def test_changing_the_options_changes_the_etag(client, make_tenant, settings):
    tenant = make_tenant()
    path = f"/t/{tenant.tenant_id}/utm.js"
    before = client.get(path, headers={"Accept-Encoding": "br"}).headers["etag"]
    storage.transaction(
        settings.db_path,
        lambda conn: admin.update_tenant(conn, tenant.tenant_id, options=["consent"]),
    )
    # (Each process reads a tenant's settings again after LEADSOURCE_SETTINGS_CACHE_MS.)
    client.app_state["settings_cache"].forget(tenant.tenant_id)
    after = client.get(path, headers={"Accept-Encoding": "br", "If-None-Match": before})
    # The browser's copy no longer matches: it gets the consent-mode variant.
    assert after.status_code == 200
    assert after.headers["etag"] != before
    assert after.content == variant("consent")


def test_every_variant_is_served_as_built(client, make_tenant):
    """All 2^n variants load, and each answers with its own bytes and ETag."""
    etags = set()
    for number, (name, entry) in enumerate(MANIFEST["variants"].items()):
        tenant = make_tenant(f"v{number}", script_options=tuple(entry["options"]))
        response = client.get(f"/t/{tenant.tenant_id}/utm.js", headers={"Accept-Encoding": ""})
        assert response.content == (DIST / name).read_bytes(), name
        etags.add(response.headers["etag"])
    assert len(etags) == len(MANIFEST["variants"]) == 2 ** len(SCRIPT_OPTIONS)


def test_unknown_tenant_has_no_script(client):
    for path in (
        "/t/nobody/utm.js",
        "/t/nobody/utm-debug.js",
        "/t/%3Cscript%3E/utm.js",
        "/t/%3C%2Fscript%3E%3Cscript%3E/utm-debug.js",
    ):
        response = client.get(path)
        assert response.status_code == 404
        assert not response.headers["content-type"].startswith("text/javascript")
        assert "<script>" not in response.text


def debug_config(response) -> object:
    match = re.fullmatch(r"/\* debug \*/\n\(\(config\) => \{\}\)\((.*)\);\n", response.text)
    assert match is not None, "the config is not where the placeholder was"
    return json.loads(match.group(1))


def test_debug_script_carries_the_tenants_settings(debug_client, make_tenant):
    tenant = make_tenant(origins=("https://www.acme.example",))
    path = f"/t/{tenant.tenant_id}/utm-debug.js"
    response = debug_client.get(path, headers={"Referer": "https://www.acme.example/contact?x=1"})
    assert response.status_code == 200
    assert response.headers["content-type"] == JS
    assert response.headers["cache-control"] == "no-store"
    assert "/*CONFIG*/" not in response.text
    assert debug_config(response) == {
        "tenant": "acme",
        "utm_transfer": True,
        "origin_allowed": True,
        "options": [],
    }

    other = debug_client.get(path, headers={"Referer": "https://evil.example/"})
    assert debug_config(other)["origin_allowed"] is False
    own = debug_client.get(path, headers={"Referer": "http://testserver/t/acme/forms/x"})
    assert debug_config(own)["origin_allowed"] is True
    assert debug_config(debug_client.get(path))["origin_allowed"] is None


def test_debug_script_without_origins_or_transfer(debug_client, make_tenant):
    tenant = make_tenant(utm_transfer=False, script_options=("consent", "inputs"))
    response = debug_client.get(
        f"/t/{tenant.tenant_id}/utm-debug.js", headers={"Referer": "https://anywhere.example/"}
    )
    assert debug_config(response) == {
        "tenant": "acme",
        "utm_transfer": False,
        "origin_allowed": None,
        "options": ["consent", "inputs"],
    }


@pytest.mark.parametrize(
    "referer",
    [
        '"></script><script>alert(1)</script>',
        "javascript:alert(1)",
        "https://[::1",
        "https://evil.example/</script><!--\u2028",
        "x" * 10000,
    ],
)
def test_debug_script_with_hostile_referers(debug_client, make_tenant, referer):
    tenant = make_tenant(origins=("https://www.acme.example",))
    response = debug_client.get(
        f"/t/{tenant.tenant_id}/utm-debug.js",
        headers={"Referer": referer.encode()},  # raw bytes, as a hostile client may send
    )
    assert response.status_code == 200
    assert debug_config(response)["origin_allowed"] in (None, False)
    assert "alert(1)" not in response.text  # the Referer is never written into the script


def test_js_literal_is_safe_inside_a_script():
    text = js_literal({"tenant": "</script><!-- & \u2028\u2029"})
    for unsafe in ("<", ">", "&", "\u2028", "\u2029"):
        assert unsafe not in text
    assert json.loads(text) == {"tenant": "</script><!-- & \u2028\u2029"}
