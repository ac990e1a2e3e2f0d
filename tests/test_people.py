"""The persons and companies lists (search, filters, sorts, keyset pages), their CSV, and a
person's edit, through the JSON API and the store, on both engines."""

from __future__ import annotations

import base64
import csv
import io
import json
import uuid
from dataclasses import replace
from datetime import date, timedelta

import pytest
from starlette.testclient import TestClient

from ingest import storage
from ingest.app import create_app
from ingest.domain import persons_csv
from ingest.storage import people

from .conftest import index_search, integrity_check, person, rows, touch_json
from .test_limits import NO_LIMITS

# email, first, last, company, first touch (source, medium, campaign), lead creation
PEOPLE = [
    ("anna@alpha.example", "Anna", "Berg", "Alpha AS", ("linkedin", "social", "spring"), None),
    ("bo@beta.example", "Bo", "Dahl", "beta  as", ("linkedin", "social", "spring"), "facebook"),
    ("carl@gamma.example", "Carl", "Berg", "Gamma", ("google", "cpc", "brand"), None),
    ("dorte@delta.example", None, None, None, ("newsletter", "email", "may"), "google"),
    ("erik@alpha.example", "Erik", "Holm", "ALPHA as", ("linkedin", "social", "autumn"), None),
    ("100pct@x.example", "100% Real", "Sale", "under_score", ("linkedin", "cpc", "spring"), None),
    ("pct@x.example", "Percent", "Less", "underXscore", ("google", "cpc", "spring"), None),
    ("back@x.example", "Back\\slash", "Name", None, ("google", "cpc", "spring"), None),
    ("=cmd@x.example", "=HYPERLINK(1)", "+plus", "@at", ("-minus", "cpc", "\tx"), None),
]


@pytest.fixture
def client(settings, clock):
    with TestClient(create_app(replace(settings, **NO_LIMITS), clock=clock)) as test_client:
        yield test_client


@pytest.fixture
def acme(client, make_tenant):
    tenant = make_tenant("acme")
    for email, first, last, company, ft, lc in PEOPLE:
        body = {"email": email, "ls_first_touch": touch_json(*ft)}
        if lc:
            body["ls_latest_touch"] = touch_json(lc, "paid_social", "late")
        for key, value in (("first_name", first), ("last_name", last), ("company", company)):
            if value is not None:
                body[key] = value
        response = client.post(tenant.form_path, json=body)
        assert response.status_code == 201, response.text
    return tenant


def listing(client, tenant, path="/api/v1/persons", **params):
    response = client.get(path, params=params, headers=tenant.auth)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.json()


def emails(client, tenant, **params) -> list[str]:
    return [p["email"] for p in listing(client, tenant, **params)["items"]]


def walk(client, tenant, path="/api/v1/persons", **params) -> list[dict]:
    """Every page of a listing, following the cursors."""
    items, cursor = [], None
    while True:
        page = listing(client, tenant, path, **params, **({"cursor": cursor} if cursor else {}))
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
        assert len(page["items"]) == int(params.get("limit", 50))


# -- search ----------------------------------------------------------------------------


# -- the search index --------------------------------------------------------------------

# Texts with LIKE's wildcards and escape, quotes, and letters that are not ASCII, with near
# misses beside them.
TRICKY = [
    ("q1@x.example", "Ærø", "Søren", "Øl & Co"),
    ("q2@x.example", "Straße", None, "Groß GmbH"),
    ("q3@x.example", 'Quote"d', "O'Brien", None),
    ("q4@x.example", "Emoji😀b", None, "a😀b inc"),
    ("q5@x.example", "İstanbul", None, None),
    ("q6@x.example", "Under_Score", "100% Pure", "Back\\Slash AS"),
    ("q7@x.example", "Under-score", "100 pct", "Back/slash"),
    ("q8@x.example", "Zoë", "Ünal", "Ωmega"),
]
QUERIES = [
    "%", "_", "\\", "100%", "0% p", "r_s", "under_score", "k\\s", "ærø", "ÆRØ", "søren",
    "øl &", '"', 'e"d', '""', "o'b", "x.e", "ß", "straße", "STRASSE", "😀", "a😀b", "i̇st",
    "İSTANBUL", "ist", "zoë", "ZOË", "ünal", "ωmega", "ΩMEGA", "nobody", "ann", "an", "a",
    "  anna  ", "@x.example", "q", "example", "beta as",
]  # fmt: skip


