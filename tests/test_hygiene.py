"""Input hygiene at the edge: unsafe emails refused, control characters never stored,
non-JSON numbers refused, parser failures answered as bad requests, and a client that leaves
before its body arrived counted quietly."""

from __future__ import annotations

import json
import logging
import socket
import time
import urllib.request
from dataclasses import replace

import pytest

from ingest import storage
from ingest.ops import observability
from ingest.ops.metrics import read_sample

from .conftest import person, touch_json
from .test_collect import beacon
from .test_forms import count
from .test_limits import serve


@pytest.mark.parametrize(
    "email",
    [
        "ctl1\u0001@b.example",
        "nul2\x00@b.example",
        "\u202eelpmaxe.b@3dib",
        "bidi4@b.exa\u202dmple",
        "zero\u200b5@b.example",
        "del6\x7f@b.example",
    ],
)
def test_emails_with_control_nul_or_bidi_characters_are_refused(client, make_tenant, email):
    tenant = make_tenant()
    response = client.post(tenant.form_path, json={"email": email})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {
        "email": "Enter a valid email address, like name@example.com."
    }
    assert count(tenant.db_path, "persons") == 0


def test_a_nul_in_a_urlencoded_email_is_refused(client, make_tenant):
    tenant = make_tenant()
    response = client.post(
        tenant.form_path,
        content=b"email=nul2%00%40b.example",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
    )
    assert response.status_code == 422
    assert count(tenant.db_path, "persons") == 0


