"""The security suite for the marketer's app: one tenant whose every visitor-controlled
field carries a payload (a person per variant of ``hostile.VARIANTS``, each sending a page
view and two submissions through the public endpoints, as utm.js and a hosted form send
them), and whose marketer typed hostile text too (form names, labels and options, links,
campaigns, an origin, an invited email). The admin adds hostile names to the setup too
(API keys, a lead status, a category group and category, a pipeline stage, a salesperson's
email as owner), and makes and edits a deal with a hostile title from each hostile person's
card. A signed-in admin then opens every page of ``ingest/webapp/routes.PAGES`` in Chromium
(and "Your account"), and the CSV, the privacy export and the JSON API are read.

On each page the detector proves nothing ran or was injected (``strict``: every element and
attribute must be one our templates write), and every payload of a field the page shows is
there as literal text, so a field that silently disappears fails too. A page added to PAGES
and not walked here fails the last assertion.
"""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page, expect

from ingest.domain.links import normalize
from ingest.domain.persons_csv import BOM, COLUMNS, FORMULA_STARTS
from ingest.domain.touch import CLICK_IDS, SCRIPT_SLOTS, UTM_KEYS
from ingest.webapp.routes import PAGES

from .conftest import Service, Site
from .hostile import VARIANTS, Detector, linkish, missing, payload, post_natively, short
from .test_app import sign_in

AT = 1_760_000_000_000  # 2025-10-09, ms: the touches' times, a minute apart
CUSTOM = ("text", "textarea", "email", "tel", "url", "number", "checkbox", "select")
# Where a formula prefix goes (the CSV's cells of these fields must come out neutralised).
FORMULA = {
    "first": "=",
    "last": "+",
    "company": "-",
    "first.utm_source": "@",
    "first.utm_medium": "=",
    "first.utm_campaign": "+",
    "latest.utm_source": "-",
    "latest.utm_medium": "@",
    "latest.utm_campaign": "=",
}


def hostile_value(variant: str, name: str) -> str:
    return FORMULA.get(name, "") + payload(variant, name)


def shown_as(value: str) -> str:
    """A company name or a label as kept: runs of white space are one space."""
    return " ".join(value.split())


def email_of(variant: str, name: str = "email") -> str:
    """Valid, lower case, yet every character an attribute or a template would break on
    that an address may hold (no <, >, " or spaces), and a formula."""
    return f"={variant}'onfocus=__xss`{variant}.{name}`/&lt&amp{{{{7*7}}}}@hostile.example"


# -- what each variant's visitor sends -------------------------------------------------------


def touch(variant: str, prefix: str, at: int, *, landing: str = "", referrer: str = "") -> dict:
    """A touch as a dict of slots: a payload in every campaign key and click id; addresses
    with the payload in their path (raw: a hand-made request sends what it likes)."""
    data: dict[str, Any] = {
        key: hostile_value(variant, f"{prefix}.{key}") for key in (*UTM_KEYS, *CLICK_IDS)
    }
    data["landing_page"] = landing or f"https://site.example/{prefix}/" + payload(
        variant, prefix + ".landing"
    )
    data["referrer"] = referrer or f"https://ref.example/{prefix}/" + payload(
        variant, prefix + ".ref"
    )
    data["at"] = at
    return data


def slots(data: dict[str, Any]) -> list[Any]:
    """utm.js's array form of a touch."""
    return [data.get(name) for name in SCRIPT_SLOTS]


@dataclass
class Visitor:
    variant: str
    email: str
    fields: dict[str, str]  # the visible fields of the native post
    first: dict[str, Any]
    hist: dict[str, Any]
    links: list[dict[str, Any]]  # history touches with javascript: and data: addresses
    latest: dict[str, Any]
    hosted: dict[str, Any]  # the latest touch handed to the hosted form in _ls
    visit: dict[str, str]  # the page view's campaign
    visit_url: str
    misspelled: str  # a misspelled campaign key in the latest landing page

    @property
    def custom(self) -> dict[str, str]:
        return {k: v for k, v in self.fields.items() if k.startswith("f_") or k == "extra_note"}


def visitor(variant: str, option: str) -> Visitor:
    misspelled = "utm-" + payload(variant, "key")
    latest_landing = (
        f"https://site.example/latest/{payload(variant, 'latest.landing')}"
        f"?{urllib.parse.quote(misspelled, safe='')}=1"
    )
    first = touch(variant, "first", AT)
    hist = touch(variant, "hist", AT + 60_000)
    links = [
        {
            "utm_source": payload(variant, f"js{n}.utm_source"),
            "landing_page": landing,
            "referrer": referrer,
            "at": AT + 120_000 + n * 1000,
        }
        for n, (landing, referrer) in enumerate(
            zip(linkish(f"{variant}.landing"), linkish(f"{variant}.ref"), strict=True)
        )
    ]
    latest = touch(variant, "latest", AT + 180_000, landing=latest_landing)
    hosted = touch(variant, "hosted", AT + 240_000)
    fields = {
        "email": email_of(variant),
        "first_name": hostile_value(variant, "first"),
        "last_name": hostile_value(variant, "last"),
        "company": hostile_value(variant, "company"),
        "f_text": payload(variant, "f.text"),
        "f_textarea": payload(variant, "f.textarea") + "\nline two " + payload(variant, "f.2"),
        "f_email": email_of(variant, "f.email"),
        "f_tel": "+47 (0) 22-33 44",
        "f_url": "https://x.example/" + payload(variant, "f.url"),
        "f_number": "-12.5",
        "f_checkbox": "yes",
        "f_select": option,
        "extra_note": payload(variant, "extra"),
    }
    visit = {key: payload(variant, f"visit.{key}") for key in UTM_KEYS[:3]}
    visit_url = "https://site.example/visit?" + urllib.parse.urlencode(
        visit, quote_via=urllib.parse.quote
    )
    return Visitor(
        variant=variant,
        email=fields["email"],
        fields=fields,
        first=first,
        hist=hist,
        links=links,
        latest=latest,
        hosted=hosted,
        visit=visit,
        visit_url=visit_url,
        misspelled=misspelled,
    )


def facts(data: dict[str, Any]) -> list[str]:
    """What a touch's facts show: campaign values, click ids, both addresses (utm_id is not
    on the pages: the API has it)."""
    keys = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", *CLICK_IDS)
    return [data[key] for key in keys] + [data["landing_page"], data["referrer"]]