@pytest.fixture
def tricky(client, acme, make_tenant):
    other = make_tenant("other")
    for tenant in (acme, other):
        for email, first, last, company in TRICKY:
            body = {"email": email, "first_name": first}
            body.update({k: v for k, v in (("last_name", last), ("company", company)) if v})
            response = client.post(tenant.form_path, json=body)
            assert response.status_code == 201, response.text
    # Someone only the other tenant has.
    client.post(other.form_path, json={"email": "annabelle@other.example"})
    return acme


def like_of_before(db_url: str, q: str) -> set[str]:
    """What the search matched before its index: LIKE over every search text of acme."""
    found = rows(
        db_url,
        "SELECT email, search_key FROM persons WHERE tenant_id = 'acme'"
        " AND search_key LIKE ? ESCAPE '\\'",
        people.like_pattern(q.strip().lower()),
    )
    text = q.strip().lower()
    assert {r["email"] for r in found} == {
        r["email"]
        for r in rows(db_url, "SELECT email, search_key FROM persons WHERE tenant_id = 'acme'")
        if text in r["search_key"]
    }
    return {r["email"] for r in found}


def edit(client, tenant, email: str, **changes) -> None:
    found = person(client, tenant, email)
    response = client.patch(f"/api/v1/persons/{found['id']}", json=changes, headers=tenant.auth)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("indexed", ["none", "partly", "all"])
@pytest.mark.parametrize("cap", [0, 10**9], ids=["scan", "index"])
def test_search_matches_what_like_matched(client, tricky, monkeypatch, cap, indexed):
    # SQLite: every query through the ordered scan (cap 0), or through the trigram index
    # whenever it is 3 characters or more, with nothing, part or all of the tenant in it
    # (partly: some indexed, then edited, and some not yet); PostgreSQL: its planner's
    # choice.
    monkeypatch.setattr(people, "SEARCH_INDEX_CAP", cap)
    if indexed == "partly":
        index_search(tricky.db_path, limit=5)
        edit(client, tricky, "q1@x.example", first_name="Under_Score", company="Groß GmbH")
        edit(client, tricky, "q2@x.example", last_name="100% Pure")
    elif indexed == "all":
        index_search(tricky.db_path)
    for q in QUERIES:
        expected = like_of_before(tricky.db_path, q)
        by_email = walk(client, tricky, q=q, sort="email", limit=2)
        assert {p["email"] for p in by_email} == expected, q
        assert [p["email"] for p in by_email] == sorted(expected), q
        newest = walk(client, tricky, q=q, limit=3)
        assert {p["email"] for p in newest} == expected, q
    index_search(tricky.db_path)
    integrity_check(tricky.db_path)


def test_postgres_search_through_its_trigram_index(settings, tricky, backend):
    if backend != "postgres":
        pytest.skip("pg_trgm is PostgreSQL's")
    like = "SELECT tenant_id, email FROM persons WHERE search_key LIKE ? ESCAPE '\\'"
    with storage.connect(settings.db_path) as conn:
        # No other way to the rows than the pg_trgm index.
        conn.execute("SET enable_seqscan = off")
        conn.execute("SET enable_indexscan = off")
        plan = conn.execute(f"EXPLAIN {like}", ("%ærø%",)).fetchall()
        assert "persons_by_search_trgm" in " ".join(row[0] for row in plan)
        for q in QUERIES:
            found = conn.execute(like, (people.like_pattern(q.strip().lower()),)).fetchall()
            acme = {row[1] for row in found if row[0] == "acme"}
            assert acme == like_of_before(settings.db_path, q), q


