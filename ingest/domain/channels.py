"""Channels: GA4's default channel group, computed from a touch as stored (SPEC "Channels").

The rules are tried in order and the first that matches wins; every comparison ignores case.
A Google click id (gclid, gbraid, wbraid) makes the visit a Google ad click and an msclkid a
Microsoft (Bing) one, as auto-tagging does in GA4: the rules then see ``google / cpc`` or
``bing / cpc`` (so a Google click is Paid Search, or Paid Shopping / Cross-network when its
campaign says so). A touch without a source (a raw arrival) takes one from its click ids and
referrer by the rules of every touch (``touch.build_touch``).

The site lists (search engines, social networks, video and shopping sites) are ours, written
from public knowledge of the big sites and their short-link and mobile hosts. A source
matches a list by name (``facebook``), or as a host name whose name before the public suffix
is a listed name (``m.facebook.com``, ``google.co.uk``), or as a listed host or one of its
subdomains (``t.co``, ``lnkd.in``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from ingest.domain.touch import CLICK_IDS, DIRECT, clean_url, referrer_source

DIRECT_CHANNEL = "Direct"
UNASSIGNED = "Unassigned"
# Every channel, in the order the rules try them (Unassigned last: nothing matched).
CHANNELS = (
    "Direct",
    "Cross-network",
    "Paid Shopping",
    "Paid Search",
    "Paid Social",
    "Paid Video",
    "Display",
    "Paid Other",
    "Organic Shopping",
    "Organic Social",
    "Organic Video",
    "Organic Search",
    "Referral",
    "Email",
    "Affiliates",
    "Audio",
    "SMS",
    "Mobile Push Notifications",
    "Unassigned",
)

PAID_MEDIUM = re.compile(r"^(.*cp.*|ppc|retargeting|paid.*)$")
SHOPPING_CAMPAIGN = re.compile(r"^(.*(([^a-df-z]|^)shop|shopping).*)$")
DISPLAY_MEDIUMS = frozenset({"display", "banner", "expandable", "interstitial", "cpm"})
SOCIAL_MEDIUMS = frozenset(
    {"social", "social-network", "social-media", "sm", "social network", "social media"}
)
EMAIL_NAMES = frozenset({"email", "e-mail", "e_mail", "e mail"})
REFERRAL_MEDIUMS = frozenset({"referral", "app", "link"})
# Ad click ids that stand for the network's own paid search click.
PAID_SEARCH_CLICKS = {"gclid": "google", "gbraid": "google", "wbraid": "google", "msclkid": "bing"}


class Sites:
    """A list of sites: names (matched alone or as a host's name before its suffix) and hosts
    (matched with their subdomains)."""

    def __init__(self, names: str, hosts: str = "") -> None:
        self.names = frozenset(names.split())
        self.hosts = frozenset(hosts.split())

    def __contains__(self, source: str) -> bool:
        if source in self.names or source in self.hosts:
            return True
        host = _host(source)
        if host is None:
            return False
        if any(host == h or host.endswith("." + h) for h in self.hosts):
            return True
        labels = host.split(".")
        return any(
            label in self.names and _looks_like_suffix(labels[i + 1 :])
            for i, label in enumerate(labels)
        )


SEARCH_SITES = Sites(
    "google bing yahoo duckduckgo baidu yandex ecosia startpage qwant naver seznam brave kagi"
    " ask aol msn sogou daum dogpile mojeek yep swisscows metager lycos webcrawler excite"
    " 360 onet wp rambler coccoc",
    "search.brave.com so.com sm.cn search.yahoo.com search.aol.com news.google.com"
    " go.mail.ru search.naver.com",
)
SOCIAL_SITES = Sites(
    "facebook fb instagram ig linkedin twitter x threads reddit pinterest tiktok snapchat"
    " tumblr mastodon bluesky bsky discord telegram whatsapp quora vk weibo xing meetup"
    " nextdoor line kakaotalk wechat qzone douban ok myspace flickr goodreads slack"
    " stackoverflow stackexchange producthunt glassdoor tripadvisor yelp",
    "t.co lnkd.in fb.me m.me t.me wa.me l.facebook.com lm.facebook.com l.instagram.com"
    " pin.it redd.it bsky.app mastodon.social news.ycombinator.com medium.com substack.com"
    " linktr.ee",
)
VIDEO_SITES = Sites(
    "youtube vimeo twitch dailymotion wistia vidyard loom rumble bilibili youku iqiyi"
    " ted brightcove jwplayer",
    "youtu.be m.youtube.com player.vimeo.com",
)
SHOPPING_SITES = Sites(
    "amazon ebay etsy walmart target alibaba aliexpress temu shein rakuten zalando idealo"
    " pricerunner kelkoo pricespy prisjakt shopify bestbuy wayfair mercadolibre allegro"
    " flipkart otto bol shopping igshopping",
    "shopping.google.com shop.app shopping.yahoo.com",
)


def channel(
    source: str | None,
    medium: str | None,
    campaign: str | None = None,
    click_ids: Mapping[str, str] | None = None,
    referrer: str | None = None,
) -> str:
    """The default channel group of one touch (one of ``CHANNELS``)."""
    clicks = click_ids or {}
    network = next((n for key, n in PAID_SEARCH_CLICKS.items() if clicks.get(key)), None)
    if network is not None:
        source, medium = network, "cpc"
    elif not source:
        source, medium = _derived(clicks, referrer)
    src = source.strip().lower()
    med = (medium or "(not set)").strip().lower()
    cmp = (campaign or "").strip().lower()
    paid = bool(PAID_MEDIUM.match(med))

    if src == "(direct)" and med in ("(none)", "(not set)"):
        return "Direct"
    if "cross-network" in cmp:
        return "Cross-network"
    shopping = src in SHOPPING_SITES or bool(SHOPPING_CAMPAIGN.match(cmp))
    if paid:
        if shopping:
            return "Paid Shopping"
        if src in SEARCH_SITES:
            return "Paid Search"
        if src in SOCIAL_SITES:
            return "Paid Social"
        if src in VIDEO_SITES:
            return "Paid Video"
    if med in DISPLAY_MEDIUMS:
        return "Display"
    if paid:
        return "Paid Other"
    if shopping:
        return "Organic Shopping"
    if src in SOCIAL_SITES or med in SOCIAL_MEDIUMS:
        return "Organic Social"
    if src in VIDEO_SITES or "video" in med:
        return "Organic Video"
    if src in SEARCH_SITES or med == "organic":
        return "Organic Search"
    if med in REFERRAL_MEDIUMS:
        return "Referral"
    if src in EMAIL_NAMES or med in EMAIL_NAMES:
        return "Email"
    if med == "affiliate":
        return "Affiliates"
    if med == "audio":
        return "Audio"
    if src == "sms" or med == "sms":
        return "SMS"
    if med.endswith("push") or "mobile" in med or "notification" in med or src == "firebase":
        return "Mobile Push Notifications"
    return UNASSIGNED


def touch_channel(touch: Mapping[str, object]) -> str:
    """The channel of a touch as the read model shows it (a dict of its columns)."""
    click_ids = touch.get("click_ids")
    return channel(
        _text(touch.get("source")),
        _text(touch.get("medium")),
        _text(touch.get("campaign")),
        click_ids if isinstance(click_ids, Mapping) else None,
        _text(touch.get("referrer")),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _derived(clicks: Mapping[str, str], referrer: str | None) -> tuple[str, str]:
    for key, implied in CLICK_IDS.items():
        if clicks.get(key):
            return implied
    return referrer_source(clean_url(referrer)) or DIRECT


def _host(source: str) -> str | None:
    """The host name in a source that is one (``m.facebook.com``, or a whole address)."""
    if "://" in source:
        try:
            source = urlsplit(source).hostname or ""
        except ValueError:
            return None
    source = source.rstrip(".")
    if "." not in source or any(c in source for c in " /?#@:"):
        return None
    return source


def _looks_like_suffix(rest: list[str]) -> bool:
    # com, de, co.uk, com.au: one or two short labels.
    return 1 <= len(rest) <= 2 and all(0 < len(label) <= 3 for label in rest)