def summary(data: dict[str, Any]) -> list[str]:
    return [data["utm_source"], data["utm_medium"], data["utm_campaign"]]


# -- walking the app -------------------------------------------------------------------------


def _pattern(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", path)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


# Literal paths before those with parameters, so an address is named by the most exact one.
PATTERNS = sorted(((_pattern(p.path), p.path) for p in PAGES), key=lambda x: "{" in x[1])


@dataclass
class Walk:
    service: Service
    tenant: str
    page: Page
    detector: Detector
    walked: set[tuple[str, str]] = field(default_factory=set)  # (method, PAGES path)

    def __post_init__(self) -> None:
        def on_request(request: Any) -> None:
            if request.is_navigation_request() and request.frame == self.page.main_frame:
                self.note(request.method, request.url)

        self.page.on("request", on_request)

    @property
    def app(self) -> str:
        return f"{self.service.url}/app/{self.tenant}/"

    def note(self, method: str, url: str) -> None:
        path = urllib.parse.urlsplit(url).path
        prefix = f"/app/{self.tenant}/"
        if path.startswith(prefix):
            rest = urllib.parse.unquote(path[len(prefix) :])
            for pattern, name in PATTERNS:
                if pattern.fullmatch(rest):
                    self.walked.add((method, name))
                    return

    def check(self, view: str, shown: list[str]) -> None:
        """Nothing ran, nothing was injected, and every value of ``shown`` is on the page."""
        self.detector.check(self.page, view, strict=True)
        absent = missing(self.page, shown)
        assert not absent, f"{view}: not shown literally: {absent}"

    def open(self, path: str, shown: list[str], *, status: int = 200) -> None:
        response = self.page.goto(self.app + path)
        assert response is not None and response.status == status, (path, response)
        self.check(path or "home", shown)

    def fetch(self, path: str) -> Any:
        """A download, through the signed-in browser profile."""
        response = self.page.context.request.get(self.app + path)
        assert response.ok, (path, response.status)
        self.note("GET", response.url)
        return response


def test_every_app_page_shows_hostile_values_as_text(
    hostile: tuple[BrowserContext, Detector], service: Service, pages_site: Site, tmp_path: Path
) -> None:
    context, detector = hostile
    tenant = "sec-app-" + uuid.uuid4().hex[:8]
    service.cli("tenant", "create", tenant, "--script-options", "pageviews")
    admin = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    password = service.cli("user", "create", admin, "--tenant", tenant, "--role", "admin")[
        "password"
    ]
    page = context.new_page()
    walk = Walk(service, tenant, page, detector)

    # Signing in from a link whose next is an address that runs: the app goes home instead.
    page.goto(f"{service.url}/app/login?next={urllib.parse.quote(linkish('next')[0])}")
    walk.check("sign-in", [])
    sign_in(page, admin, password)
    expect(page).to_have_url(re.compile("^" + re.escape(service.url + "/app/")))
    walk.check("after sign-in", [])

    # -- the marketer's own hostile text: forms --
    options = {v: shown_as(payload(v, "option")) for v in VARIANTS}
    # Two forms send visitors to a page of the customer's site (one it does not have).
    thanks = {v: f"{pages_site.url}/thanks/" + payload(v, "ty") for v in ("attribute", "url")}
    forms: dict[str, dict[str, str]] = {}
    for variant in VARIANTS:
        forms[variant] = make_form(walk, variant, options[variant], thanks.get(variant))

    # -- the visitors: a page view, utm.js's post from the site, the hosted form via _ls --
    people = {v: visitor(v, options[v]) for v in VARIANTS}
    for person in people.values():
        visit_and_submit(walk, forms[person.variant], person)

    # -- every page, as an admin --
    walk.open("", [tenant])
    response = page.goto(f"{service.url}/app/")
    assert response is not None and response.ok
    walk.check("account list", [tenant])
    api_key = settings_pages(walk)
    crm = Crm(owner=users_pages(walk))
    lead_setup_page(walk, crm)
    pipeline_setup_page(walk, crm)
    walk.open("forms", [payload(v, "form") for v in VARIANTS])
    for variant, form in forms.items():
        walk.open(f"forms/{form['id']}", form_texts(variant, options[variant], thanks.get(variant)))
    links_pages(walk)
    live_texts = []
    for person in people.values():
        live_texts += [person.email, payload(person.variant, "form"), *summary(person.first)]
        live_texts += [*summary(person.latest), *summary(person.hosted)]
        live_texts += [person.misspelled, *person.visit.values(), person.visit_url]
    walk.open("live", live_texts)
    persons_pages(walk, people)
    ids = {v: api_checks(service, api_key, person) for v, person in people.items()}
    companies_pages(walk, people, ids, crm)
    deals = {v: card_pages(walk, people[v], person_id, crm) for v, (person_id, _) in ids.items()}
    pipeline_pages(walk, people, crm, deals)
    board_pages(walk, people, crm)
    deals_pages(walk, people, crm)
    campaigns_pages(walk, people)
    attribution_pages(walk, people)
    erase(walk, people["url"], ids["url"])
    import_page(walk, tmp_path)
    selections_pages(walk)
    dashboards_pages(walk, people)
    account_page(walk)

    # Every page of the app was opened (GET) and every form of it sent (POST).
    pages = {(method, p.path) for p in PAGES for method in p.methods}
    assert pages - walk.walked == set(), "pages not walked"


def make_form(walk: Walk, variant: str, option: str, thanks: str | None) -> dict[str, str]:
    """A form made in the app: a hostile name, a field of every type with a hostile label
    (a choice with a hostile option), a thank-you message and, for two variants, address."""
    page = walk.page
    walk.open("forms", [])
    page.get_by_label("Name").fill(payload(variant, "form"))
    page.get_by_role("button", name="Create form").click()
    expect(page.locator("#editor")).to_be_visible()
    rows = [
        {
            "name": f"f_{kind}",
            "label": payload(variant, f"l.{kind}"),
            "type": kind,
            # (Options are split with str.splitlines, which breaks at U+2028 too.)
            "options": option + "\nplain" if kind == "select" else "",
        }
        for kind in CUSTOM
    ]
    # The editor adds a row per round trip; its posted rows are the same with all at once.
    page.evaluate(
        """(rows) => {
          const form = document.getElementById('editor');
          form.querySelector('input[name=rows]').value = rows.length;
          rows.forEach((row, i) => Object.entries(row).forEach(([key, value]) => {
            let input = form.querySelector(`[name="${key}_${i}"]`);
            if (!input) {
              input = document.createElement('input');
              input.type = 'hidden';
              input.name = `${key}_${i}`;
              form.append(input);
            }
            input.value = value;
          }));
        }""",
        rows,
    )
    page.locator("#thank_you_message").fill(payload(variant, "thanks") + "\n" + "second line")
    if thanks:
        page.locator("#thank_you_url").fill(thanks)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("Published")
    walk.check("form editor", form_texts(variant, option, thanks))
    return {
        "id": urllib.parse.urlsplit(page.url).path.rsplit("/", 1)[1],
        "hosted": page.get_by_label("Hosted link").input_value(),
    }


def form_texts(variant: str, option: str, thanks: str | None) -> list[str]:
    texts = [payload(variant, "form"), payload(variant, "thanks"), option]
    texts += [shown_as(payload(variant, f"l.{kind}")) for kind in CUSTOM]
    if thanks:
        texts.append(thanks)
    return texts


def visit_and_submit(walk: Walk, form: dict[str, str], person: Visitor) -> None:
    page, service = walk.page, walk.service
    visitor_id = f"visitor-{person.variant}-{uuid.uuid4().hex[:6]}"
    # A page view as utm.js's beacon sends it, from the visitor's (hostile) user agent.
    beacon = {"v": visitor_id, "u": person.visit_url, "r": person.first["referrer"]}
    answer = page.context.request.post(
        f"{service.url}/t/{walk.tenant}/collect",
        data=json.dumps(beacon),
        headers={"Content-Type": "text/plain"},
    )
    assert answer.status == 204, answer.text()

    # utm.js's hidden fields in the customer's own form, posted by the browser. A web
    # address that runs is refused first: the form comes back with it as typed.
    history = [person.first, person.hist, *person.links, person.latest]
    sent = {
        **person.fields,
        "ls_first_touch": json.dumps(slots(person.first)),
        "ls_latest_touch": json.dumps(slots(person.latest)),
        "ls_touches": json.dumps([slots(t) for t in history]),
        "ls_visitor_id": visitor_id,
        "ls_submission_id": f"sub-{person.variant}-{uuid.uuid4().hex[:8]}",
    }
    running = linkish(f"{person.variant}.f.url")[0].replace("//", "//x.example")
    post_natively(page, form["hosted"], {**sent, "f_url": running})
    walk.detector.check(page, "the site's form refused")
    assert page.input_value("input[name=f_url]") == running
    assert page.is_visible("#ls-f_url-error")
    post_natively(page, form["hosted"], sent)
    page.wait_for_load_state()
    walk.detector.check(page, "thank-you page after the site's form")

    # The hosted form in an iframe utm.js decorated: its touches come in _ls; its own link
    # is hostile too, and so is the page it was opened from.
    handed = json.dumps([slots(person.first), slots(person.hosted)])
    link = {key: payload(person.variant, f"link.{key}") for key in (*UTM_KEYS, *CLICK_IDS)}
    query = urllib.parse.urlencode({**link, "_ls": handed})
    page.goto(f"{form['hosted']}?{query}", referer=person.first["referrer"])
    walk.detector.check(page, "hosted form")
    assert page.inner_text("h1") == payload(person.variant, "form")
    page.fill("input[name=email]", person.email)
    for name, value in person.custom.items():
        if name == "f_select":
            page.select_option(f"select[name={name}]", value)
        elif name == "f_checkbox":
            page.check(f"input[name={name}]")
        elif name != "extra_note":
            page.fill(f"[name={name}]", value)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    walk.detector.check(page, "thank-you page after the hosted form")
    if person.variant not in ("attribute", "url"):
        absent = missing(page, [payload(person.variant, "thanks")])
        assert not absent, f"thank-you message not shown: {absent}"


def settings_pages(walk: Walk) -> str:
    """The settings, with a hostile origin refused; the new API key made on the way."""
    page = walk.page
    walk.open("settings", [])
    typed = "https://x.example/" + payload("attribute", "origin")
    page.get_by_label("Add an origin").fill(typed)
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#origin-error")).to_contain_text("not an origin")
    walk.check("settings, origin refused", [typed])
    for _ in range(2):  # off, then on again
        page.get_by_role("checkbox", name="UTM data transfer", exact=True).click()
        page.locator("#transfer").get_by_role("button", name="Save").click()
        walk.check("settings, transfer", [])
    page.get_by_role("button", name="Save options").click()
    walk.check("settings, options", [])
    # Named keys: a name too long is refused and shown again as typed; one with a hostile
    # name is made, listed literally and revoked (confirmed first); another is for the API.
    name_field = page.get_by_label("Make a new key, named after what will use it")
    too_long = payload("script", "key") + "x" * 100
    name_field.evaluate("(input, value) => { input.value = value; }", too_long)  # no maxlength
    page.get_by_role("button", name="Make key").click()
    expect(page.locator("#key-name-error")).to_contain_text("1-100 characters")
    walk.check("settings, key name refused", [too_long])
    revoked = payload("markup", "key")
    used = payload("attribute", "key")
    for name in (revoked, used):
        name_field.fill(name)
        page.get_by_role("button", name="Make key").click()
        expect(page.get_by_role("status")).to_have_text("A new API key was made.")
        walk.check("settings, new key", [name])
        assert page.locator("#new-key-box label").inner_text() == (
            f"Your new API key “{name}” (shown only this once: copy it now)"
        )
    key = page.locator("#new-key").input_value()
    row = page.locator("#key-list tr", has_text=revoked)
    row.get_by_text("Revoke…").click()
    row.get_by_role("button", name=f"Revoke “{revoked}”").click()
    expect(page.get_by_role("status")).to_have_text("The API key was revoked: it no longer works.")
    expect(page.locator("#key-list tr", has_text=revoked)).to_contain_text("Revoked")
    walk.check("settings, key revoked", [revoked, used])
    return key


def users_pages(walk: Walk) -> str:
    page = walk.page
    email = email_of("markup", "invite")
    walk.open("users", [])
    page.get_by_label("Email").fill(email)
    page.get_by_label("Role", exact=True).select_option("marketer")
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_role("status")).to_have_text("The user was added.")
    walk.check("users, invited", [email])
    page.get_by_label(f"Role of {email}").select_option("sales")
    page.locator("#members li", has_text=email).get_by_role("button", name="Change role").click()
    walk.check("users, role changed", [email])
    row = page.locator("#members li", has_text=email)
    row.get_by_text("Remove…").click()
    row.get_by_role("button", name=f"Remove {email}").click()
    expect(page.get_by_role("status")).to_have_text("The user was removed from this account.")
    walk.check("users, removed", [])
    # A salesperson who stays: the owner of the hostile leads and deals.
    owner = email_of("attribute", "owner")
    page.get_by_label("Email").fill(owner)
    page.get_by_label("Role", exact=True).select_option("sales")
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_role("status")).to_have_text("The user was added.")
    walk.check("users, owner invited", [owner])
    return owner