def test_the_search_index_follows_edits_and_deletes(client, tricky, settings):
    index_search(settings.db_path)
    edit(client, tricky, "anna@alpha.example", first_name="Annika", company="Omega Ltd")
    # Changed since it was indexed: found by its new text before the indexer has run, and
    # not by its old one, which the index still holds.
    for _ in range(2):
        assert emails(client, tricky, q="annika") == ["anna@alpha.example"]
        assert emails(client, tricky, q="omega ltd") == ["anna@alpha.example"]
        assert emails(client, tricky, q="alpha as") == ["erik@alpha.example"]
        index_search(settings.db_path)
    integrity_check(settings.db_path)
    # Changed again, then deleted before the indexer ran.
    edit(client, tricky, "anna@alpha.example", first_name="Anniken")
    ann = person(client, tricky, "anna@alpha.example")
    assert client.delete(f"/api/v1/persons/{ann['id']}", headers=tricky.auth).status_code == 200
    assert emails(client, tricky, q="annika") == emails(client, tricky, q="anniken") == []
    integrity_check(settings.db_path)
    index_search(settings.db_path)
    integrity_check(settings.db_path)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("ANNA", {"anna@alpha.example"}),
        ("berg", {"anna@alpha.example", "carl@gamma.example"}),
        ("alpha as", {"anna@alpha.example", "erik@alpha.example"}),  # company, any case
        ("beta as", {"bo@beta.example"}),  # runs of spaces in the company name are folded
        ("%", {"100pct@x.example"}),  # a wildcard is a literal character
        ("_", {"100pct@x.example"}),
        ("under_score", {"100pct@x.example"}),
        ("\\", {"back@x.example"}),
        ("=hyperlink(", {"=cmd@x.example"}),
        ("nobody", set()),
    ],
)
def test_search_by_email_name_or_company(client, acme, q, expected):
    assert set(emails(client, acme, q=q)) == expected


def test_existing_params_still_work(client, acme):
    assert emails(client, acme, email="ANNA@alpha.example") == ["anna@alpha.example"]
    page = listing(client, acme, limit=3)
    assert len(page["items"]) == 3 and page["next_cursor"]
    # Whole persons, as GET of one answers.
    assert {"submissions", "first_touch", "lead_creation", "company"} <= set(page["items"][0])


# -- filters ---------------------------------------------------------------------------


def test_filters(client, acme):
    assert set(emails(client, acme, first_touch_source="linkedin")) == {
        "anna@alpha.example",
        "bo@beta.example",
        "erik@alpha.example",
        "100pct@x.example",
    }
    assert set(emails(client, acme, first_touch_source="linkedin", first_touch_medium="cpc")) == {
        "100pct@x.example"
    }
    assert set(emails(client, acme, first_touch_campaign="brand")) == {"carl@gamma.example"}
    # Lead creation: the latest touch when there is one, else the first.
    assert set(emails(client, acme, lead_creation_source="facebook")) == {"bo@beta.example"}
    assert set(emails(client, acme, lead_creation_campaign="late")) == {
        "bo@beta.example",
        "dorte@delta.example",
    }
    assert set(emails(client, acme, lead_creation_medium="social")) == {
        "anna@alpha.example",
        "erik@alpha.example",
    }
    assert emails(client, acme, first_touch_source="LinkedIn") == []  # exact values
    # A filter value with wildcard characters is not a pattern.
    assert emails(client, acme, first_touch_source="%") == []


# First-touch and lead-creation channels of PEOPLE, by GA4's rules (domain/channels.py).
FIRST_CHANNELS = {
    "anna@alpha.example": "Organic Social",
    "bo@beta.example": "Organic Social",
    "carl@gamma.example": "Paid Search",
    "dorte@delta.example": "Email",
    "erik@alpha.example": "Organic Social",
    "100pct@x.example": "Paid Social",
    "pct@x.example": "Paid Search",
    "back@x.example": "Paid Search",
    "=cmd@x.example": "Paid Other",
}
LEAD_CHANNELS = {
    **FIRST_CHANNELS,
    "bo@beta.example": "Paid Social",  # facebook / paid_social
    "dorte@delta.example": "Paid Search",  # google / paid_social: a search engine, paid
}


def test_channel_filters(client, acme):
    for channel in set(FIRST_CHANNELS.values()):
        expected = {email for email, c in FIRST_CHANNELS.items() if c == channel}
        assert set(emails(client, acme, first_touch_channel=channel)) == expected, channel
    for channel in set(LEAD_CHANNELS.values()):
        expected = {email for email, c in LEAD_CHANNELS.items() if c == channel}
        assert set(emails(client, acme, lead_creation_channel=channel)) == expected, channel
    assert emails(client, acme, first_touch_channel="Direct") == []
    assert emails(client, acme, first_touch_channel="") == []  # everyone has a first touch
    assert set(
        emails(client, acme, first_touch_channel="Paid Search", lead_creation_channel="Paid Search")
    ) == {"carl@gamma.example", "pct@x.example", "back@x.example"}
    # The summaries (the app's list, the CSV) carry the stored channels too.
    with storage.connect(acme.db_path) as conn:
        page = people.search_persons(conn, "acme", people.PersonQuery(limit=200))
    for item in page.items:
        assert item["first_touch"]["channel"] == FIRST_CHANNELS[item["email"]]
        assert item["lead_creation"]["channel"] == LEAD_CHANNELS[item["email"]]


