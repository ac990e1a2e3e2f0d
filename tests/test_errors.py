"""The one JSON error shape, pinned, and the HTML page browsers get instead."""

from __future__ import annotations

from ingest.errors import NotFound, ValidationFailed, error_body


def test_error_shape_is_pinned():
    assert error_body(
        ValidationFailed("Some fields need fixing.", {"email": "Email is required."})
    ) == {
        "error": {
            "code": "validation_failed",
            "message": "Some fields need fixing.",
            "fields": {"email": "Email is required."},
        }
    }
    assert error_body(NotFound("No such person.")) == {
        "error": {"code": "not_found", "message": "No such person."}
    }


def test_unknown_route_json_and_html(client):
    api = client.get("/api/v1/nothing")
    assert api.status_code == 404
    assert api.json() == {"error": {"code": "not_found", "message": "Nothing here."}}
    page = client.get("/nothing", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Nothing here." in page.text


def test_wrong_method_keeps_the_shape(client, make_tenant):
    tenant = make_tenant()
    response = client.delete(tenant.form_path, headers={"Accept": "application/json"})
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "bad_request"


def test_security_headers(client, make_tenant):
    tenant = make_tenant()
    page = client.get(tenant.form_path)
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in page.headers["content-security-policy"]