def links_pages(walk: Walk) -> None:
    page = walk.page
    walk.open("links", [])
    typed = {  # by the inputs' ids
        "page_url": "https://site.example/offer/" + payload("markup", "link.page"),
        "utm_source": payload("attribute", "l.src"),
        "utm_medium": "email",
        "utm_campaign": payload("script", "l.camp"),
        "utm_term": payload("url", "l.term"),
        "utm_content": linkish("l.content")[0],
    }
    # A page address that runs is refused, and everything typed comes back as typed.
    refused = {**typed, "page_url": linkish("link.page")[0]}
    for key, value in refused.items():
        page.locator(f"#{key}").fill(value)
    page.get_by_role("button", name="Build").click()
    walk.check("links, refused", list(refused.values()))
    for key, value in typed.items():
        page.locator(f"#{key}").fill(value)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    saved = [normalize(typed[key]) for key in ("utm_source", "utm_campaign")]
    walk.check("links, saved", saved)
    url = page.locator("#links tbody tr").first.locator("input").input_value()
    assert url.startswith(typed["page_url"] + "?"), url

    # Campaigns: a hostile name, then one refused, shown again as typed.
    name = payload("markup", "campaign")
    page.get_by_label("Campaign name").fill(name)
    page.get_by_label("utm_campaign values, one a line").fill("=" + payload("url", "owned"))
    page.get_by_role("button", name="Create campaign").click()
    walk.check("links, campaign", [name, normalize("=" + payload("url", "owned"))])
    refused = ("x" * 101) + payload("attribute", "owned")
    page.get_by_label("Campaign name").fill(name)
    page.get_by_label("utm_campaign values, one a line").fill(refused)
    page.get_by_role("button", name="Create campaign").click()
    expect(page.get_by_role("alert")).to_contain_text("at most")
    walk.check("links, campaign refused", [name, refused])
    q = payload("script", "links.q")
    walk.open("links?" + urllib.parse.urlencode({"q": q}), [q])


