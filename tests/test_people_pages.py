"""The People pages through HTML: the persons list (search, filters, sorts, next page, CSV),
a person's card with its edit, export and erasure (roles, CSRF), companies, and hostile
values shown as text; on both engines."""

from __future__ import annotations

import html
import json
import re

import pytest

from .conftest import count, csrf_of, person, sign_in, touch_json

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def acme(make_tenant):
    return make_tenant("acme")


def submit(client, tenant, email: str, **fields: str):
    response = client.post(tenant.form_path, json={"email": email, **fields})
    assert response.status_code == 201, response.text
    return response


@pytest.fixture
def people(client, acme, make_user):
    """Three persons, a sales user and an admin user of acme."""
    submit(
        client,
        acme,
        "ingrid@fjord.example",
        first_name="Ingrid",
        last_name="Dahl",
        company="Fjord Retail",
        ls_first_touch=touch_json("linkedin", "paid_social", "webinar"),
        ls_latest_touch=touch_json("facebook", "paid_social", "retargeting"),
        ls_touches=[
            json.loads(touch_json("linkedin", "paid_social", "webinar")),
            json.loads(
                touch_json("facebook", "paid_social", "retargeting", at="2026-11-02T10:00:00.000Z")
            ),
        ],
    )
    submit(
        client,
        acme,
        "bo@example.com",
        first_name="Bo",
        company="=HYPERLINK(1)",
        ls_first_touch=touch_json("google", "cpc", "brand"),
    )
    submit(client, acme, "carl@example.com", first_name="Carl")
    make_user("sales@acme.example", ("acme", "sales"))
    make_user("admin@acme.example", ("acme", "admin"))
    return acme


def emails(page: str) -> list[str]:
    """The emails of the persons table's rows, in order."""
    return re.findall(r'<td data-label="Email"><a href="[^"]+">([^<]+)</a>', page)


def test_the_list_searches_filters_sorts_and_pages(client, people):
    sign_in(client, "sales@acme.example")
    page = client.get("/app/acme/persons")
    assert page.status_code == 200
    assert sorted(emails(page.text)) == [
        "bo@example.com",
        "carl@example.com",
        "ingrid@fjord.example",
    ]
    assert emails(client.get("/app/acme/persons?q=fjord").text) == ["ingrid@fjord.example"]
    # The filter form as a browser sends it: blank boxes are no filter.
    blank = "&".join(f"{name}=" for name in ("first_touch_source", "form", "created_from"))
    assert emails(client.get(f"/app/acme/persons?q=fjord&{blank}").text) == ["ingrid@fjord.example"]
    assert "fjord" in client.get(f"/app/acme/persons.csv?q=fjord&{blank}").text
    # The filter form's sort menu, as sent with nothing else.
    menu = client.get(f"/app/acme/persons?q=&sort=email&{blank}").text
    assert emails(menu) == sorted(emails(menu)) and len(emails(menu)) == 3
    assert '<option value="email" selected>' in menu
    assert emails(client.get("/app/acme/persons?q=DAHL").text) == ["ingrid@fjord.example"]
    filtered = client.get("/app/acme/persons?first_touch_source=google").text
    assert emails(filtered) == ["bo@example.com"]
    assert emails(client.get("/app/acme/persons?lead_creation_source=facebook").text) == [
        "ingrid@fjord.example"
    ]
    # Sorting by email, both ways; the header link turns the order around.
    ascending = client.get("/app/acme/persons?sort=email").text
    assert emails(ascending) == sorted(emails(ascending))
    assert 'aria-sort="ascending"' in ascending
    assert html.escape("/app/acme/persons?sort=-email") in ascending
    descending = client.get("/app/acme/persons?sort=-email").text
    assert emails(descending) == sorted(emails(ascending), reverse=True)
    # Keyset pages of one, following "Next page" to the end.
    seen, url = [], "/app/acme/persons?sort=email&limit=1"
    while url:
        text = client.get(url).text
        seen += emails(text)
        found = re.search(r'id="next-page" href="([^"]+)"', text)
        url = html.unescape(found.group(1)) if found else None
    assert seen == sorted(seen) and len(seen) == 3
    # Nothing matches: the empty state, and the filters kept in the form.
    empty = client.get("/app/acme/persons?q=nobody-at-all").text
    assert 'id="empty"' in empty and "No person matches" in empty
    assert 'value="nobody-at-all"' in empty
    # The CSV link carries the same query.
    assert (
        html.escape("/app/acme/persons.csv?q=fjord") in client.get("/app/acme/persons?q=fjord").text
    )