@pytest.mark.parametrize("value", ["paid search", "Paid", "x" * 300])
def test_a_channel_not_in_the_list_is_400(client, acme, value):
    response = client.get(
        "/api/v1/persons", params={"first_touch_channel": value}, headers=acme.auth
    )
    assert response.status_code == 400, response.text
    assert "first_touch_channel" in response.json()["error"]["message"]


def test_sort_by_channel(client, acme):
    for sort, channels in (
        ("first_touch_channel", FIRST_CHANNELS),
        ("lead_creation_channel", LEAD_CHANNELS),
    ):
        for descending in (False, True):
            spelled = f"-{sort}" if descending else sort
            order = [p["email"] for p in walk(client, acme, sort=spelled, limit=2)]
            assert sorted(order) == sorted(channels)
            # Each channel's persons together, the channels in the engine's order of their
            # names (collations may differ from Python's on spaces and case, not on these).
            runs = [channels[e] for e in order]
            seen = [c for i, c in enumerate(runs) if i == 0 or runs[i - 1] != c]
            assert len(seen) == len(set(seen)), runs
            first_letters = [c[0] for c in seen]
            assert first_letters == sorted(first_letters, reverse=descending)


def test_a_person_without_touches_has_no_channel(client, make_tenant):
    tenant = make_tenant("notransfer", utm_transfer=False)
    response = client.post(
        tenant.form_path,
        json={"email": "x@y.example", "ls_first_touch": touch_json("google", "cpc", "b")},
    )
    assert response.status_code == 201, response.text
    assert emails(client, tenant, first_touch_channel="") == ["x@y.example"]
    assert emails(client, tenant, lead_creation_channel="") == ["x@y.example"]


def test_form_and_created_filters(client, acme, make_tenant, settings):
    other_form = storage.transaction(
        settings.db_path,
        lambda conn: storage.admin.create_form(
            conn, "acme", name="Other", thank_you_url=None, published=True, custom_fields=[]
        ),
    )
    response = client.post(
        f"/t/acme/forms/{other_form.form_id}", json={"email": "carl@gamma.example"}
    )
    assert response.status_code == 201
    assert emails(client, acme, form=other_form.form_id) == ["carl@gamma.example"]
    assert len(emails(client, acme, form=acme.form_id)) == len(PEOPLE)
    assert emails(client, acme, form="frm_nonexistent") == []

    created = date.fromisoformat(listing(client, acme)["items"][0]["created_at"][:10])
    day = timedelta(days=1)
    assert len(emails(client, acme, created_from=str(created), created_to=str(created))) == len(
        PEOPLE
    )
    assert emails(client, acme, created_from=str(created + day)) == []
    assert emails(client, acme, created_to=str(created - day)) == []


# -- sorts and pages -------------------------------------------------------------------

SORT_KEYS = {
    "created_at": lambda p: p["created_at"],
    "email": lambda p: p["email"],
    "first_touch_source": lambda p: p["first_touch"]["source"],
    "lead_creation_campaign": lambda p: p["lead_creation"]["campaign"],
}
# Values every collation orders alike (lower-case letters and digits), so Python's order is
# the engine's: these persons are sorted and checked value by value.
PLAIN = ["anna@alpha.example", "bo@beta.example", "carl@gamma.example", "erik@alpha.example"]


@pytest.mark.parametrize("sort", sorted(people.PERSON_SORTS))
@pytest.mark.parametrize("descending", [False, True])
def test_every_sort_pages_through_every_person_once(client, acme, sort, descending):
    spelled = f"-{sort}" if descending else sort
    whole = listing(client, acme, sort=spelled, limit=200)["items"]
    assert whole and listing(client, acme, sort=spelled, limit=200)["next_cursor"] is None
    # Two at a time (many ties: four persons share a first-touch source), the same order.
    paged = walk(client, acme, sort=spelled, limit=2)
    assert [p["id"] for p in paged] == [p["id"] for p in whole]
    assert len({p["id"] for p in paged}) == len(PEOPLE)
    if sort in SORT_KEYS:
        plain = [p for p in whole if p["email"] in PLAIN]
        key = SORT_KEYS[sort]
        expected = sorted(plain, key=lambda p: (key(p), p["id"]), reverse=descending)
        assert [p["id"] for p in plain] == [p["id"] for p in expected]