def persons_pages(walk: Walk, people: dict[str, Visitor]) -> None:
    every = []
    for p in people.values():
        every += [p.email, p.fields["first_name"] + " " + p.fields["last_name"]]
        every += [shown_as(p.fields["company"]), *summary(p.first), *summary(p.latest)]
    walk.open("persons", every)

    # The CSV of the list: every person, every cell text, never a formula.
    page = walk.page
    with page.expect_download() as download:
        page.locator("#export-csv").click()
    walk.note("GET", download.value.url)
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith(BOM)
    rows = list(csv.reader(io.StringIO(text[len(BOM) :])))
    assert rows[0] == list(COLUMNS)
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), f"a formula in the CSV: {cell!r}"
    by_email = {row[1]: dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]}
    for p in people.values():
        row = by_email["'" + p.email]
        expected = {
            "first_name": p.fields["first_name"],
            "last_name": p.fields["last_name"],
            "company": shown_as(p.fields["company"]),
            "first_touch_source": p.first["utm_source"],
            "first_touch_medium": p.first["utm_medium"],
            "first_touch_campaign": p.first["utm_campaign"],
            "lead_creation_source": p.latest["utm_source"],
            "lead_creation_medium": p.latest["utm_medium"],
            "lead_creation_campaign": p.latest["utm_campaign"],
        }
        for column, value in expected.items():
            assert row[column] == "'" + value, (column, row[column])

    # Hostile search and filter values in the address, matching one person exactly.
    for p in people.values():
        query = {
            "q": p.fields["last_name"][:200],
            "first_touch_source": p.first["utm_source"],
            "lead_creation_campaign": p.latest["utm_campaign"],
        }
        walk.open(
            "persons?" + urllib.parse.urlencode(query),
            [*query.values(), p.email, shown_as(p.fields["company"])],
        )
        assert walk.page.locator("#persons tbody tr").count() == 1
    # A search nobody matches, and a sort that is not one: shown back as text.
    q = payload("markup", "persons.q")
    walk.open("persons?" + urllib.parse.urlencode({"q": q, "form": q[:64]}), [q])
    sort = payload("attribute", "sort")
    walk.open("persons?" + urllib.parse.urlencode({"sort": sort}), [], status=400)


def selections_pages(walk: Walk) -> None:
    """A search with hostile text saved as a selection with a hostile name; the Selections
    page; the selection opened (its list) and exported; renamed to another hostile name;
    deleted."""
    page = walk.page
    q = payload("markup", "sel.q")
    walk.open("persons?" + urllib.parse.urlencode({"q": q}), [q])
    name = shown_as(payload("attribute", "sel.name"))
    page.locator("#selection-name").fill(name)
    page.get_by_role("button", name="Save as selection").click()
    walk.open("selections", [name])
    link = page.locator("table a", has_text=name).first
    href = link.get_attribute("href") or ""
    selection = href.rstrip("/").rsplit("/", 1)[-1]
    link.click()
    walk.check("a selection opened", [q])
    text = walk.fetch(f"selections/{urllib.parse.quote(selection)}/export").text()
    # The persons the hostile text finds (nobody): the header alone.
    assert text.startswith(BOM)
    assert len(list(csv.reader(io.StringIO(text[len(BOM) :])))) == 1
    walk.open("selections", [name])
    renamed = shown_as(payload("script", "sel.rename"))
    page.locator("input[id^=rename-]").first.fill(renamed)
    page.get_by_role("button", name="Rename").first.click()
    walk.check("a selection renamed", [renamed])
    page.get_by_role("button", name="Delete").first.click()
    walk.check("a selection deleted", [])


