"""Trusted hosts and proxies: URLs come from the base URL, other hosts are refused, and the
"own origin" is the base URL's."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from html import unescape

import pytest
from starlette.testclient import TestClient

from ingest.app import create_app
from ingest.config import Settings
from ingest.edge.hosts import host_allowed, host_name
from ingest.ops.cli import server_options

from .test_collect import CHROME

EVIL = {"Host": "evil.example"}


def test_a_request_for_another_host_is_refused(client, make_tenant):
    tenant = make_tenant()
    for method, path in (
        ("POST", tenant.form_path),
        ("GET", tenant.form_path),
        ("GET", f"/t/{tenant.tenant_id}/utm.js"),
        ("GET", "/healthz"),
    ):
        response = client.request(
            method,
            path,
            data={"email": "a@example.com"} if method == "POST" else None,
            headers=EVIL,
            follow_redirects=False,
        )
        assert response.status_code == 400, (method, path)
        assert response.json()["error"]["code"] == "bad_request"
        assert "location" not in response.headers
    assert not response.headers.get("location")


@pytest.fixture
def alias_client(settings: Settings, clock):
    """A service that also answers to a second name (as behind a proxy that keeps the
    visitor's Host): generated URLs must still use the base URL."""
    aliased = replace(settings, allowed_hosts=("testserver", "alias.example"))
    with TestClient(create_app(aliased, clock=clock)) as client:
        yield client


ALIAS = {"Host": "alias.example"}


def test_redirect_and_thank_you_url_come_from_the_base_url(alias_client, make_tenant):
    tenant = make_tenant(thank_you=None)
    native = alias_client.post(
        tenant.form_path, data={"email": "a@example.com"}, headers=ALIAS, follow_redirects=False
    )
    assert native.status_code == 303
    assert native.headers["location"] == f"http://testserver{tenant.form_path}/thanks"
    as_json = alias_client.post(tenant.form_path, json={"email": "b@example.com"}, headers=ALIAS)
    assert as_json.status_code == 201
    assert as_json.json()["thank_you_url"] == f"http://testserver{tenant.form_path}/thanks"


def test_hosted_forms_landing_page_comes_from_the_base_url(alias_client, make_tenant):
    tenant = make_tenant()
    page = alias_client.get(tenant.form_path + "?utm_source=news&_ls=%5B%5D", headers=ALIAS)
    landing = re.search(r'name="ls_landing_page" value="([^"]*)"', page.text)
    assert landing is not None
    assert unescape(landing.group(1)) == f"http://testserver{tenant.form_path}?utm_source=news"


def test_no_trailing_slash_redirect(alias_client, make_tenant):
    tenant = make_tenant()
    response = alias_client.get(tenant.form_path + "/", headers=ALIAS, follow_redirects=False)
    assert response.status_code == 404
    assert "location" not in response.headers


def test_the_requests_host_is_not_an_own_origin(alias_client, make_tenant):
    tenant = make_tenant(origins=("https://acme.example",))
    forged = {**ALIAS, "Origin": "http://alias.example"}
    post = alias_client.post(tenant.form_path, json={"email": "a@example.com"}, headers=forged)
    assert post.status_code == 403
    view = alias_client.post(
        f"/t/{tenant.tenant_id}/collect",
        content=json.dumps({"v": "visitor-0001", "u": "https://acme.example/", "r": ""}),
        headers={**forged, "Content-Type": "text/plain", "User-Agent": CHROME},
    )
    assert view.status_code == 403
    # Our own hosted pages (the base URL's origin) may still post.
    own = alias_client.post(
        tenant.form_path, json={"email": "a@example.com"}, headers={"Origin": "http://testserver"}
    )
    assert own.status_code == 201


def test_allowed_hosts_default_to_the_base_urls_host():
    assert Settings(base_url="https://ls.example:8443/").hosts == ("ls.example",)
    assert Settings(base_url="https://ls.example", allowed_hosts=("*.ls.example",)).hosts == (
        "*.ls.example",
    )


@pytest.mark.parametrize(
    ("header", "allowed"),
    [
        ("ls.example", True),
        ("LS.example:443", True),
        ("a.ls.example", False),
        ("ls.example.evil.example", False),
        ("", False),
        ("[::1]:8000", False),
    ],
)
def test_host_matching(header, allowed):
    assert host_allowed(host_name(header), ("ls.example",)) is allowed


def test_wildcard_hosts():
    assert host_allowed("a.ls.example", ("*.ls.example",))
    assert not host_allowed("evil-ls.example", ("*.ls.example",))
    assert host_allowed("[::1]", ("[::1]",))


def test_uvicorn_trusts_no_proxy_by_default():
    options = server_options(Settings())
    assert options["proxy_headers"] is False
    assert options["forwarded_allow_ips"] == []
    trusting = server_options(Settings(trusted_proxies=("10.0.0.5", "10.1.0.0/16")))
    assert trusting["proxy_headers"] is True
    assert trusting["forwarded_allow_ips"] == ["10.0.0.5", "10.1.0.0/16"]
