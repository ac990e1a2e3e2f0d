"""The app's forms and links pages: each post's effect, its errors shown with the values
kept, the CSRF refusal, and hostile values shown as text; on both engines."""

from __future__ import annotations

import pytest

from .conftest import csrf_of, rows, sign_in


@pytest.fixture
def marketer(client, make_tenant, make_user):
    tenant = make_tenant("acme", origins=("https://acme.example",))
    make_user("mia@example.com", ("acme", "marketer"))
    assert sign_in(client, "mia@example.com").status_code == 303
    return tenant


def post(client, url: str, data: dict, page: str | None = None):
    token = csrf_of(client.get(page or url).text)
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)


def test_create_a_form_then_edit_its_fields_and_publish(client, marketer, db_url):
    response = post(client, "/app/acme/forms", {"name": "Demo request"})
    assert response.status_code == 303
    url = response.headers["location"]
    form_id = url.rsplit("/", 1)[1]
    page = client.get(url)
    assert "Demo request" in page.text and "Draft" in page.text
    data = {
        "action": "save",
        "name": "Demo request",
        "rows": "3",
        "label_0": "Team size",
        "type_0": "number",
        "required_0": "on",
        "label_1": "Plan",
        "type_1": "select",
        "options_1": "Basic\nPro\n",
        "label_2": "",
        "type_2": "text",
        "thank_you_message": "Thanks, we will call.",
    }
    response = post(client, url, data)
    assert (response.status_code, response.headers["location"]) == (303, url + "?done=saved")
    fields = rows(db_url, "SELECT custom_fields FROM forms WHERE form_id = ?", form_id)
    assert '"team_size"' in fields[0]["custom_fields"]
    page = client.get(url).text
    # The preview draws the saved fields; the embed code carries them too.
    assert 'id="ls-team_size" type="number"' in page and "<option>Pro</option>" in page
    assert "&lt;input id=&#34;ls-plan&#34;" in page or "ls-plan" in page
    assert post(client, url, {"action": "publish"}).status_code == 303
    assert rows(db_url, "SELECT published FROM forms WHERE form_id = ?", form_id)[0][
        "published"
    ] in (1, True)
    # The hosted form shows the new fields at once (no cache to wait for).
    hosted = client.get(f"/t/acme/forms/{form_id}")
    assert hosted.status_code == 200 and 'name="team_size"' in hosted.text
    listing = client.get("/app/acme/forms").text
    assert "Demo request" in listing and "Published" in listing


def test_rows_are_added_moved_and_removed_without_saving(client, marketer, db_url):
    url = f"/app/acme/forms/{marketer.form_id}"
    data = {"name": "Contact us", "rows": "2", "label_0": "First", "label_1": "Second"}
    page = post(client, url, {**data, "action": "down:0"})
    assert page.status_code == 200 and "Not saved yet" in page.text
    assert page.text.index('value="Second"') < page.text.index('value="First"')
    page = post(client, url, {**data, "action": "add"})
    assert page.text.count('name="label_') == 4  # two fields and two blank rows
    page = post(client, url, {**data, "action": "remove:0"})
    assert 'value="First"' not in page.text and 'value="Second"' in page.text
    assert rows(db_url, "SELECT custom_fields FROM forms")[0]["custom_fields"] == "[]"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": ""}, "A form needs a name"),
        ({"rows": "1", "label_0": "Plan", "type_0": "select"}, "a choice needs at least one"),
        ({"rows": "1", "label_0": "Email"}, "standard field"),
        ({"thank_you_url": "javascript:alert(1)"}, "full web address"),
    ],
)
def test_a_bad_form_shows_what_to_fix_and_keeps_the_values(client, marketer, data, message):
    url = f"/app/acme/forms/{marketer.form_id}"
    sent = {"action": "save", "name": "Renamed", "rows": "0", **data}
    response = post(client, url, sent)
    assert response.status_code == 400
    assert message in response.text and 'role="alert"' in response.text
    if "label_0" in data:
        assert f'value="{data["label_0"]}"' in response.text
    assert "Renamed" not in client.get("/app/acme/forms").text  # nothing saved