def dashboards_pages(walk: Walk, people: dict[str, Visitor]) -> None:
    """The default dashboards with the visitors' hostile sources in their tiles (tables and
    chart labels, as text); a dashboard and tiles with hostile names added, edited, moved,
    exported as CSV (no cell a formula), removed; the dashboard renamed and deleted."""
    page = walk.page
    # (The "url" visitor was erased by now.)
    sources = [p.latest["utm_source"] for variant, p in people.items() if variant != "url"]
    walk.open("dashboards", sources)  # the first one: Marketing
    for name in ("Lead nurturing", "Sales"):
        page.locator(".dash-tabs").get_by_role("link", name=name).click()
        walk.check(f"the {name} dashboard", [name])
    walk.open("dashboards/manage", ["Marketing", "Lead nurturing", "Sales"])
    board = shown_as(payload("attribute", "dash.name"))
    page.locator("#new-name").fill(board)
    page.get_by_role("button", name="Add the dashboard").click()
    walk.check("a dashboard added", [board])
    page.locator("#dashboards a", has_text=board).click()
    walk.check("the new dashboard", [board])
    for n, (variant, kind, grouping) in enumerate(
        (("markup", "table", "lead_creation_source"), ("script", "number", ""))
    ):
        page.locator("#add-tile").click()
        walk.check("a new tile's form", [])
        title = shown_as(payload(variant, f"tile.{n}"))
        page.get_by_label("Title").fill(title)
        page.get_by_label("Shown as").select_option(kind)
        page.get_by_label("What it counts").select_option("new_leads")
        page.get_by_label("Grouped by").select_option(grouping)
        page.get_by_role("button", name="Add the tile").click()
        walk.check("a tile added", [title, *(sources if grouping else [])])
    page.locator(".dash-actions a", has_text="Edit").first.click()
    walk.check("a tile's form", [])
    edited = shown_as(payload("url", "tile.edit"))
    page.get_by_label("Title").fill(edited)
    page.get_by_role("button", name="Save the tile").click()
    walk.check("a tile edited", [edited, *sources])
    href = page.locator(".csv-link").first.get_attribute("href") or ""
    text = walk.fetch(href.split(f"/app/{walk.tenant}/", 1)[1]).text()
    table = list(csv.reader(io.StringIO(text[len(BOM) :])))
    assert table[0] == ["key", "label", "leads"] and table[-1][1] == "Total"
    cells = [cell for row in table for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))], cells
    page.get_by_role("button", name="Move up").first.click()
    walk.check("a tile moved", [edited])
    page.get_by_role("button", name="Remove").first.click()
    walk.check("a tile removed", [edited])
    walk.open("dashboards/manage", [board])
    renamed = shown_as(payload("markup", "dash.rename"))
    page.locator("#dashboards tr", has_text=board).locator("input[name=name]").fill(renamed)
    page.locator("#dashboards tr", has_text=board).get_by_role("button", name="Rename").click()
    walk.check("a dashboard renamed", [renamed])
    page.locator("#dashboards tr", has_text=renamed).get_by_role("button", name="Delete").click()
    walk.check("a dashboard deleted", ["Marketing"])


def import_page(walk: Walk, tmp: Path) -> None:
    """A contact file whose header and cells carry payloads: read, checked again with another
    column chosen, and imported (the row in error skipped)."""
    page = walk.page
    header = payload("markup", "import.header")
    first = payload("attribute", "imp.f")  # within the 100 characters of a first name
    company = payload("script", "import.company")
    bad = payload("url", "import.email")  # not an email: listed as an error, as the file has it
    good = email_of("markup", "import")
    out = io.StringIO()
    csv.writer(out).writerows([["Email", header, "Company"], [good, first, company], [bad, "", ""]])
    file = tmp / "hostile-contacts.csv"
    file.write_text(out.getvalue(), encoding="utf-8")
    walk.open("import", [])
    page.get_by_label("CSV file").set_input_files(str(file))
    page.get_by_role("button", name="Read file").click()
    shown = [header, shown_as(company), good, bad]
    walk.check("import: the dry run", shown)
    page.get_by_label("First name").select_option("1")
    page.get_by_role("button", name="Check again").click()
    walk.check("import: checked again", [*shown, first.strip()])
    page.get_by_label("Skip the 1 row with errors").check()
    page.get_by_role("button", name="Import 1 person").click()
    expect(page.locator("#flash")).to_have_text("Imported 1 new person(s).")
    walk.check("import: done", [])


def companies_pages(walk: Walk, people: dict[str, Visitor], ids: dict, crm: Crm) -> None:
    names = [shown_as(p.fields["company"]) for p in people.values()]
    walk.open("companies", names + [s for p in people.values() for s in summary(p.latest)])
    q = payload("url", "companies.q")
    walk.open("companies?" + urllib.parse.urlencode({"q": q}), [q])
    page = walk.page
    for p in people.values():
        company_id = ids[p.variant][1]
        walk.open(
            f"companies/{urllib.parse.quote(company_id)}",
            [shown_as(p.fields["company"]), p.email, *facts(p.latest)],
        )
        if p.variant != "markup":
            continue
        # This company gets the hostile category (of the hostile group, with lead status)
        # and the hostile owner; the history names both categories.
        page.locator("#category").select_option(label=crm.category)
        page.locator("#company-lead select[name=owner]").select_option(label=crm.owner)
        page.locator("#company-lead").get_by_role("button", name="Save").click()
        expect(page.locator("#lead-flash")).to_have_text("Saved the category and owner.")
        walk.check("company card, category changed", [crm.category, crm.owner])
        history = page.locator("#category-history li").first
        expect(history).to_contain_text(f"Lead → {crm.category}")


