"""The Dashboards pages: the three default dashboards made once, tiles run on the page with
links to their lists, tiles and dashboards added, edited, reordered and removed with plain
forms (CSRF), every tile setting checked with a clear message, the tile's CSV; another
tenant's dashboard or tile is 404."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from .test_lead_lists import acme, signed_in  # noqa: F401  (the fixture)
from .test_reports import backdate, data, lead, touch_json  # noqa: F401  (the fixture)


def dashboard_links(client) -> dict[str, str]:
    page = client.get("/app/acme/dashboards/manage").text
    return dict(
        (name, path)
        for path, name in re.findall(
            r'<td data-label="Dashboard"><a href="([^"]+)">([^<]+)</a>', page
        )
    )


def tile_ids(html: str) -> list[str]:
    return re.findall(r'data-tile="([^"]+)"', html)


def test_default_dashboards_show_their_numbers(client, data):  # noqa: F811
    signed_in(client, "marketer@acme.example")
    first = client.get("/app/acme/dashboards", follow_redirects=False)
    assert first.status_code == 303
    links = dashboard_links(client)
    assert list(links) == ["Marketing", "Lead nurturing", "Sales"]
    assert first.headers["location"] == links["Marketing"]
    page = client.get(links["Marketing"]).text
    assert "New leads by campaign" in page and "<svg" in page
    assert "cannot be shown" not in page
    # The total of new leads this year links to exactly those persons.
    assert (
        '<p class="dash-number"><a href="/app/acme/persons?created_from=2026-01-01'
        '&amp;created_to=2026-11-23">8</a></p>' in page
    )
    nurturing = client.get(links["Lead nurturing"]).text
    assert "Lead qualification funnel" in nurturing and "Open leads" in nurturing
    assert "cannot be shown" not in nurturing
    assert "anna@x.example" in nurturing  # the selection list tile's rows
    sales = client.get(links["Sales"]).text
    assert "1,250.50 EUR" in sales and "cannot be shown" not in sales


def test_add_edit_move_remove_a_tile(client, data):  # noqa: F811
    token = signed_in(client, "sales@acme.example")
    sales = dashboard_links(client)["Sales"]
    before = tile_ids(client.get(sales).text)
    form = client.get(sales + "/tiles").text
    assert 'name="csrf_token"' in form
    bad = client.post(sales + "/tiles", data={"csrf_token": token, "title": "By via",
                      "kind": "donut", "measure": "new_leads", "grouping": ""})  # fmt: skip
    assert bad.status_code == 422 and "A donut tile needs a grouping." in bad.text
    assert 'value="By via"' in bad.text  # what was typed is kept
    added = client.post(sales + "/tiles", follow_redirects=False, data={
        "csrf_token": token, "title": "Leads by way in", "kind": "donut", "measure": "new_leads",
        "grouping": "via", "period": "year_to_date", "top": "10"})  # fmt: skip
    assert added.status_code == 303
    page = client.get(sales).text
    assert "Added the tile &#39;Leads by way in&#39;." in page
    ids = tile_ids(page)
    assert ids[:-1] == before and len(ids) == len(before) + 1
    new = ids[-1]
    # Edited: a custom period, a filter.
    edited = client.post(f"{sales}/tiles/{new}", follow_redirects=False, data={
        "csrf_token": token, "title": "Chat leads by month", "kind": "lines",
        "measure": "new_leads", "grouping": "month", "period": "custom",
        "period_from": "2026-01-01", "period_to": "2026-06-30", "via": "chat"})  # fmt: skip
    assert edited.status_code == 303
    page = client.get(sales).text
    assert "Chat leads by month" in page and "1 Jan - 30 Jun 2026" in page
    # Moved up: it swaps with the one before.
    client.post(f"{sales}/tiles/{new}/change", data={"csrf_token": token, "action": "up"})
    assert tile_ids(client.get(sales).text) == [*before[:-1], new, before[-1]]
    # Removed only when confirmed.
    client.post(f"{sales}/tiles/{new}/change", data={"csrf_token": token, "action": "delete"})
    assert new in tile_ids(client.get(sales).text)
    client.post(f"{sales}/tiles/{new}/change",
                data={"csrf_token": token, "action": "delete", "confirm": "delete"})  # fmt: skip
    assert tile_ids(client.get(sales).text) == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "pie"}, "kind must be one of"),
        ({"kind": "number", "grouping": "via"}, "A number tile shows one total"),
        ({"kind": "funnel"}, "A funnel tile shows the qualification funnel"),
        ({"kind": "number", "measure": "qualification"}, "A funnel tile shows"),
        ({"kind": "lines", "grouping": "via"}, "grouped by day or month"),
        ({"kind": "bar", "grouping": "month"}, "lines over time or a table"),
        ({"kind": "bar", "measure": "sales", "grouping": "form"}, "by must be one of"),
        ({"kind": "number", "measure": "sales", "category": "cat_lead"}, "deal reports filter"),
        ({"kind": "number", "period": "custom", "period_from": "2026-05-01",
          "period_to": "2026-04-01"}, "before"),
        ({"kind": "number", "title": ""}, "needs a name"),
        ({"kind": "number", "top": "99"}, "top must be between"),
        ({"kind": "selection", "measure": "", "selection_id": "sel_nope"}, "saved selections"),
        ({"kind": "number", "measure": "nope"}, "No report"),
    ],
)  # fmt: skip
def test_tile_settings_are_checked(client, data, fields, message):  # noqa: F811
    token = signed_in(client, "marketer@acme.example")
    marketing = dashboard_links(client)["Marketing"]
    count = len(tile_ids(client.get(marketing).text))
    body = {"csrf_token": token, "title": "T", "measure": "new_leads", **fields}
    response = client.post(marketing + "/tiles", data=body)
    assert response.status_code == 422
    assert message in response.text
    assert len(tile_ids(client.get(marketing).text)) == count


def test_dashboards_added_renamed_moved_deleted_and_not_remade(client, data):  # noqa: F811
    token = signed_in(client, "admin@acme.example")
    client.post("/app/acme/dashboards", data={"csrf_token": token, "name": "Partners"})
    assert list(dashboard_links(client)) == ["Marketing", "Lead nurturing", "Sales", "Partners"]
    taken = client.post("/app/acme/dashboards", data={"csrf_token": token, "name": "Sales"})
    assert "There is a dashboard called &#39;Sales&#39; already." in taken.text
    links = dashboard_links(client)
    client.post(links["Partners"] + "/change", data={"csrf_token": token, "action": "up"})
    rename = {"csrf_token": token, "action": "rename", "name": "Partner sales"}
    client.post(links["Partners"] + "/change", data=rename)
    assert list(dashboard_links(client)) == [
        "Marketing",
        "Lead nurturing",
        "Partner sales",
        "Sales",
    ]
    for name in ("Marketing", "Lead nurturing", "Sales"):
        delete = {"csrf_token": token, "action": "delete", "confirm": "delete"}
        client.post(links[name] + "/change", data=delete)
    assert list(dashboard_links(client)) == ["Partner sales"]
    # The defaults are not made again.
    assert (
        client.get("/app/acme/dashboards", follow_redirects=False).headers["location"]
        == links["Partners"]
    )
    # Without the form's token nothing changes.
    assert client.post(links["Partners"] + "/change", data={"action": "up"}).status_code == 403


def test_tile_csv_is_formula_safe(client, data, settings):  # noqa: F811
    evil = json.loads(touch_json("=cmd|'/c calc'!A1", "@x", "-1"))
    lead(client, data, "evil@x.example", [{**evil, "at": "2026-11-01T10:00:00.000Z"}])
    backdate(settings, {"evil@x.example": "2026-11-01T10:00:00.000Z"})
    signed_in(client, "marketer@acme.example")
    marketing = dashboard_links(client)["Marketing"]
    page = client.get(marketing).text
    assert "=cmd|&#39;/c calc&#39;!A1" in page  # shown as text
    tile = re.search(r'href="([^"]+/csv)"', page).group(1)
    response = client.get(tile)
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert table[-1][:2] == ["", "Total"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in table for cell in row)


def test_another_tenants_dashboard_is_404(client, data, make_user):  # noqa: F811
    signed_in(client, "marketer@acme.example")
    marketing = dashboard_links(client)["Marketing"]
    tile = tile_ids(client.get(marketing).text)[0]
    make_user("eve@other.example", ("other", "admin"))
    signed_in(client, "eve@other.example")
    foreign = marketing.replace("/app/acme/", "/app/other/")
    assert client.get(foreign).status_code == 404
    assert client.get(f"{foreign}/tiles/{tile}").status_code == 404
    assert client.get(marketing).status_code == 404  # not a member of acme
