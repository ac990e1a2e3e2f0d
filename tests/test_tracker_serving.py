"""How utm.js is served: content type, caching, compression, unknown tenants."""

from __future__ import annotations

import gzip
from pathlib import Path

from ingest.config import Settings


def test_script_is_served_compressed_and_cacheable(client, make_tenant):
    tenant = make_tenant()
    source = Path(Settings().tracker_path).read_bytes()
    response = client.get(f"/t/{tenant.tenant_id}/utm.js", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.headers["cache-control"].startswith("public, max-age=")
    assert int(response.headers["content-length"]) < len(source)
    assert response.content == source  # the client decoded the gzip
    etag = response.headers["etag"]

    again = client.get(f"/t/{tenant.tenant_id}/utm.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""


def test_script_without_gzip(client, make_tenant):
    tenant = make_tenant()
    response = client.get(f"/t/{tenant.tenant_id}/utm.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in response.headers
    assert response.content.startswith(b"/*")


def test_gzip_body_really_is_gzip(client, make_tenant):
    import httpx2

    tenant = make_tenant()
    # Read the raw bytes, undecoded, to check the encoding the browser will see.
    with client.stream(
        "GET", f"/t/{tenant.tenant_id}/utm.js", headers={"Accept-Encoding": "gzip"}
    ) as response:
        raw = b"".join(response.iter_raw())
    assert gzip.decompress(raw).startswith(b"/*")
    assert httpx2 is not None


def test_unknown_tenant_has_no_script(client):
    response = client.get("/t/nobody/utm.js")
    assert response.status_code == 404
    assert not response.headers["content-type"].startswith("text/javascript")
