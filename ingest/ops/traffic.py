"""Generated traffic for ``leadsource generate``: who arrives, from where, and what they
send. ``History`` yields each person's page views and form posts in time order, as the
browser and utm.js would send them; ``generate.py`` writes them."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from ingest.clock import iso_time
from ingest.domain.privacy import private_params_removed, without_private_params
from ingest.domain.sessions import PageView
from ingest.domain.submissions import Touches, touches_from_fields
from ingest.domain.touch import Touch, touch_from_dict
from ingest.storage.reads import Form, Tenant

# -- what arrives ------------------------------------------------------------------------


@dataclass(frozen=True)
class Arrival:
    """A kind of arrival on the site: its UTM values, click id, and referrers."""

    name: str
    weight: int
    utm: dict[str, tuple[str, ...]] = field(default_factory=dict)  # choices per key
    click_id: str | None = None
    referrers: tuple[str, ...] = ()
    pages: tuple[str, ...] = ("/",)


ARRIVALS = (
    Arrival(
        "linkedin_ads",
        14,
        {
            "utm_source": ("linkedin",),
            "utm_medium": ("paid_social",),
            "utm_campaign": ("webinar_sept", "whitepaper_q3", "brand_awareness"),
            "utm_content": ("carousel", "video", "single_image"),
        },
        "li_fat_id",
        ("https://www.linkedin.com/",),
        ("/webinar", "/whitepaper", "/"),
    ),
    Arrival(
        "facebook_ads",
        11,
        {
            "utm_source": ("facebook",),
            "utm_medium": ("paid_social",),
            "utm_campaign": ("retargeting", "spring_sale", "lookalike_trial"),
        },
        "fbclid",
        ("https://l.facebook.com/", "https://m.facebook.com/"),
        ("/pricing", "/trial", "/"),
    ),
    Arrival(
        "google_ads",
        16,
        {
            "utm_source": ("google",),
            "utm_medium": ("cpc",),
            "utm_campaign": ("brand_search", "generic_crm", "competitor_terms"),
            "utm_term": ("lead tracking", "utm tracking tool", "crm attribution", "leadsource"),
        },
        "gclid",
        ("https://www.google.com/",),
        ("/", "/features", "/pricing"),
    ),
    Arrival(
        "google_ads_autotagged",
        5,
        {},
        "gclid",
        ("https://www.google.com/",),
        ("/", "/pricing"),
    ),
    Arrival(
        "bing_ads",
        3,
        {},
        "msclkid",
        ("https://www.bing.com/",),
        ("/", "/pricing"),
    ),
    Arrival(
        "newsletter",
        10,
        {
            "utm_source": ("newsletter",),
            "utm_medium": ("email",),
            "utm_campaign": ("monthly_news", "product_update", "event_invite"),
            "utm_content": ("header_link", "cta_button"),
        },
        None,
        (),
        ("/blog/whats-new", "/events", "/"),
    ),
    Arrival(
        "organic_search",
        16,
        {},
        None,
        (
            "https://www.google.com/",
            "https://www.google.co.uk/",
            "https://www.bing.com/",
            "https://duckduckgo.com/",
            "https://www.ecosia.org/",
        ),
        ("/", "/blog/utm-parameters-guide", "/blog/first-touch-attribution", "/features"),
    ),
    Arrival(
        "organic_social",
        6,
        {},
        None,
        ("https://www.linkedin.com/feed/", "https://t.co/abc123", "https://www.reddit.com/"),
        ("/blog/first-touch-attribution", "/"),
    ),
    Arrival(
        "referral",
        8,
        {},
        None,
        (
            "https://www.partner-consulting.example/tools",
            "https://industry-news.example/articles/attribution",
            "https://crm-reviews.example/best-lead-tools",
        ),
        ("/", "/partners", "/features"),
    ),
    Arrival("direct", 11, {}, None, (), ("/", "/contact", "/pricing")),
)
_WEIGHTS = [a.weight for a in ARRIVALS]
# With ``submissions_per_person``: the share of persons who ever come back, and a bound on
# how often one does.
RETURNING = 0.6
MAX_REPEATS = 60
SITE_PAGES = ("/", "/features", "/pricing", "/customers", "/blog", "/about", "/contact")


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = _words(
    "Ada Ingrid Olga Maja Sofie Emma Nora Freja Ella Alma Ida Clara Liv Astrid Sara Anna"
    " Lars Erik Jonas Mads Oskar Noah William Lucas Emil Magnus Anders Henrik Jakob Ola Nils"
    " Mette Hanne Kari Sigrid Tove Bjørn Søren Per Knut Rune"
)
LAST_NAMES = _words(
    "Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen"
    " Johnsen Pettersen Eriksen Berg Haugen Hagen Johannessen Andreassen Jacobsen Dahl"
    " Jørgensen Halvorsen Lund Christensen Madsen Nielsen Rasmussen Sørensen Holm Lie"
)
COMPANY_WORDS = _words(
    "Fjord Nord Aurora Polar Granite Harbor Birch Summit Tidal Lumen Vector Nimbus Atlas"
    " Cobalt Meridian Falcon Maple Boreal Crest Orbit Pine Delta Ember Glacier Willow Zephyr"
)
COMPANY_KINDS = _words(
    "Retail Logistics Consulting Software Energy Foods Media Health Finance Design Systems"
    " Analytics Marine Properties Labs"
)
COMPANY_SUFFIXES = ("AS", "ApS", "AB", "Ltd", "GmbH", "Group", "")
MESSAGES = (
    "Please send me a price quote.",
    "We would like a demo next week.",
    "How does this work with our CRM?",
    "Interested in the partner program.",
    "Can you call me back?",
)


@dataclass(frozen=True)
class Post:
    """One form post, when it was sent, and the touches the endpoint makes of it.

    ``fields`` are what the visitor typed and the plain hidden fields; utm.js's touch fields
    are in ``script`` (first, latest non-direct, history) and become JSON text only in
    ``as_sent()``: parsing that text again for every post would cost more than storing it,
    so each touch is parsed once, from the same object, by the endpoint's function
    (``touch_from_dict``). ``tests/test_generate.py`` checks that the endpoint, given
    ``as_sent()``, stores the same."""

    fields: dict[str, str]
    at: datetime
    touches: Touches
    script: tuple[dict[str, Any], dict[str, Any] | None, list[dict[str, Any]]] | None = None

    def as_sent(self) -> dict[str, str]:
        """The post's fields as the browser sends them."""
        fields = dict(self.fields)
        if self.script is not None:
            first, latest, history = self.script
            fields["ls_first_touch"] = _touch_json(first)
            if latest is not None:
                fields["ls_latest_touch"] = _touch_json(latest)
            fields["ls_touches"] = json.dumps([_touch_value(t) for t in history])
        return fields