def test_ties_break_by_creation_then_id(client, acme, settings):
    """A touch column's ties come in creation order (the column's one index is the filter's
    too, migration 0029), and persons created in the same millisecond by id."""
    linkedin = walk(client, acme, sort="first_touch_source", first_touch_source="linkedin", limit=1)
    ids = sorted(p["id"] for p in linkedin)
    assert len(ids) == 4
    # Created in an order unlike their ids': the newest id the oldest, two at the same time.
    created = {
        ids[3]: "2026-01-01T00:00:00.000Z",
        ids[0]: "2026-02-01T00:00:00.000Z",
        ids[1]: "2026-03-01T00:00:00.000Z",
        ids[2]: "2026-02-01T00:00:00.000Z",
    }
    with storage.connect(settings.db_path) as conn:
        for person_id, at in created.items():
            conn.execute(
                "UPDATE persons SET created_at = ? WHERE tenant_id = ? AND person_id = ?",
                (at, "acme", person_id),
            )
    expected = [ids[3], ids[0], ids[2], ids[1]]
    for limit in (1, 3):
        ascending = walk(
            client, acme, sort="first_touch_source", first_touch_source="linkedin", limit=limit
        )
        assert [p["id"] for p in ascending] == expected
        descending = walk(
            client, acme, sort="-first_touch_source", first_touch_source="linkedin", limit=limit
        )
        assert [p["id"] for p in descending] == expected[::-1]
    # Among every source too: the linkedin persons stand together, in that order.
    everyone = [p["id"] for p in walk(client, acme, sort="first_touch_source", limit=2)]
    assert [i for i in everyone if i in created] == expected


def test_a_touch_sorts_cursor_has_its_three_keys(client, acme):
    cursor = listing(client, acme, sort="first_touch_source", limit=2)["next_cursor"]
    keys = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    assert keys[0] == "first_touch_source" and len(keys) == 4
    short = base64.urlsafe_b64encode(json.dumps([keys[0], keys[1], keys[3]]).encode()).decode()
    response = client.get(
        "/api/v1/persons",
        params={"sort": "first_touch_source", "cursor": short.rstrip("=")},
        headers=acme.auth,
    )
    assert response.status_code == 400, response.text


def test_pages_hold_still_while_persons_arrive(client, acme):
    first = listing(client, acme, sort="email", limit=3)
    client.post(acme.form_path, json={"email": "aaa-first@x.example"})  # sorts before them
    second = listing(client, acme, sort="email", limit=3, cursor=first["next_cursor"])
    seen = {p["id"] for p in first["items"]}
    assert not seen & {p["id"] for p in second["items"]}


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "password"},
        {"sort": "--email"},
        {"limit": "0"},
        {"limit": "201"},
        {"limit": "x"},
        {"cursor": "not-a-cursor"},
        {"cursor": "W10"},  # base64 of []
        {"created_from": "2024-02-30"},
        {"created_to": "yesterday"},
        {"q": "x" * 201},
        {"first_touch_source": "x" * 256},
    ],
)
def test_bad_list_parameters_are_400(client, acme, params):
    response = client.get("/api/v1/persons", params=params, headers=acme.auth)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "bad_request"


def test_a_cursor_belongs_to_its_sort(client, acme):
    cursor = listing(client, acme, sort="email", limit=2)["next_cursor"]
    response = client.get(
        "/api/v1/persons", params={"sort": "-email", "cursor": cursor}, headers=acme.auth
    )
    assert response.status_code == 400


def test_summaries_from_the_store(settings, acme):
    with storage.connect(settings.db_path) as conn:
        page = people.search_persons(conn, "acme", people.PersonQuery(email="bo@beta.example"))
        assert people.search_persons(conn, "other", people.PersonQuery()).items == []
    (bo,) = page.items
    assert bo["company"]["name"] == "beta as"  # spaces folded as submissions keep them
    assert bo["first_touch"]["source"] == "linkedin"
    assert bo["lead_creation"]["source"] == "facebook"
    assert set(bo) == {
        "id",
        "email",
        "first_name",
        "last_name",
        "created_at",
        "company",
        "first_touch",
        "lead_creation",
        "lead_status",
        "lead_status_id",
        "category",
        "category_id",
        "category_group",
        "category_group_id",
        "owner",
    }