def test_control_characters_are_stripped_from_every_stored_text(client, make_tenant):
    tenant = make_tenant(custom_fields=[{"name": "message", "label": "Message"}])
    response = client.post(
        tenant.form_path,
        json={
            "email": "clean@b.example",
            "first_name": "In\x00grid\x1b",
            "last_name": "Da\x85hl",
            "company": "Fjord\x00 Retail\x07",
            "message": "line one\x00\nline\ttwo\x08",
            "note": "ex\x00tra",
            "ls_latest_touch": touch_json("link\x00edin", "soc\x01ial", "w\x9bx"),
        },
    )
    assert response.status_code == 201, response.text
    with storage.connect(tenant.db_path, tuples=True) as conn:
        first, last = conn.execute("SELECT first_name, last_name FROM persons").fetchone()
        (company,) = conn.execute("SELECT name FROM companies").fetchone()
        (fields,) = conn.execute("SELECT fields FROM submissions").fetchone()
        touch = conn.execute("SELECT source, medium, campaign FROM touches").fetchone()
    assert (first, last, company) == ("Ingrid", "Dahl", "Fjord Retail")
    values = json.loads(fields)
    assert values["message"] == "line one\nline\ttwo"
    assert values["note"] == "extra"
    assert values["first_name"] == "Ingrid"
    assert touch == ("linkedin", "social", "wx")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_nan_and_infinity_are_refused(client, make_tenant, constant):
    tenant = make_tenant()
    response = client.post(
        tenant.form_path,
        content=f'{{"email": "n@b.example", "score": {constant}}}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    body = f'{{"v": "visitor-0001", "u": "https://a.example/", "r": "", "x": {constant}}}'
    view = beacon(client, tenant, body=body.encode())
    assert view.status_code == 400
    assert view.json()["error"]["code"] == "bad_request"
    assert count(tenant.db_path, "submissions") == count(tenant.db_path, "pageviews") == 0


def multipart(parts: list[tuple[str, str]], *, boundary: str = "XyZ", file: bool = False) -> bytes:
    out = []
    for name, value in parts:
        disposition = f'form-data; name="{name}"'
        if file:
            disposition += '; filename="a.txt"'
        out.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n{value}\r\n")
    return ("".join(out) + f"--{boundary}--\r\n").encode()


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", multipart([("email", "a@b.example")])),
        ("multipart/form-data; boundary=XyZ", multipart([(f"f{i}", "x") for i in range(300)])),
        ("multipart/form-data; boundary=XyZ", multipart([("upload", "data")], file=True)),
        (
            "application/x-www-form-urlencoded",
            "&".join(["x="] * 10_000).encode(),  # under the body bound
        ),
    ],
    ids=["missing boundary", "too many parts", "a file part", "10,000 fields"],
)
def test_parser_failures_are_bad_requests(client, make_tenant, settings, content_type, body):
    tenant = make_tenant()
    response = client.post(
        tenant.form_path,
        content=body,
        headers={"Content-Type": content_type, "Accept": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "bad_request"
    assert count(tenant.db_path, "submissions") == 0


def disconnects(url: str) -> float:
    """The service's count of clients gone before their body, read from /metrics."""
    request = urllib.request.Request(
        url + "/metrics", headers={"Authorization": "Bearer scrape-token"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        text = response.read().decode()
    labels = {"event": observability.CLIENT_DISCONNECTED}
    return read_sample(text, "leadsource_events_total", labels) or 0.0


def test_a_client_gone_before_its_body_is_counted_not_logged(settings, make_tenant, caplog):
    """Real uvicorn: the client sends half its body and closes the connection."""
    tenant = make_tenant()
    server, thread, url = serve(
        replace(settings, base_url="http://127.0.0.1", metrics_token="scrape-token")
    )
    before = disconnects(url)
    try:
        with caplog.at_level(logging.ERROR):
            port = int(url.rsplit(":", 1)[1])
            with socket.create_connection(("127.0.0.1", port)) as sock:
                sock.sendall(
                    (
                        f"POST {tenant.form_path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                        '{"email": "gone@b.'
                    ).encode()
                )
                time.sleep(0.2)
            deadline = time.monotonic() + 5
            while disconnects(url) == before:
                assert time.monotonic() < deadline, "the disconnect was not counted"
                time.sleep(0.05)
        assert disconnects(url) == before + 1
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert count(tenant.db_path, "submissions") == 0


# A JSON escape of half a surrogate pair ("\ud800") decodes to text that is not Unicode:
# SQLite and every UTF-8 answer refuse it, so it used to fail the request with a 500.
LONE = b"\\ud800"


@pytest.mark.parametrize(
    "body",
    [
        b'{"email": "a' + LONE + b'@b.example"}',
        b'{"email": "a@b.example", "first_name": "x' + LONE + b'"}',
        b'{"email": "a@b.example", "company": "' + LONE + b'"}',
        b'{"email": "a@b.example", "utm_source": "' + LONE + b'"}',
        b'{"email": "a@b.example", "ls_first_touch": {"utm_source": "' + LONE + b'"}}',
    ],
)
def test_json_with_a_lone_surrogate_is_a_bad_request(client, make_tenant, body):
    tenant = make_tenant()
    response = client.post(
        tenant.form_path, content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "bad_request"
    assert count(tenant.db_path, "submissions") == 0


def test_a_page_view_with_a_lone_surrogate_is_a_bad_request(client, make_tenant):
    tenant = make_tenant()
    body = (
        b'{"v": "visitor-0001", "u": "https://a.example/", "r": "https://r.example/' + LONE + b'"}'
    )
    assert beacon(client, tenant, body=body).status_code == 400


def test_lone_surrogates_in_touch_text_are_dropped(client, make_tenant):
    """Touches inside a native post are JSON text of their own: their values lose the
    surrogates, as they lose control characters, and the lead is stored."""
    tenant = make_tenant()
    touch = '{"utm_source": "news\\ud800", "utm_campaign": "\\udfffspring"}'
    response = client.post(
        tenant.form_path,
        data={"email": "s@b.example", "ls_first_touch": touch, "ls_touches": f"[{touch}]"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    card = person(client, tenant, "s@b.example")
    assert (card["first_touch"]["source"], card["first_touch"]["campaign"]) == ("news", "spring")
