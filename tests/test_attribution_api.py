"""``GET /api/v1/reports/attribution`` (ingest/api/attribution.py): the contract's answer on
data built through the endpoints, sums that equal the kept credits, date filters on the
conversion's day, the null key, revenue in the tenant's currency, another lookback replayed,
the campaign restriction, every 400, CSV formula safety, and a foreign key seeing nothing."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ingest import storage
from ingest.storage.attribution import attribution_report

from .conftest import Clock, person
from .test_credits import catch_up, deal, patch, submit, touch

REPORT = "/api/v1/reports/attribution"
HOSTILE = '=HYPERLINK("https://evil.example","x")'


NOW = datetime.now(UTC)
TODAY = NOW.date().isoformat()


def ago(days: int) -> str:
    return (NOW - timedelta(days=days)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.fixture
def clock() -> Clock:
    """Submissions are stamped by the real clock: the app's is the same here."""
    return Clock(NOW)


@pytest.fixture
def data(client, make_tenant, db_url, clock):
    """Ada (LinkedIn webinar 62 days ago, then Google brand 22 days ago), Bo (Google brand),
    Cy (no touch), Di (a newsletter with a hostile campaign), all created today; a deal of
    Ada's won for 1000.10 EUR, one of Bo's won in USD."""
    tenant = make_tenant()
    linkedin = touch("linkedin", "paid_social", "webinar", ago(62))
    google = touch("google", "cpc", "brand", ago(22))
    hostile = touch("newsletter", "email", HOSTILE, ago(12))
    submit(client, tenant, "ada@example.com", [linkedin, google])
    submit(client, tenant, "bo@example.com", [google])
    submit(client, tenant, "cy@example.com", [])
    submit(client, tenant, "di@example.com", [hostile])
    ada = person(client, tenant, "ada@example.com")["id"]
    bo = person(client, tenant, "bo@example.com")["id"]
    won = deal(client, tenant, ada, amount="1000.10")
    patch(client, tenant, won, status="won")
    dollars = deal(client, tenant, bo, amount="50", currency="USD")
    patch(client, tenant, dollars, status="won")
    catch_up(db_url)
    return tenant


def get(client, tenant, **params):
    return client.get(REPORT, params={"from": TODAY[:4] + "-01-01", **params}, headers=tenant.auth)


def test_contact_create_by_source_sums_the_credits(client, data):
    response = get(client, data, conversion="contact_create", model="linear", by="source")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {
        "conversion": "contact_create",
        "model": "linear",
        "by": "source",
        "from": TODAY[:4] + "-01-01",
        "to": TODAY,
        "lookback_days": 90,
        "rows": [
            {"key": "google", "credit": "1.5"},
            {"key": "newsletter", "credit": "1"},
            {"key": "linkedin", "credit": "0.5"},
            {"key": None, "credit": "1"},
        ],
        "conversions": 4,
    }
    keys = [r["key"] for r in body["rows"]]
    assert keys[-1] is None  # Cy: no touch in the window
    assert sum(Decimal(r["credit"]) for r in body["rows"]) == body["conversions"] == 4
    first = get(client, data, conversion="contact_create", model="first_touch", by="campaign")
    rows = {r["key"]: r["credit"] for r in first.json()["rows"]}
    assert rows == {"webinar": "1", "brand": "1", HOSTILE: "1", None: "1"}


def test_revenue_counts_the_tenants_currency_and_splits_the_amount(client, data):
    body = get(client, data, conversion="revenue", model="full_path", by="source_medium").json()
    assert body["conversions"] == 1  # the USD deal is not in an EUR report
    assert sum(Decimal(r["revenue"]) for r in body["rows"]) == Decimal("1000.10")
    assert sum(Decimal(r["credit"]) for r in body["rows"]) == 1
    assert {r["key"] for r in body["rows"]} == {"linkedin / paid_social", "google / cpc"}
    assert (
        "revenue"
        not in get(client, data, conversion="deal_create", model="w_shaped").json()["rows"][0]
    )


def test_dates_filter_the_conversions_day(client, data):
    yesterday = (NOW - timedelta(days=1)).date().isoformat()
    body = get(client, data, model="linear", **{"from": yesterday, "to": yesterday}).json()
    assert body["conversions"] == 0 and body["rows"] == []
    # Touches are weeks older than the range; the conversions are in it.
    body = get(client, data, model="linear", **{"from": TODAY, "to": TODAY}).json()
    assert body["conversions"] == 4


def test_another_lookback_is_replayed_from_the_raw_data(client, data, db_url):
    # 30 days: LinkedIn's touch (62 days ago) is out of Ada's window.
    body = get(client, data, model="first_touch", by="source", lookback_days="30").json()
    assert body["lookback_days"] == 30
    rows = {r["key"]: r["credit"] for r in body["rows"]}
    assert rows == {"google": "2", "newsletter": "1", None: "1"}
    # The replay under 90 days gives what the rollups give.
    with storage.connect(db_url) as conn:
        from ingest.domain.credits import replay

        kept = attribution_report(
            conn,
            data.tenant_id,
            conversion="contact_create",
            model="u_shaped",
            by="channel",
            first_day=TODAY[:4] + "-01-01",
            last_day=TODAY,
        )
        sums, untouched, count = replay.replay(
            conn,
            data.tenant_id,
            conversion="contact_create",
            model="u_shaped",
            by="channel",
            first_day=kept.first_day,
            last_day=kept.last_day,
            lookback_days=90,
            currency="",
            campaign=None,
            limit=100,
        )
    assert {r.key: r.parts for r in kept.rows if r.key} == {k: v[0] for k, v in sums.items()}
    assert count == kept.conversions and untouched[0] == 1