def card_pages(walk: Walk, p: Visitor, person_id: str, crm: Crm) -> str:
    """The person's card: its lead status and owner changed, its name and company edited, a
    deal made from it and edited, the privacy export; the deal's id."""
    page = walk.page
    path = f"persons/{urllib.parse.quote(person_id)}"
    shown = [p.email, p.fields["first_name"], p.fields["last_name"]]
    shown += [shown_as(p.fields["company"]), payload(p.variant, "form")]
    shown += facts(p.first) + facts(p.latest) + facts(p.hosted) + summary(p.hist)
    shown += [p.hist["landing_page"], *(t["utm_source"] for t in p.links)]
    shown += [v for k, v in p.custom.items() if k != "f_textarea"]
    shown += p.fields["f_textarea"].split("\n")
    walk.open(path, shown)
    # No address that runs became a link (the detector looks at every href too).
    assert page.locator("a[href^='javascript' i], a[href^='data' i]").count() == 0

    # The lead: the hostile status and owner; the history names both statuses.
    page.locator("#lead-status").select_option(label=crm.status)
    page.locator("#lead select[name=owner]").select_option(label=crm.owner)
    page.get_by_role("button", name="Update lead").click()
    expect(page.locator("#lead-flash")).to_have_text("Saved the lead status and owner.")
    lead = [crm.status, crm.owner]
    if p.variant == "markup":  # its company has the hostile category (companies_pages)
        lead += [crm.category, crm.group]
    walk.check("person card, lead updated", lead)
    expect(page.locator("#status-history li").first).to_contain_text(f"Open → {crm.status}")

    # The edit, refused (too long) and shown again as typed, then saved with a new company.
    long_name = payload(p.variant, "edit.first") + "x" * 100
    page.locator("#edit input[name=first_name]").fill(long_name)
    page.locator("#edit input[name=company]").fill(payload(p.variant, "edit.company"))
    page.locator("#edit button").click()
    expect(page.get_by_role("alert")).to_have_text("Some fields need fixing.")
    walk.check("person edit refused", [long_name, payload(p.variant, "edit.company")])
    page.locator("#edit input[name=first_name]").fill(payload(p.variant, "edit.first"))
    page.locator("#edit button").click()
    expect(page.locator("#flash")).to_have_text("Saved.")
    company = shown_as(payload(p.variant, "edit.company"))
    walk.check("person card after the edit", [payload(p.variant, "edit.first"), company])

    # A deal from the card ("New deal"), refused once (a hostile amount, shown again as
    # typed), then saved with a new title and amount.
    deal_id, title = new_deal(walk, p, crm)
    edited = payload(p.variant, "deal.edit")
    amount = payload(p.variant, "amount")
    page.locator("#edit input[name=title]").fill(edited)
    page.locator("#edit input[name=amount]").fill(amount)
    page.locator("#save-deal").click()
    expect(page.get_by_role("alert")).to_contain_text("Some fields need fixing.")
    walk.check("deal edit refused", [edited, amount, title])
    page.locator("#edit input[name=amount]").fill("99.50")
    page.locator("#save-deal").click()
    expect(page.locator("#flash")).to_have_text("Saved.")
    walk.check("deal card after the edit", [edited, "99.50", crm.owner])
    # The person's card lists the deal, and so does (once) the company's, the edit's.
    if p.variant == "markup":
        page.locator("#facts a[href*='/companies/']").click()
        walk.check("company made by the edit, with a deal", [company, p.email, edited])
        page.locator("#company-persons a[href*='/persons/']").click()
    else:
        page.locator("#facts a[href*='/persons/']").click()
    walk.check("person card with a deal", [edited, crm.status, company])

    # The privacy export: the download's JSON has every value exactly.
    export = walk.fetch(f"{path}/export").json()
    text = json.dumps(export, ensure_ascii=False)
    for value in (p.email, payload(p.variant, "edit.first"), p.fields["last_name"]):
        assert json.dumps(value, ensure_ascii=False) in text, value
    for value in (*facts(p.first), p.fields["f_text"], p.fields["extra_note"], shown_as(edited)):
        assert json.dumps(value, ensure_ascii=False) in text, value
    walk.open(f"{path}/erase", [p.email])
    return deal_id


def erase(walk: Walk, p: Visitor, ids: tuple[str, str]) -> None:
    page = walk.page
    walk.open(f"persons/{urllib.parse.quote(ids[0])}/erase", [p.email])
    page.locator("#confirm-erase").click()
    expect(page.locator("#flash")).to_contain_text("Erased")
    walk.check("persons after an erasure", [p.email])


# -- leads and deals -------------------------------------------------------------------------


@dataclass
class Crm:
    """The hostile names the admin gave the lead setup and the pipeline, and the owner of
    the leads and deals (a salesperson with a hostile email)."""

    owner: str
    status: str = ""
    group: str = ""
    category: str = ""
    stage: str = ""


def lead_setup_page(walk: Walk, crm: Crm) -> None:
    """A lead status, a group with lead status and a category in it, each with a hostile
    name; the status again, refused."""
    page = walk.page
    walk.open("lead-setup", [])
    added = page.locator("#flash")
    page.get_by_label("New lead status").fill(payload("markup", "status"))
    page.get_by_role("button", name="Add status").click()
    expect(added).to_have_text("Added.")
    crm.status = shown_as(payload("markup", "status"))
    walk.check("lead setup, status added", [crm.status])
    page.get_by_label("New group").fill(payload("attribute", "group"))
    page.get_by_label("with lead status").check()
    page.get_by_role("button", name="Add group").click()
    expect(added).to_have_text("Added.")
    crm.group = shown_as(payload("attribute", "group"))
    walk.check("lead setup, group added", [crm.status, crm.group])
    group = page.locator(".lead-group").last
    expect(group.locator(".badge")).to_have_text("lead status")
    group.locator(".add-row input[name=name]").fill(payload("script", "category"))
    group.get_by_role("button", name="Add category").click()
    expect(added).to_have_text("Added.")
    crm.category = shown_as(payload("script", "category"))
    walk.check("lead setup, category added", [crm.status, crm.group, crm.category])
    page.get_by_label("New lead status").fill(payload("markup", "status"))
    page.get_by_role("button", name="Add status").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a lead status called")
    walk.check("lead setup, status refused", [crm.status, crm.group, crm.category])


