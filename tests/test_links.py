"""The UTM builder's rules, and what a saved tracking URL brought."""

from __future__ import annotations

import pytest

from ingest import storage
from ingest.domain.links import LinkError, build, comparable, normalize
from ingest.storage import links
from ingest.storage.reads import StoreError

SITE = "https://www.acme.example"


@pytest.mark.parametrize(
    ("typed", "separator", "expected"),
    [
        ("  Spring   Sale 2026 ", "_", "spring_sale_2026"),
        ("Spring-Sale 2026", "_", "spring_sale_2026"),
        ("Spring_Sale  2026", "-", "spring-sale-2026"),
        ("LinkedIn", "_", "linkedin"),
        ("__webinar__", "_", "webinar"),
    ],
)
def test_names_follow_the_tenants_rule(typed, separator, expected):
    assert normalize(typed, separator) == expected


def test_a_link_is_built_with_consistent_names():
    link = build(
        f"{SITE}/offer?ref=nav#top",
        {"utm_source": " LinkedIn ", "utm_medium": "Paid Social", "utm_campaign": "Spring Sale"},
        origins=[SITE],
    )
    assert link.url == (
        f"{SITE}/offer?ref=nav&utm_source=linkedin&utm_medium=paid_social"
        "&utm_campaign=spring_sale#top"
    )
    assert link.warnings == []


def test_what_is_missing_is_said_per_field():
    with pytest.raises(LinkError) as error:
        build("www.acme.example", {"utm_source": "x", "utm_campaign": "c" * 101})
    assert set(error.value.errors) == {"page_url", "utm_medium", "utm_campaign"}


def test_warnings():
    link = build(
        "https://other.example/t/acme/forms/frm_1?utm_source=old",
        {"utm_source": "newsletter", "utm_medium": "weird", "utm_campaign": "Spring-Sale"},
        origins=[SITE],
        own_origin="https://other.example",
        known_campaigns=["spring_sale", "SpringSale"],
        channel_of=lambda source, medium: "Unassigned",
    )
    text = " ".join(link.warnings)
    assert "not one of this account's websites" in text
    assert "hosted form" in text
    assert "already has UTM parameters" in text
    assert "'SpringSale' already exists" in text
    assert "falls into no channel" in text
    assert link.channel == "Unassigned"
    assert "utm_source=old" not in link.url and "utm_source=newsletter" in link.url
    assert comparable("Spring-Sale") == comparable("spring_sale")


def test_saved_links_count_what_they_brought(client, make_tenant, settings):
    tenant = make_tenant()
    link = build(
        f"{SITE}/offer",
        {"utm_source": "linkedin", "utm_medium": "paid_social", "utm_campaign": "spring"},
    )
    other = build(f"{SITE}/", {"utm_source": "fb", "utm_medium": "cpc", "utm_campaign": "spring"})
    storage.transaction(
        settings.db_path, lambda conn: links.save_link(conn, "acme", link, "ann@acme.example")
    )
    storage.transaction(settings.db_path, lambda conn: links.save_link(conn, "acme", other, None))
    touch = {"utm_source": "linkedin", "utm_medium": "paid_social", "utm_campaign": "spring"}
    # Two new persons through the link, one of them twice; one person from elsewhere.
    for email in ("a@x.example", "b@x.example", "a@x.example"):
        client.post(tenant.form_path, json={"email": email, "ls_first_touch": touch})
    client.post(tenant.form_path, json={"email": "c@x.example", "utm_source": "google"})
    with storage.connect(settings.db_path) as conn:
        found = links.list_links(conn, "acme")
        searched = links.list_links(conn, "acme", search="ANN@")
        wild = links.list_links(conn, "acme", search="%")
    by_source = {f.source: f for f in found}
    assert (by_source["linkedin"].new_persons, by_source["linkedin"].submissions) == (2, 3)
    assert (by_source["fb"].new_persons, by_source["fb"].submissions) == (0, 0)
    assert [f.source for f in searched] == ["linkedin"]
    assert wild == []  # a wildcard typed in the search is a character, not a pattern


def test_a_utm_campaign_value_belongs_to_one_campaign(make_tenant, settings):
    make_tenant()

    def work(conn):
        links.create_campaign(conn, "acme", "Spring sale", ["spring", "spring_retarget"])
        return links.list_campaigns(conn, "acme"), links.campaign_names(conn, "acme")

    campaigns, names = storage.transaction(settings.db_path, work)
    assert campaigns[0]["values"] == ["spring", "spring_retarget"]
    assert names == ["spring", "spring_retarget"]
    with pytest.raises(StoreError, match="already belongs to the campaign 'Spring sale'"):
        storage.transaction(
            settings.db_path, lambda conn: links.create_campaign(conn, "acme", "Other", ["spring"])
        )