# -- CSV -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        ("Ærø", "Ærø"),
    ],
)
def test_neutralise(value, cell):
    assert persons_csv.neutralise(value) == cell


def test_csv_export_of_a_selection(client, acme):
    async def export(query):
        return "".join(
            [chunk async for chunk in persons_csv.stream(client.app.state.db, "acme", query)]
        )

    text = client.portal.call(export, people.PersonQuery(sort="email", limit=1, cursor="ignored"))
    assert text.startswith(persons_csv.BOM)
    table = list(csv.reader(io.StringIO(text.removeprefix(persons_csv.BOM))))
    assert table[0] == list(persons_csv.COLUMNS)
    assert len(table) == 1 + len(PEOPLE)  # every page, from the first, whatever the limit
    hostile = next(r for r in table if "cmd@x.example" in r[1])
    cells = dict(zip(table[0], hostile, strict=True))
    assert cells["email"] == "'=cmd@x.example"
    assert cells["first_name"] == "'=HYPERLINK(1)"
    assert cells["last_name"] == "'+plus"
    assert cells["company"] == "'@at"
    assert cells["first_touch_source"] == "'-minus"
    for row in table[1:]:
        assert not any(cell.startswith(persons_csv.FORMULA_STARTS) for cell in row)

    # The same filters as the list; a big selection is read a page at a time.
    filtered = client.portal.call(
        export, people.PersonQuery(filters={"first_touch_source": "google"})
    )
    assert len(filtered.strip().splitlines()) == 1 + 3


# -- a person's edit -------------------------------------------------------------------


def patch(client, tenant, person_id, body, **kwargs):
    return client.patch(f"/api/v1/persons/{person_id}", json=body, headers=tenant.auth, **kwargs)


def test_edit_name_and_company(client, acme, settings):
    anna = listing(client, acme, email="anna@alpha.example")["items"][0]
    alpha = anna["company"]
    response = patch(client, acme, anna["id"], {"first_name": " Annette ", "company": "GAMMA"})
    assert response.status_code == 200, response.text
    card = response.json()
    assert response.headers["cache-control"] == "no-store"
    assert card["first_name"] == "Annette" and card["last_name"] == "Berg"
    gamma = listing(client, acme, email="carl@gamma.example")["items"][0]["company"]
    assert card["company"]["id"] == gamma["id"]  # matched like a submission's company
    assert card["company"]["source"] == gamma["source"]  # its source untouched
    # Sources of the person are not an edit's business.
    assert card["first_touch"] == anna["first_touch"]
    # The list's copies follow: search, and the company sort.
    assert emails(client, acme, q="annette") == ["anna@alpha.example"]
    assert set(emails(client, acme, q="gamma")) == {"anna@alpha.example", "carl@gamma.example"}
    # The old company stays, with one person fewer.
    company = client.get(f"/api/v1/companies/{alpha['id']}", headers=acme.auth).json()
    assert [p["email"] for p in company["persons"]] == ["erik@alpha.example"]