@dataclass(frozen=True)
class View:
    view: PageView


# -- the history of one person -------------------------------------------------------------


class History:
    """Generates persons' events (page views and posts), each person's in time order."""

    def __init__(
        self,
        tenant: Tenant,
        form: Form,
        *,
        persons: int,
        days: int,
        seed: int,
        now: datetime,
        submissions_per_person: float | None = None,
    ) -> None:
        self.rng = random.Random(seed)
        self.form = form
        self.persons = persons
        self.now = now
        self.start = now - timedelta(days=days)
        self.token = f"{self.rng.getrandbits(32):08x}"
        self.site = tenant.origins[0] if tenant.origins else f"https://www.{tenant.tenant_id}"
        if not tenant.origins:
            self.site += ".example"
        self.keep = tenant.keep_params
        self.shared_companies = max(1, persons // 8)
        # A returning person created at a uniform moment has half the span left on average:
        # this rate of return (per day) gives the mean asked for.
        self.return_rate = (
            None
            if submissions_per_person is None
            else max(submissions_per_person - 1, 1e-9) * 2 / (RETURNING * days)
        )

    def events(self) -> Iterator[Post | View]:
        span = (self.now - self.start).total_seconds() - 60
        # Persons are created in time order, so a shared company's source is its earliest
        # person's, as it would be.
        moments = sorted(self.rng.random() * span for _ in range(self.persons))
        for index, offset in enumerate(moments):
            yield from self.person(index, self.start + timedelta(seconds=offset))

    def person(self, index: int, created: datetime) -> Iterator[Post | View]:
        rng = self.rng
        first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        company = self.company(index)
        domain = _slug(company) + ".example" if company else "mail.example"
        email = f"{_slug(first_name)}.{_slug(last_name)}.{self.token}{index}@{domain}"
        visitor = f"v{self.token}{index:x}" if rng.random() < 0.35 else None
        hosted = visitor is None and rng.random() < 0.08  # a direct link to a hosted form

        latest = self.touch(self.arrival(), created - timedelta(minutes=rng.uniform(1, 30)))
        history = [latest]
        if not hosted and rng.random() < 0.4:
            # They came before, another way, days or weeks earlier.
            earlier = created - timedelta(days=rng.uniform(0.1, 30))
            earlier = max(earlier, self.start)
            if earlier < latest["at_datetime"]:
                history.insert(0, self.touch(self.arrival(), earlier))
                if rng.random() < 0.3:
                    between = earlier + (latest["at_datetime"] - earlier) / 2
                    history.insert(1, self.touch(ARRIVALS[-1], between))

        if visitor is not None:
            for touch in history:
                yield from self.views(visitor, touch)
        values = {
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            **({"company": company} if company else {}),
        }
        yield self.post(index, 0, values, history, visitor, hosted, created)

        for again, moment in enumerate(self.repeats(created), start=1):
            touch = self.touch(self.arrival(), moment - timedelta(minutes=rng.uniform(1, 20)))
            history = [*history, touch][-20:]
            if visitor is not None:
                yield from self.views(visitor, touch)
            yield self.post(index, again, values, history, visitor, hosted, moment)

    def repeats(self, created: datetime) -> Iterator[datetime]:
        """When the person comes back, by a new touch, and sends the form again."""
        rng = self.rng
        moment = created
        if self.return_rate is None:
            # The default: a fifth come back once to three times, 1-40 days apart.
            if rng.random() < 0.2:
                for _ in range(1, rng.randint(2, 4)):
                    moment += timedelta(days=rng.uniform(1, 40))
                    if moment >= self.now:
                        return
                    yield moment
            return
        # ``submissions_per_person``: returning persons come back at random (a Poisson
        # process) until now, so those who arrived early have sent the form most often.
        if rng.random() >= RETURNING:
            return
        for _ in range(MAX_REPEATS):
            moment += timedelta(hours=1, days=rng.expovariate(self.return_rate))
            if moment >= self.now:
                return
            yield moment

    def arrival(self) -> Arrival:
        return self.rng.choices(ARRIVALS, _WEIGHTS)[0]

    def company(self, index: int) -> str | None:
        r = self.rng.random()
        if r < 0.35:
            return _company_name(self.rng.randrange(self.shared_companies))
        if r < 0.65:
            return _company_name(self.shared_companies + index)
        return None

    def touch(self, arrival: Arrival, at: datetime) -> dict[str, Any]:
        rng = self.rng
        params = {key: rng.choice(choices) for key, choices in arrival.utm.items()}
        if arrival.click_id:
            params[arrival.click_id] = _click_id(rng, arrival.click_id)
        page = self.site + rng.choice(arrival.pages)
        landing = f"{page}?{urlencode(params)}" if params else page
        referrer = rng.choice(arrival.referrers) if arrival.referrers else None
        touch: dict[str, Any] = {
            **params,
            "landing_page": landing,
            "referrer": referrer,
            "at": iso_time(at),
            "at_datetime": at,
            "direct": arrival.name == "direct",
        }
        return touch

    def views(self, visitor: str, touch: dict[str, Any]) -> Iterator[View]:
        at = touch["at_datetime"]
        url, referrer = touch["landing_page"], touch["referrer"]
        for _ in range(1 + self.rng.randrange(5)):
            yield View(
                PageView(
                    visitor,
                    private_params_removed(url, self.keep) or url,
                    private_params_removed(referrer, self.keep),
                    at,
                )
            )
            # utm.js sends no referrer for a click within the site.
            at += timedelta(seconds=self.rng.uniform(10, 240))
            url, referrer = self.site + self.rng.choice(SITE_PAGES), None

    def post(
        self,
        index: int,
        number: int,
        values: dict[str, str],
        history: list[dict[str, Any]],
        visitor: str | None,
        hosted: bool,
        at: datetime,
    ) -> Post:
        fields = dict(values)
        for spec in self.form.custom_fields:
            name = str(spec["name"])
            fields[name] = self.rng.choice(MESSAGES) if number or name == "message" else "Yes"
        if number:
            fields.setdefault("message", self.rng.choice(MESSAGES))
        fields["ls_submission_id"] = f"gen-{self.token}-{index:x}-{number}"
        if hosted:
            # No script on the page: the hosted form carries its link's UTM values.
            touch = history[-1]
            for key, value in touch.items():
                if key.startswith("utm_") or key in ("gclid", "fbclid", "li_fat_id", "msclkid"):
                    fields[key] = value
            fields["ls_landing_page"] = touch["landing_page"]
            return Post(fields, at, touches_from_fields(fields, at, self.keep))
        if visitor is not None:
            fields["ls_visitor_id"] = visitor
        # utm.js: the first touch, the latest non-direct one, and the history, oldest first.
        campaign = [t for t in history if not t["direct"]]
        latest = campaign[-1] if campaign else None
        first = self.parsed(history[0])
        conversion = self.parsed(latest) if latest is not None else None
        if first is conversion:
            # Two hidden fields are two touches to the endpoint, and two rows.
            first = copy.copy(first)
        touches = Touches(first, conversion, None, tuple(self.parsed(t) for t in history))
        return Post(fields, at, touches, (history[0], latest, history))

    def parsed(self, touch: dict[str, Any]) -> Touch:
        """The touch as the endpoint reads it from utm.js's field (once per touch)."""
        if "parsed" not in touch:
            raw = touch_from_dict(_touch_value(touch), touch["at_datetime"])
            touch["parsed"] = without_private_params(raw, self.keep)
        return touch["parsed"]


def _touch_value(touch: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in touch.items() if k not in _NOT_SENT and v}


_NOT_SENT = ("at_datetime", "direct", "parsed")


def _touch_json(touch: dict[str, Any]) -> str:
    return json.dumps(_touch_value(touch))


def _slug(text: str) -> str:
    return "".join(c for c in text.lower() if c.isascii() and c.isalnum()) or "x"


def _company_name(number: int) -> str:
    """A distinct name for every number: "Fjord Retail AS", ..., "Fjord Retail 2 ApS"."""
    words, kinds, suffixes = COMPANY_WORDS, COMPANY_KINDS, COMPANY_SUFFIXES
    name = f"{words[number % len(words)]} {kinds[number // len(words) % len(kinds)]}"
    rest = number // (len(words) * len(kinds))
    if rest >= len(suffixes):
        name += f" {rest // len(suffixes) + 1}"
    return f"{name} {suffixes[rest % len(suffixes)]}".strip()


def _click_id(rng: random.Random, name: str) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
    prefix = {"gclid": "Cj0KCQ", "fbclid": "IwAR", "msclkid": ""}.get(name, "")
    return prefix + "".join(rng.choice(alphabet) for _ in range(24))
