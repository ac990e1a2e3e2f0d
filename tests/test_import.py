"""Importing contacts from CSV in the app: reading files as spreadsheets save them, guessing
the columns, the dry run row by row, the import as one transaction (all or nothing), and the
rule that imported persons are existing persons (a later form submission records only a
conversion); roles and CSRF. On both engines."""

from __future__ import annotations

import re

import pytest

from ingest.domain import importing

from .conftest import count, csrf_of, person, rows, sign_in, touch_json

URL = "/app/acme/import"


@pytest.fixture
def acme(make_tenant):
    return make_tenant("acme")


@pytest.fixture
def marketer(client, acme, make_user):
    make_user("mia@example.com", ("acme", "marketer"))
    assert sign_in(client, "mia@example.com").status_code == 303
    return client


def upload(client, data: bytes, **fields: str):
    token = csrf_of(client.get(URL).text)
    return client.post(
        URL,
        data={"csrf_token": token, "step": "read", **fields},
        files={"file": ("contacts.csv", data, "text/csv")},
    )


def post(client, csv_text: str, **fields: str):
    token = csrf_of(client.get(URL).text)
    return client.post(
        URL,
        data={"csrf_token": token, "csv": csv_text, **fields},
        files={"none": ("", b"", "application/octet-stream")},
        follow_redirects=False,
    )


def counted(page: str, outcome: str) -> int:
    found = re.search(rf'data-count="{outcome}">(\d+)<', page)
    assert found, outcome
    return int(found.group(1))


NORDIC = (
    "E-post;Fornavn;Etternavn;Firma\r\n"
    "kari@fjord.example;Kari;Nordmann;Fjord AS\r\n"
    "ola@fjord.example;Ola;Nordmann;Fjord AS\r\n"
    "not-an-email;Per;Feil;\r\n"
    "KARI@fjord.example;Kari;Again;\r\n"
    "known@example.com;Known;Person;Elsewhere\r\n"
)


def test_reading_guessing_and_the_dry_run(marketer, acme, client, db_url):
    client.post(acme.form_path, json={"email": "known@example.com", "first_name": "K"})
    # Windows-1252, as an older spreadsheet saves Danish and Norwegian letters.
    data = NORDIC.replace("Nordmann", "Nordmånn").encode("cp1252")
    page = upload(marketer, data)
    assert page.status_code == 200, page.text
    text = page.text
    assert 'id="map_email"' in text and "Nordmånn" in text
    for target, column in (("email", 0), ("first_name", 1), ("last_name", 2), ("company", 3)):
        chosen = re.search(rf'id="map_{target}".*?</select>', text, re.S).group(0)
        assert f'value="{column}" selected' in chosen
    assert counted(text, "new") == 2
    assert counted(text, "companies") == 1  # Fjord AS once
    assert counted(text, "known") == 1
    assert counted(text, "repeat") == 1
    assert counted(text, "error") == 1
    assert "Enter a valid email address" in text and "The same email as row 2" in text
    # A dry run writes nothing.
    assert count(db_url, "persons") == 1


def test_the_import_is_all_or_nothing_and_imported_persons_are_existing(
    marketer, acme, client, db_url
):
    refused = post(marketer, NORDIC, step="run", map_email="0", map_first_name="1")
    assert refused.status_code == 422
    assert "Nothing was imported" in refused.text
    assert count(db_url, "persons") == 0

    done = post(marketer, NORDIC, step="run", map_email="0", map_first_name="1", skip_errors="on")
    assert done.status_code == 303
    assert "Imported 3 new person(s)." in marketer.get(done.headers["location"]).text
    kari = person(client, acme, "kari@fjord.example")
    assert kari["first_name"] == "Kari" and kari["last_name"] is None  # not mapped
    assert kari["first_touch"] is None and kari["lead_creation"] is None
    assert [(s["via"], s["form_id"]) for s in kari["submissions"]] == [("import", None)]
    # Imported: a later form submission is a conversion, not a new lead with a first touch.
    sent = client.post(
        acme.form_path,
        json={
            "email": "kari@fjord.example",
            "ls_first_touch": touch_json("google", "cpc", "brand"),
            "ls_latest_touch": touch_json("google", "cpc", "brand"),
        },
    )
    assert sent.status_code == 201
    kari = person(client, acme, "kari@fjord.example")
    assert kari["first_touch"] is None
    assert [s["via"] for s in kari["submissions"]] == ["import", "form"]
    assert kari["submissions"][1]["conversion"]["source"] == "google"
    # Running it again imports nothing twice.
    again = post(marketer, NORDIC, step="run", map_email="0", map_first_name="1", skip_errors="on")
    assert again.status_code == 303
    assert count(db_url, "persons") == 3
    assert len(rows(db_url, "SELECT 1 FROM submissions WHERE via = ?", "import")) == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Choose a CSV file"),
        (b"name,phone\r\nAda,123\r\n", "Choose the column that holds the email"),
        (b"\x00\x01\x02binary", "does not look like a CSV file"),
        (b"email\r\n" + b"a@example.com\r\n" * (importing.MAX_ROWS + 1), "more than"),
    ],
)
def test_files_that_cannot_be_imported_say_why(marketer, db_url, data, message):
    page = upload(marketer, data)
    assert page.status_code == 422
    assert message in page.text
    assert count(db_url, "persons") == 0


def test_hostile_cells_are_text(marketer):
    page = upload(marketer, b'email,company\r\n"<script>x()</script>@e.com","<img src=x>"\r\n')
    assert "<script>x()" not in page.text and "<img src=x>" not in page.text
    assert "&lt;img src=x&gt;" in page.text


def test_roles_and_csrf(client, acme, make_user, db_url):
    make_user("sam@example.com", ("acme", "sales"))
    assert sign_in(client, "sam@example.com").status_code == 303
    assert client.get(URL).status_code == 403
    client.post("/app/logout", data={"csrf_token": csrf_of(client.get("/app/").text)})
    make_user("mia@example.com", ("acme", "marketer"))
    assert sign_in(client, "mia@example.com").status_code == 303
    forged = client.post(
        URL,
        data={"csrf_token": "forged", "csv": "email\r\na@example.com\r\n", "step": "run",
              "map_email": "0"},
        files={"none": ("", b"", "application/octet-stream")},
    )  # fmt: skip
    assert forged.status_code == 403
    assert count(db_url, "persons") == 0