def test_the_list_filters_and_sorts_by_channel(client, people):
    # ingrid: linkedin / paid_social first (Paid Social), facebook / paid_social at lead
    # creation (Paid Social); bo: google / cpc (Paid Search); carl: no touch (no channel).
    sign_in(client, "sales@acme.example")
    page = client.get("/app/acme/persons").text
    # A menu of the channel names, "Any" first and chosen.
    menu = re.search(r'<select name="first_touch_channel">(.*?)</select>', page, re.S).group(1)
    assert re.findall(r"<option[^>]*>([^<]+)</option>", menu)[:4] == [
        "Any",
        "Direct",
        "Cross-network",
        "Paid Shopping",
    ]
    assert '<option value="" selected>Any</option>' in menu
    assert '<td data-label="First-touch channel">Paid Search</td>' in page

    def listed(query: str) -> list[str]:
        response = client.get(f"/app/acme/persons?{query}")
        assert response.status_code == 200, response.text
        return emails(response.text)

    assert listed("first_touch_channel=Paid+Search") == ["bo@example.com"]
    assert listed("first_touch_channel=Direct") == []
    assert listed("lead_creation_channel=Paid+Social") == ["ingrid@fjord.example"]
    # The form as a browser sends it with "Any": no filter.
    assert len(listed("first_touch_channel=&lead_creation_channel=&q=")) == 3
    chosen = client.get("/app/acme/persons?first_touch_channel=Paid+Search").text
    assert '<option value="Paid Search" selected>Paid Search</option>' in chosen
    assert '<option value="" selected>' not in chosen.split('name="lead_creation_channel"')[0]
    # Sortable headers; the column's own header turns the order around.
    assert listed("sort=first_touch_channel") == [
        "carl@example.com",
        "bo@example.com",
        "ingrid@fjord.example",
    ]
    assert listed("sort=-lead_creation_channel") == [
        "ingrid@fjord.example",
        "bo@example.com",
        "carl@example.com",
    ]
    ascending = client.get("/app/acme/persons?sort=first_touch_channel").text
    assert html.escape("/app/acme/persons?sort=-first_touch_channel") in ascending
    assert 'aria-sort="ascending"><a href' in ascending
    # The CSV carries the channels.
    csv_text = client.get("/app/acme/persons.csv?sort=email").content.decode("utf-8-sig")
    header, bo = csv_text.splitlines()[:2]
    cells = dict(zip(header.split(","), bo.split(","), strict=False))
    assert cells["first_touch_channel"] == "Paid Search"
    assert cells["lead_creation_channel"] == "Paid Search"
    # A channel not in the menu is a readable 400.
    response = client.get("/app/acme/persons?first_touch_channel=Paid")
    assert response.status_code == 400
    assert "first_touch_channel must be one of" in response.text


def test_a_bad_sort_is_a_readable_400(client, people):
    sign_in(client, "sales@acme.example")
    response = client.get("/app/acme/persons?sort=password")
    assert response.status_code == 400
    assert "sort must be one of" in response.text


def test_the_csv_is_the_selection_neutralised_as_an_attachment(client, people):
    sign_in(client, "sales@acme.example")
    response = client.get("/app/acme/persons.csv?q=example.com&sort=email")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffid,email")
    lines = text.strip().splitlines()
    assert len(lines) == 3  # header, bo, carl: not ingrid@fjord.example
    assert "'=HYPERLINK(1)" in lines[1]


def test_the_card_shows_touches_company_submissions_and_history(client, people):
    sign_in(client, "sales@acme.example")
    ingrid = person(client, people, "ingrid@fjord.example")
    page = client.get(f"/app/acme/persons/{ingrid['id']}")
    assert page.status_code == 200
    text = page.text
    first = text[text.index('id="first-touch"') : text.index('id="lead-creation"')]
    lead = text[text.index('id="lead-creation"') : text.index('id="company"')]
    assert "linkedin" in first and "webinar" in first and "Paid Social" in first
    assert "facebook" in lead and "retargeting" in lead
    assert f"/app/acme/companies/{ingrid['company']['id']}" in text
    history = text[text.index('class="timeline"') :]
    assert history.index("linkedin") < history.index("facebook")
    assert "Ingrid" in text[text.index('id="submissions"') :]
    # Sales may not export or erase: no buttons, and 403 by URL.
    assert 'id="erase-person"' not in text
    assert client.get(f"/app/acme/persons/{ingrid['id']}/export").status_code == 403
    assert client.get(f"/app/acme/persons/{ingrid['id']}/erase").status_code == 403
    assert client.get("/app/acme/persons/no-such-person").status_code == 404