def pipeline_setup_page(walk: Walk, crm: Crm) -> None:
    """A stage with a hostile name (60 characters at most: ``short``); the same again,
    refused."""
    page = walk.page
    walk.open("pipeline-setup", [])
    crm.stage = short("stage")
    for refused in (False, True):
        page.locator("#new-name").fill(crm.stage)
        page.locator("#new-prob").fill("35")
        page.get_by_role("button", name="Add stage").click()
        if refused:
            expect(page.locator("#setup-error")).to_contain_text("There is already a stage")
        else:
            expect(page.locator("#flash")).to_have_text("Saved.")
        walk.check("pipeline setup", [crm.stage])
    assert page.locator("#stages input[name=name]").last.input_value() == crm.stage


def new_deal(walk: Walk, p: Visitor, crm: Crm) -> tuple[str, str]:
    """A deal with a hostile title and owner, from the person's card; (id, title)."""
    page = walk.page
    page.locator("#deals #new-deal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New deal")
    walk.check("new deal", [p.email, crm.owner, crm.stage])
    title = payload(p.variant, "deal")
    page.locator("#deal-title-input").fill(title)
    page.locator("#deal-amount-input").fill("1234.50")
    page.locator("#new-deal-form select[name=owner]").select_option(label=crm.owner)
    page.get_by_role("button", name="Create deal").click()
    expect(page.locator("#flash")).to_have_text("Deal created.")
    company = shown_as(payload(p.variant, "edit.company"))  # the card's edit made it
    shown = [title, p.email, company, crm.owner, *summary(p.latest)]
    walk.check("deal card", shown)
    return urllib.parse.urlsplit(page.url).path.rsplit("/", 1)[1], title


def attribution_pages(walk: Walk, people: dict[str, Visitor]) -> None:
    """The Attribution page: the visitors' hostile campaigns (touches of a year ago, so a
    730-day window) as rows and in the chart; restricted to a hostile campaign (the
    campaign page's parameter), said in words; the conversions behind the 90-day report's
    rows (no touch that recent): the persons and the deals, hostile emails and titles."""
    page = walk.page
    since = f"{datetime.now(UTC).year - 1}-01-01"
    base = {"model": "first_touch", "lookback_days": "730", "from": since}
    firsts = [p.first["utm_campaign"] for p in people.values()]
    walk.open("attribution?" + urllib.parse.urlencode({**base, "by": "campaign"}), firsts)
    assert page.locator("#chart svg text").count() >= len(firsts)
    sources = [f"{p.first['utm_source']} / {p.first['utm_medium']}" for p in people.values()]
    walk.open("attribution?" + urllib.parse.urlencode({**base, "by": "source_medium"}), sources)
    one = people["markup"].first["utm_campaign"]
    query = {**base, "by": "source", "campaign": one}
    walk.open(
        "attribution?" + urllib.parse.urlencode(query), [one, people["markup"].first["utm_source"]]
    )
    assert page.locator("#attribution-table tbody tr").count() == 1
    # The follower credits the persons in the background: until then no row.
    for conversion, shown in (
        ("contact_create", [p.email for p in people.values()]),
        ("deal_create", [payload(p.variant, "deal.edit") for p in people.values()]),
    ):
        address = "attribution?" + urllib.parse.urlencode({"conversion": conversion})
        for _ in range(30):
            walk.open(address, [])
            if page.locator("#attribution-table tbody tr a").count():
                break
            page.wait_for_timeout(500)
        page.locator("#attribution-table tbody tr a").first.click()
        walk.check(f"the {conversion} conversions behind a row", shown)


def deal_shown(p: Visitor) -> list[str]:
    """What the deals list and the pipeline show of a person's deal."""
    return [payload(p.variant, "deal.edit"), p.email, shown_as(payload(p.variant, "edit.company"))]


def pipeline_pages(walk: Walk, people: dict[str, Visitor], crm: Crm, deals: dict) -> None:
    """The board; the markup deal moved to the hostile stage, the attribute deal won; a
    hostile filter; the moved deal's history."""
    page = walk.page
    every = [crm.stage, crm.owner]
    for p in people.values():
        every += [*deal_shown(p), *summary(p.latest)]
    walk.open("pipeline", every)
    card = page.locator(".deal-card", has_text=payload("markup", "deal.edit"))
    card.locator("select[name=stage]").select_option(label=crm.stage)
    card.get_by_role("button", name="Move").click()
    expect(page.locator("#flash")).to_have_text("Saved.")
    column = page.locator("section.column").last
    expect(column.locator(".deal-card")).to_have_count(1)
    walk.check("pipeline, moved", [crm.stage, *deal_shown(people["markup"])])
    assert column.locator(".deal-link").inner_text() == payload("markup", "deal.edit")
    card = page.locator(".deal-card", has_text=payload("attribute", "deal.edit"))
    card.get_by_role("button", name="Won").click()
    expect(page.locator("#flash")).to_have_text("Saved.")
    expect(page.locator(".deal-card")).to_have_count(len(people) - 1)
    walk.check("pipeline, won", [crm.stage])
    p = people["script"]
    query = {"owner": crm.owner, "lead_creation_source": p.latest["utm_source"]}
    walk.open("pipeline?" + urllib.parse.urlencode(query), [*query.values(), *deal_shown(p)])
    assert page.locator(".deal-card").count() == 1
    walk.open(
        f"deals/{urllib.parse.quote(deals['markup'])}",
        [crm.stage, payload("markup", "deal.edit"), people["markup"].email],
    )


def board_pages(walk: Walk, people: dict[str, Visitor], crm: Crm) -> None:
    """The lead board: every hostile person in the hostile status's column, with its owner
    and company; the markup person moved back to Open with the card's form; a hostile
    filter in the address."""
    page = walk.page
    every = [crm.status, crm.owner]
    for p in people.values():
        # A card names the lead-creation source and medium (its campaign is on the person card).
        source = [text for text in summary(p.latest) if "utm_campaign" not in text]
        every += [shown_as(payload(p.variant, "edit.company")), *source]
    walk.open("board", every)
    company = shown_as(payload("markup", "edit.company"))
    card = page.locator(".lead-card", has_text=company)
    card.locator("select[name=lead_status]").select_option(label="Open")
    card.get_by_role("button", name="Move").click()
    expect(page.locator("#flash")).to_contain_text("to Open")
    walk.check("board, moved", [crm.status, company])
    p = people["script"]
    query = {"owner": crm.owner, "lead_creation_source": p.latest["utm_source"]}
    walk.open("board?" + urllib.parse.urlencode(query), [*query.values(), crm.status])
    assert page.locator(".lead-card").count() == 1