def test_hostile_labels_are_text(client, marketer):
    url = f"/app/acme/forms/{marketer.form_id}"
    hostile = '<script>alert("x")</script>'
    data = {"action": "save", "name": hostile, "rows": "1", "label_0": hostile}
    assert post(client, url, data).status_code == 303
    for page in (client.get(url).text, client.get("/app/acme/forms").text):
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(" in page


@pytest.mark.parametrize(
    "url, data",
    [
        ("/app/acme/forms", {"name": "Sneaky"}),
        ("/app/acme/forms/{form_id}", {"action": "publish"}),
        ("/app/acme/links", {"action": "save", "page_url": "https://acme.example/"}),
        ("/app/acme/links/campaigns", {"name": "Sneaky", "values": "sneaky"}),
    ],
)
def test_posts_without_the_token_are_refused(client, marketer, db_url, url, data):
    url = url.replace("{form_id}", marketer.form_id)
    before = rows(db_url, "SELECT name, published FROM forms")
    response = client.post(url, data={"csrf_token": "forged", **data}, follow_redirects=False)
    assert response.status_code == 403
    assert rows(db_url, "SELECT name, published FROM forms") == before
    assert rows(db_url, "SELECT COUNT(*) AS n FROM tracking_urls")[0]["n"] == 0
    assert rows(db_url, "SELECT COUNT(*) AS n FROM campaigns")[0]["n"] == 0


def test_sales_may_not_edit_forms(client, marketer, make_user):
    make_user("sam@example.com", ("acme", "sales"))
    client.cookies.clear()
    sign_in(client, "sam@example.com")
    assert client.get(f"/app/acme/forms/{marketer.form_id}").status_code == 403


def test_an_unknown_form_is_404(client, marketer):
    assert client.get("/app/acme/forms/frm_nope").status_code == 404


LINK = {
    "page_url": "https://other.example/offer",
    "utm_source": "Newsletter",
    "utm_medium": "Email",
    "utm_campaign": "  Spring Sale ",
}


def test_build_shows_the_link_channel_and_warnings_then_save_lists_it(client, marketer, db_url):
    page = post(client, "/app/acme/links", {"action": "build", **LINK})
    assert page.status_code == 200
    assert "utm_campaign=spring_sale" in page.text
    assert '<strong id="channel">Email</strong>' in page.text
    assert "https://other.example is not one of this account" in page.text
    assert rows(db_url, "SELECT COUNT(*) AS n FROM tracking_urls")[0]["n"] == 0
    response = post(client, "/app/acme/links", {"action": "save", **LINK})
    assert response.status_code == 303
    listing = client.get(response.headers["location"]).text
    assert "spring_sale" in listing and "mia@example.com" in listing
    saved = rows(db_url, "SELECT campaign, created_by FROM tracking_urls")
    assert saved == [{"campaign": "spring_sale", "created_by": "mia@example.com"}]
    assert "spring_sale" in client.get("/app/acme/links?q=SPRING").text
    assert "No saved link matches" in client.get("/app/acme/links?q=winter").text


def test_a_link_with_errors_shows_them_by_field(client, marketer, db_url):
    data = {"action": "save", "page_url": "not a url", "utm_source": "", "utm_medium": "cpc"}
    page = post(client, "/app/acme/links", data)
    assert page.status_code == 400
    assert 'id="page_url-error"' in page.text and 'id="utm_source-error"' in page.text
    assert "Source is required." in page.text and 'value="cpc"' in page.text
    assert rows(db_url, "SELECT COUNT(*) AS n FROM tracking_urls")[0]["n"] == 0


def test_hostile_link_values_are_text(client, marketer):
    hostile = '"><script>alert(1)</script>'
    data = {**LINK, "action": "save", "utm_content": hostile, "page_url": LINK["page_url"]}
    response = post(client, "/app/acme/links", data)
    assert response.status_code == 303
    page = client.get("/app/acme/links").text
    assert "<script>alert(1)" not in page


def test_campaigns_are_created_with_their_values(client, marketer, db_url):
    data = {"name": "Spring 2026", "values": "Spring Sale\nspring-promo"}
    response = post(client, "/app/acme/links/campaigns", data, page="/app/acme/links")
    assert response.status_code == 303
    page = client.get("/app/acme/links").text
    assert "Spring 2026" in page and "<code>spring_sale</code>" in page
    again = post(
        client,
        "/app/acme/links/campaigns",
        {"name": "Other", "values": "spring sale"},
        page="/app/acme/links",
    )
    assert again.status_code == 400 and "already belongs to the campaign" in again.text
    assert 'value="Other"' in again.text
    empty = post(
        client, "/app/acme/links/campaigns", {"name": "X", "values": ""}, page="/app/acme/links"
    )
    assert empty.status_code == 400 and "at least one" in empty.text