def test_a_campaign_restricts_the_rows(client, data, db_url):
    with storage.connect(db_url) as conn:
        found = attribution_report(
            conn,
            data.tenant_id,
            conversion="contact_create",
            model="linear",
            by="source",
            first_day=TODAY[:4] + "-01-01",
            last_day=TODAY,
            campaign=["brand"],
        )
    assert [(r.key, r.parts) for r in found.rows] == [("google", 1_500_000_000)]
    assert found.conversions == 2
    body = client.get(
        REPORT,
        params=[("campaign", "webinar"), ("model", "linear"), ("from", TODAY)],
        headers=data.auth,
    ).json()
    assert body["rows"] == [{"key": "linkedin", "credit": "0.5"}] and body["conversions"] == 1


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"conversion": "sales"}, "unknown conversion"),
        ({"conversion": "contact_create", "model": "w_shaped"}, "not offered for contact_create"),
        ({"conversion": "deal_create", "model": "full_path"}, "not offered for deal_create"),
        ({"model": "best"}, "unknown model"),
        ({"by": "colour"}, "unknown grouping"),
        ({"from": "2026-02-30"}, "from"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "before"),
        ({"lookback_days": "-1"}, "lookback_days"),
        ({"lookback_days": "9999"}, "lookback_days"),
        ({"lookback_days": "ten"}, "lookback_days"),
        ({"format": "xml"}, "format"),
        ({"period": "someday", "from": ""}, "unknown period"),
    ],
)
def test_bad_parameters_are_a_clear_400(client, data, params, says):
    response = get(client, data, **params)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "bad_request"
    assert says in response.json()["error"]["message"]


def test_csv_gives_the_same_rows_formula_safe(client, data):
    params = {"conversion": "contact_create", "model": "first_touch", "by": "campaign"}
    body = get(client, data, **params).json()
    response = get(client, data, **params, format="csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert table[0] == ["key", "credit"]
    assert len(table) - 1 == len(body["rows"])
    cells = [cell for row in table for cell in row]
    assert "'" + HOSTILE in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    revenue = get(client, data, conversion="revenue", model="linear", format="csv")
    assert revenue.text.lstrip("\ufeff").splitlines()[0] == "key,credit,revenue"


def test_a_foreign_key_sees_nothing(client, data, make_tenant):
    other = make_tenant("globex")
    body = get(client, other, model="linear").json()
    assert body["rows"] == [] and body["conversions"] == 0
    assert client.get(REPORT).status_code == 401


# -- the Attribution page ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "marketer", "sales"])
def test_the_page_states_the_model_and_every_row_traces(client, data, make_user, role):
    from .conftest import sign_in

    make_user(f"{role}@acme.example", ("acme", role))
    assert sign_in(client, f"{role}@acme.example").status_code == 303
    page = client.get(
        "/app/acme/attribution",
        params={"model": "first_touch", "by": "campaign", "from": TODAY[:4] + "-01-01"},
    )
    assert page.status_code == 200, page.text
    html = page.text
    assert "First touch: all credit to the first touch" in html
    assert "up to 90 days before each conversion" in html
    assert "<svg" in html and 'id="attribution-table"' in html
    assert "=HYPERLINK(&#34;https://evil.example&#34;,&#34;x&#34;)" in html  # escaped, literal
    import re

    links = re.findall(r'href="(/app/acme/attribution/conversions\?[^"]+)"', html)
    assert len(set(links)) == 4  # webinar, brand, the hostile one, and no touch
    emails = set()
    for link in set(links):
        trace = client.get(link.replace("&amp;", "&"))
        assert trace.status_code == 200, trace.text
        emails |= set(re.findall(r"[a-z]+@example\.com", trace.text))
    assert emails == {"ada@example.com", "bo@example.com", "cy@example.com", "di@example.com"}
    # Switching to contact creation with a deal-only model falls back to linear, said so.
    page = client.get("/app/acme/attribution", params={"model": "w_shaped"})
    assert page.status_code == 200 and "not offered" in page.text
    # Revenue: the model kept when offered; the amounts in the tenant's currency.
    page = client.get(
        "/app/acme/attribution",
        params={"conversion": "revenue", "model": "w_shaped", "from": TODAY[:4] + "-01-01"},
    )
    assert 'value="w_shaped" selected' in page.text and "1000.10" not in page.text
    assert "Revenue (EUR)" in page.text
    bad = client.get("/app/acme/attribution", params={"by": "colour"})
    assert bad.status_code == 400