def test_a_company_created_by_an_edit_has_no_source(client, acme, settings):
    dorte = listing(client, acme, email="dorte@delta.example")["items"][0]
    card = patch(client, acme, dorte["id"], {"company": "  New  Co "}).json()
    assert card["company"]["name"] == "New Co"
    assert card["company"]["source"] is None
    (row,) = rows(settings.db_path, "SELECT * FROM companies WHERE name_key = 'new co'")
    assert row["source_touch_id"] is None
    # Blank or null clears.
    card = patch(client, acme, dorte["id"], {"company": None, "last_name": ""}).json()
    assert card["company"] is None and card["last_name"] is None
    assert emails(client, acme, q="new co") == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "x@y.example"}, "email"),
        ({"first_name": 5}, "first_name"),
        ({"last_name": "x" * 101}, "last_name"),
        ({"company": "x" * 201}, "company"),
        ({}, "body"),
        ([], "body"),
        ("text", "body"),
    ],
)
def test_edit_validation_is_422_in_the_one_shape(client, acme, body, field):
    anna = listing(client, acme, email="anna@alpha.example")["items"][0]
    response = patch(client, acme, anna["id"], body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_failed" and field in error["fields"]
    assert listing(client, acme, email="anna@alpha.example")["items"][0] == anna


def test_edit_needs_json(client, acme):
    anna = listing(client, acme, email="anna@alpha.example")["items"][0]
    url = f"/api/v1/persons/{anna['id']}"
    response = client.patch(url, content=b"first_name=x", headers=acme.auth)
    assert response.status_code == 415
    response = client.patch(
        url, content=b"{nope", headers={**acme.auth, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert patch(client, acme, "per_missing", {"first_name": "x"}).status_code == 404


def test_a_later_submission_filling_a_blank_updates_the_lists(client, acme):
    response = client.post(
        acme.form_path,
        json={"email": "dorte@delta.example", "first_name": "Dorte", "company": "Delta"},
    )
    assert response.status_code == 201
    assert emails(client, acme, q="dorte delta") == ["dorte@delta.example"]  # name, company
    assert emails(client, acme, sort="company", q="@delta") == ["dorte@delta.example"]
    # Persons without a company sort first (''); Dorte is no longer one of them.
    assert emails(client, acme, sort="company", limit=2)[0] == "back@x.example"
    assert emails(client, acme, sort="company", limit=2)[1] != "dorte@delta.example"
    assert emails(client, acme, sort="-name", limit=1) == ["pct@x.example"]


# -- companies -------------------------------------------------------------------------


def test_companies_list_and_card(client, acme):
    names = [c["name"] for c in walk(client, acme, "/api/v1/companies", limit=2)]
    # "ALPHA as" matched "Alpha AS": one company; sorted by folded name.
    assert names == ["@at", "Alpha AS", "beta as", "Gamma", "under_score", "underXscore"]
    assert [c["name"] for c in listing(client, acme, "/api/v1/companies", q="ALPHA")["items"]] == [
        "Alpha AS"
    ]
    assert [c["name"] for c in listing(client, acme, "/api/v1/companies", q="_")["items"]] == [
        "under_score"
    ]
    newest = listing(client, acme, "/api/v1/companies", sort="-created_at", limit=1)["items"]
    assert newest[0]["name"] == "@at"
    alpha = listing(client, acme, "/api/v1/companies", q="alpha")["items"][0]
    assert alpha["persons_count"] == 2
    assert alpha["source"]["source"] == "linkedin"  # the submission that created it

    card = client.get(f"/api/v1/companies/{alpha['id']}", headers=acme.auth)
    assert card.status_code == 200 and card.headers["cache-control"] == "no-store"
    card = card.json()
    assert card["persons_count"] == 2 and card["submissions_count"] == 2
    assert {p["email"] for p in card["persons"]} == {"anna@alpha.example", "erik@alpha.example"}
    assert card["source"]["campaign"] == "spring"
    missing = client.get("/api/v1/companies/com_missing", headers=acme.auth)
    assert missing.status_code == 404


def test_company_cursor_and_sort_errors(client, acme):
    for params in ({"sort": "email"}, {"cursor": "x"}, {"limit": "500"}):
        response = client.get("/api/v1/companies", params=params, headers=acme.auth)
        assert response.status_code == 400, params


# -- the migration's backfill ----------------------------------------------------------


def test_migration_fills_the_copies_of_older_persons(tmp_path):
    from ingest.storage import migrations, sqlite

    path = str(tmp_path / "old.db")
    conn = sqlite.connect(path)
    try:
        conn.execute(migrations._SCHEMA_MIGRATIONS)
        for version, name, sql in migrations.migrations():
            if version < 9:
                migrations._apply(conn, version, name, sql, "sqlite")
        conn.executescript(
            "INSERT INTO tenants (tenant_id, api_key_hash, created_at) VALUES ('t', 'h', 'x');"
            "INSERT INTO touches (tenant_id, touch_id, source, medium, campaign, at)"
            " VALUES ('t', 'ft', 'linkedin', 'social', 'spring', 'x'),"
            " ('t', 'lc', 'facebook', 'cpc', NULL, 'x');"
            "INSERT INTO companies (tenant_id, company_id, name, name_key, created_at)"
            " VALUES ('t', 'c', 'Fjord AS', 'fjord as', 'x');"
            "INSERT INTO persons (tenant_id, person_id, email, first_name, last_name, company_id,"
            " first_touch_id, lead_creation_touch_id, created_at)"
            " VALUES ('t', 'p', 'a@b.example', 'Ann', NULL, 'c', 'ft', 'lc', 'x');"
        )
        storage.migrate(conn)
        row = dict(conn.execute("SELECT * FROM persons").fetchone())
    finally:
        conn.close()
    assert row["name_key"] == "ann"
    assert row["company_key"] == "fjord as"
    assert row["search_key"] == "a@b.example ann fjord as"
    assert (row["ft_source"], row["ft_medium"], row["ft_campaign"]) == (
        "linkedin",
        "social",
        "spring",
    )
    assert (row["lc_source"], row["lc_medium"], row["lc_campaign"]) == ("facebook", "cpc", "")


@pytest.fixture
def old_database(backend, tmp_path, request):
    """A new database of either engine with the migrations before ``version`` applied:
    ``old_database(13)`` gives (url, a function applying the rest)."""
    from ingest.storage import migrations

    made = []

    def make(version: int) -> str:
        if backend == "sqlite":
            url = str(tmp_path / f"old{version}.db")
        else:
            server = request.getfixturevalue("postgres_database").rsplit("/", 1)[0]
            name = f"leadsource_old_{uuid.uuid4().hex[:12]}"
            with storage.connect(f"{server}/postgres") as conn:
                conn.execute(f"CREATE DATABASE {name}")
            made.append((server, name))
            url = f"{server}/{name}"
        dialect = storage.dialect_of(url)
        with storage.connect(url) as conn:
            conn.execute(migrations._SCHEMA_MIGRATIONS)
            for number, name_, body in migrations.migrations():
                if number < version:
                    migrations._apply(conn, number, name_, body, dialect)
        return url

    yield make
    for server, name in made:
        with storage.connect(f"{server}/postgres") as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def test_migration_fills_the_channels_of_older_persons(old_database):
    url = old_database(13)
    gclid = json.dumps({"gclid": "g-1"})
    touches = [
        # touch_id, source, medium, campaign, click_ids, referrer
        ("t1", "linkedin", "social", "spring", None, None),
        ("t2", "facebook", "cpc", None, None, None),
        ("t3", "(direct)", "(none)", None, None, None),
        ("t4", "google", "organic", None, gclid, None),  # a Google ad click: Paid Search
        ("t5", "newsletter", "email", "may", None, None),
    ]
    persons = [
        # person_id, first touch, lead creation (None: no touch, or a touch not stored)
        ("p1", "t1", "t2"),
        ("p2", "t3", "t3"),
        ("p3", "t4", None),
        ("p4", None, "gone"),
    ]
    # More persons than a batch of the fill, with one touch pair each.
    many = [(f"q{i:05d}", "t5", "t1") for i in range(12_000)]
    with storage.connect(url) as conn:
        conn.execute(
            "INSERT INTO tenants (tenant_id, api_key_hash, created_at) VALUES ('t', 'h', 'x')"
        )
        conn.executemany(
            "INSERT INTO touches (tenant_id, touch_id, source, medium, campaign, click_ids,"
            " referrer, at) VALUES ('t', ?, ?, ?, ?, ?, ?, 'x')",
            touches,
        )
        conn.executemany(
            "INSERT INTO persons (tenant_id, person_id, email, first_touch_id,"
            " lead_creation_touch_id, created_at) VALUES ('t', ?, ?, ?, ?, 'x')",
            [(p, f"{p}@x.example", ft, lc) for p, ft, lc in persons + many],
        )
        assert storage.migrate(conn)[0] == 13
        found = {
            row[0]: (row[1], row[2])
            for row in conn.execute(
                "SELECT person_id, ft_channel, lc_channel FROM persons WHERE tenant_id = 't'"
            ).fetchall()
        }
    assert found["p1"] == ("Organic Social", "Paid Social")
    assert found["p2"] == ("Direct", "Direct")
    assert found["p3"] == ("Paid Search", "")
    assert found["p4"] == ("", "")
    assert {found[p] for p, _, _ in many} == {("Email", "Organic Social")}


def test_json_of_a_page_is_plain(client, acme):
    # Values come back as sent, hostile ones included (JSON escapes them itself).
    page = listing(client, acme, q="hyperlink")
    assert page["items"][0]["first_name"] == "=HYPERLINK(1)"
    json.dumps(page)