def campaigns_pages(walk: Walk, people: dict[str, Visitor]) -> None:
    """The list (the hostile campaign and every visitor's utm_campaign values, which no
    campaign owns), the campaign's page, an unowned value's page with its traffic by source,
    the comparison, and a number followed to its persons list."""
    page = walk.page
    name, owned = payload("markup", "campaign"), normalize("=" + payload("url", "owned"))
    values = []
    for p in people.values():
        values += [p.first["utm_campaign"], p.latest["utm_campaign"], p.visit["utm_campaign"]]
    walk.open("campaigns", [name, owned, *values])
    page.locator("#campaigns a.campaign-name", has_text=name).click()
    expect(page.locator("#campaign-name")).to_have_text(name)
    walk.check("a campaign's page", [name, owned])
    for p in people.values():
        visit = p.visit
        query = urllib.parse.urlencode({"value": visit["utm_campaign"], "period": "this_month"})
        walk.open(f"campaigns/unowned?{query}", [*visit.values()])
        assert page.locator("#traffic-table tbody tr").count() == 1
    walk.open("campaigns", [])
    page.get_by_label(f"Compare {name}").check()
    page.get_by_label(f"Compare {values[0]}").check()
    page.locator("#compare").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare campaigns")
    walk.check("campaigns compared", [name, values[0]])
    page.locator("#comparison td[data-measure=influenced] a").last.click()
    expect(page.locator("#campaign-filter")).to_be_visible()
    walk.check("a campaign's persons", [values[0]])
    assert page.locator("#persons tbody tr").count() >= 1


def deals_pages(walk: Walk, people: dict[str, Visitor], crm: Crm) -> None:
    """The list; hostile filters in the address, matching each deal, then nothing."""
    page = walk.page
    every = [crm.owner, crm.stage]
    for p in people.values():
        every += [*deal_shown(p), *summary(p.latest)]
    walk.open("deals", every)
    for p in people.values():
        query = {
            "lead_creation_source": p.latest["utm_source"],
            "lead_creation_medium": p.latest["utm_medium"],
            "lead_creation_campaign": p.latest["utm_campaign"],
            "owner": crm.owner,
        }
        if p.variant == "markup":
            query["stage"] = crm.stage
        walk.open("deals?" + urllib.parse.urlencode(query), [*query.values(), *deal_shown(p)])
        assert page.locator("#deals-list tbody tr").count() == 1
    # Nobody matches: the values come back in the filter form (the ids in hidden fields).
    query = {
        "stage": short("f.stg"),
        "person_id": payload("url", "f.pid"),
        "company_id": short("f.cid"),
        "lead_creation_medium": payload("markup", "deals.medium"),
        "lead_creation_campaign": payload("script", "deals.campaign"),
        "sort": "title",
    }
    shown = [v for k, v in query.items() if k not in ("stage", "sort")]
    walk.open("deals?" + urllib.parse.urlencode(query), shown)
    expect(page.locator("#empty")).to_have_text("No deal matches these filters.")
    status = urllib.parse.urlencode({"status": payload("url", "status")})
    walk.open("deals?" + status, [], status=400)


def account_page(walk: Walk) -> None:
    """Your account, from the header's link: a wrong (hostile) current password refused."""
    page = walk.page
    walk.open("", [])
    page.get_by_role("link", name="Your account").click()
    expect(page).to_have_url(walk.service.url + "/app/account")
    walk.check("your account", [])
    page.get_by_label("Current password").fill(payload("markup", "password"))
    for label in ("New password", "Repeat the new password"):
        page.get_by_label(label, exact=True).fill(payload("attribute", "password"))
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#current_password-error")).to_have_text(
        "That is not your current password."
    )
    walk.check("your account, wrong password", [])


# -- the JSON API ----------------------------------------------------------------------------


def api_checks(service: Service, api_key: str, p: Visitor) -> tuple[str, str]:
    """Every value back as the exact JSON string sent; (person id, company id)."""

    def get(path: str) -> Any:
        request = urllib.request.Request(
            service.url + path, headers={"Authorization": f"Bearer {api_key}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.headers["content-type"] == "application/json"
            return json.loads(response.read())

    (listed,) = get("/api/v1/persons?" + urllib.parse.urlencode({"email": p.email}))["items"]
    card = get(f"/api/v1/persons/{urllib.parse.quote(listed['id'])}")
    for person in (listed, card):
        assert person["email"] == p.email
        assert person["first_name"] == p.fields["first_name"]
        assert person["last_name"] == p.fields["last_name"]
        assert person["company"]["name"] == shown_as(p.fields["company"])
        assert_touch(person["first_touch"], p.first)
        assert_touch(person["lead_creation"], p.latest)
    first_post, hosted_post = card["submissions"]
    assert_touch(first_post["conversion"], p.latest)
    assert_touch(hosted_post["conversion"], p.hosted)
    history = first_post["touches"]
    assert [t["source"] for t in history] == [
        t["utm_source"] for t in (p.first, p.hist, *p.links, p.latest)
    ]
    for linked in history[2:-1]:  # no address that runs is kept
        assert linked["landing_page"] is None and linked["referrer"] is None, linked
    company_id = card["company"]["id"]
    company = get(f"/api/v1/companies/{urllib.parse.quote(company_id)}")
    assert company["name"] == shown_as(p.fields["company"])
    assert_touch(company["source"], p.latest)
    listed_companies = get("/api/v1/companies?" + urllib.parse.urlencode({"q": company["name"]}))
    assert [c["name"] for c in listed_companies["items"]] == [company["name"]]
    return card["id"], company_id


def assert_touch(got: dict[str, Any], sent: dict[str, Any]) -> None:
    for key, name in (
        ("source", "utm_source"),
        ("medium", "utm_medium"),
        ("campaign", "utm_campaign"),
        ("term", "utm_term"),
        ("content", "utm_content"),
        ("utm_id", "utm_id"),
        ("landing_page", "landing_page"),
        ("referrer", "referrer"),
    ):
        assert got[key] == sent[name], (key, got[key], sent[name])
    assert got["click_ids"] == {key: sent[key] for key in CLICK_IDS}