def test_editing_name_and_company(client, people):
    sign_in(client, "sales@acme.example")
    bo = person(client, people, "bo@example.com")
    url = f"/app/acme/persons/{bo['id']}"
    token = csrf_of(client.get(url).text)
    response = client.post(
        url + "/edit",
        data={"csrf_token": token, "first_name": "Bodil", "last_name": "", "company": "Acme"},
        follow_redirects=False,
    )
    assert (response.status_code, response.headers["location"]) == (303, url)
    card = person(client, people, "bo@example.com")
    assert (card["first_name"], card["last_name"], card["company"]["name"]) == (
        "Bodil",
        None,
        "Acme",
    )
    assert "Saved." in client.get(url).text
    # Too long: the card again with what to fix and the values kept; nothing changed.
    response = client.post(
        url + "/edit", data={"csrf_token": token, "first_name": "x" * 101, "company": "Acme"}
    )
    assert response.status_code == 422
    assert "at most 100 characters" in response.text and "x" * 101 in response.text
    assert person(client, people, "bo@example.com")["first_name"] == "Bodil"
    # Without the form token: refused.
    response = client.post(url + "/edit", data={"first_name": "Mallory"})
    assert response.status_code == 403
    assert person(client, people, "bo@example.com")["first_name"] == "Bodil"


def test_an_admin_exports_and_erases_after_confirming(client, people, db_url):
    sign_in(client, "admin@acme.example")
    carl = person(client, people, "carl@example.com")
    url = f"/app/acme/persons/{carl['id']}"
    assert 'id="erase-person"' in client.get(url).text
    export = client.get(url + "/export")
    assert export.status_code == 200
    assert export.headers["content-disposition"].startswith("attachment;")
    assert "carl@example.com" in export.text
    question = client.get(url + "/erase")
    assert "Erase carl@example.com?" in question.text
    token = csrf_of(question.text)
    # Without the token: refused, nothing erased.
    assert client.post(url + "/erase", data={"confirm": "erase"}).status_code == 403
    # Without the confirmation: back to the question.
    response = client.post(url + "/erase", data={"csrf_token": token}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, url + "/erase")
    assert count(db_url, "persons") == 3
    response = client.post(
        url + "/erase", data={"csrf_token": token, "confirm": "erase"}, follow_redirects=False
    )
    assert (response.status_code, response.headers["location"]) == (303, "/app/acme/persons")
    listing = client.get("/app/acme/persons").text
    assert "Erased carl@example.com" in listing
    assert "carl@example.com" not in emails(listing)
    assert count(db_url, "persons") == 2
    assert client.get(url).status_code == 404


def test_companies_list_and_card(client, people):
    sign_in(client, "sales@acme.example")
    page = client.get("/app/acme/companies").text
    assert "Fjord Retail" in page and "=HYPERLINK(1)" in page
    assert "Fjord Retail" not in client.get("/app/acme/companies?q=hyperlink").text
    assert 'id="empty"' in client.get("/app/acme/companies?q=zzz").text
    ingrid = person(client, people, "ingrid@fjord.example")
    card = client.get(f"/app/acme/companies/{ingrid['company']['id']}").text
    assert "Fjord Retail" in card and "1 persons, 1 submissions" in card
    assert f"/app/acme/persons/{ingrid['id']}" in card
    assert "facebook" in card  # the company source: the touch that created it
    first = client.get("/app/acme/companies?limit=1").text
    assert 'id="next-page"' in first
    assert client.get("/app/acme/companies/nope").status_code == 404


def test_hostile_values_are_text_on_the_list_and_the_card(client, acme, make_user):
    evil_touch = {
        key: HOSTILE
        for key in ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
    }
    evil_touch |= {
        "landing_page": "javascript:alert(1)//",
        "referrer": "javascript:alert(2)",
        "at": "2026-11-01T10:00:00.000Z",
        "gclid": HOSTILE,
    }
    submit(
        client,
        acme,
        "evil@example.com",
        first_name=HOSTILE,
        last_name=HOSTILE,
        company=HOSTILE,
        ls_first_touch=json.dumps(evil_touch),
        ls_latest_touch=json.dumps(evil_touch),
        ls_touches=[evil_touch],
    )
    make_user("sales@acme.example", ("acme", "sales"))
    sign_in(client, "sales@acme.example")
    evil = person(client, acme, "evil@example.com")
    for url in (
        "/app/acme/persons",
        f"/app/acme/persons/{evil['id']}",
        "/app/acme/companies",
        f"/app/acme/companies/{evil['company']['id']}",
    ):
        text = client.get(url).text
        assert "<img" not in text, url
        assert html.escape(HOSTILE) in text or html.escape(HOSTILE, quote=False) in text, url
        assert 'href="javascript' not in text.lower(), url


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("https://acme.example/?a=<b>", True),
        ("HTTP://acme.example/", True),
        ("javascript:alert(1)//https://x", False),
        (" javascript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("//evil.example/", False),
        ("", False),
        (None, False),
    ],
)
def test_only_http_addresses_become_links(settings, url, link):
    """The card's landing pages and referrers (the store drops most bad ones already;
    the page does not count on it)."""
    from ingest.app import create_app

    env = create_app(settings).state.templates.env
    macro = env.get_template("app/_people.html").module.web_link
    out = str(macro(url))
    assert ("<a href=" in out) is link, out
    assert "<script" not in out and "<b>" not in out
