"""What the security suites share: the payloads, the detector that names the payload and
field of anything that ran, and a visitor's hostile browser profile.

Each payload carries an id, ``<variant>:<field>``, and calls ``__xss(id)`` (a binding exposed
to every frame) or ``alert(id)`` (a dialog) when it runs. The browser ignores our
Content-Security-Policy (``bypass_csp``), so what is proven is the escaping itself; the CSP
is a second wall, not the one under test.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from ingest.domain.touch import SCRIPT_SLOTS

# Every context a value can land in: element content, a quoted or unquoted attribute, inline
# script, a URL. Each is 60 characters or fewer plus twice its id, so with an id of 20 it
# stays under the smallest bound (100 characters).
VARIANTS = {
    "markup": "\"'><img src=x onerror=__xss('{id}')><script>__xss('{id}')</script>",
    "attribute": "x\" autofocus onfocus=\"__xss('{id}')\" y=' onmouseover=alert('{id}') '",
    "script": "</script><script>__xss('{id}')</script><!--';__xss('{id}');\u2028//",
    "url": "javascript:__xss('{id}')//<svg onload=alert('{id}')>",
}
# For fields of at most 60 characters (a pipeline stage's name): both quotes, a tag and a
# script string in one, 37 characters plus twice its id.
SHORT = "\"'><svg onload=__xss('{id}')>';__xss('{id}')//"
# Addresses for link-ish fields: each runs when followed, and logs the console marker (made
# by running code: the text of the payload itself does not contain it).
MARKER = "LS-XSS"
LINKISH = (
    "javascript:console.log('LS'+'-XSS {id}');__xss('{id}')//",
    "JaVaScRiPt:__xss('{id}')",
    " javascript:__xss('{id}')",
    "java\tscript:__xss('{id}')",
    "data:text/html,<script>__xss('{id}')</script>",
)
CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36"
)

# Elements and attributes none of our pages has: one of them in the DOM is an injection,
# whether or not it managed to run. ``strict`` (the marketer's app, whose every element and
# attribute is ours) also refuses styles, foreign links and refreshes, and any attribute
# our templates do not write: an attribute a payload broke out into (``y=``) shows there.
INJECTED = """({ours, strict}) => {
  const found = [];
  const origin = location.origin;
  const tags = 'script, img, svg, math, iframe, frame, frameset, object, embed, base'
    + (strict ? ', style, link, meta[http-equiv], template' : '');
  const ok = ['class', 'id', 'type', 'name', 'value', 'href', 'for', 'role', 'method',
    'action', 'scope', 'rel', 'readonly', 'hidden', 'rows', 'placeholder', 'required', 'src',
    'defer', 'autocomplete', 'content', 'open', 'target', 'download', 'step', 'novalidate',
    'lang', 'http-equiv', 'charset', 'disabled', 'selected', 'checked', 'datetime',
    'maxlength', 'data-label', 'data-copy', 'data-count', 'data-code', 'data-live', 'data-id',
    'enctype', 'accept', 'label', 'min', 'max', 'minlength', 'inputmode', 'pattern',
    'data-total', 'data-stage', 'data-deal', 'data-status', 'draggable', 'colspan',
    'data-measure', 'data-touch', 'data-model', 'data-conversion', 'data-tile'];
  // The app's charts (ingest/webapp/charts.py): an svg of class "chart" with SVG's own
  // presentation attributes; its event handlers and addresses are checked like any other.
  const chart = (el) => strict && el.closest('svg.chart[role="img"]') !== null;
  const drawn = ['viewBox', 'width', 'height', 'preserveAspectRatio', 'font-family',
    'font-size', 'x', 'y', 'x1', 'y1', 'x2', 'y2', 'cx', 'cy', 'r', 'rx', 'points', 'fill',
    'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-dashoffset', 'text-anchor',
    'transform', 'xmlns'];
  for (const el of document.querySelectorAll(tags)) {
    if (el.tagName.toLowerCase() === 'svg' && chart(el)) continue;
    if (ours && el.tagName === 'SCRIPT' && el.src.startsWith(ours + '/')) continue;
    if (strict && ['LINK', 'SCRIPT'].includes(el.tagName)
        && (el.href || el.src).startsWith(origin + '/app/-/static/')) continue;
    if (el.tagName === 'META' && /^\\s*\\d+\\s*$/.test(el.content)) continue;  // a refresh
    found.push(el.outerHTML.slice(0, 120));
  }
  // The sign-in form's own autofocus.
  const login = 'form[action="/app/login"] input';
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (strict && attr.name === 'autofocus' && el.matches(login)) continue;
      const url = ['href', 'src', 'action', 'formaction', 'content'].includes(attr.name);
      if (attr.name.startsWith('on') || attr.name === 'autofocus'
          || (url && /^\\s*(javascript|data|vbscript):|url=/i.test(attr.value))) {
        found.push(el.tagName + ' ' + attr.name + '=' + attr.value.slice(0, 80));
      } else if (strict && !ok.includes(attr.name) && !attr.name.startsWith('aria-')
          && !(chart(el) && drawn.includes(attr.name))) {
        found.push(el.tagName + ' has attribute ' + attr.name);
      }
    }
  }
  return found;
}"""

# The texts of ``values`` not shown on the page: in its visible text or the value of a form
# control, white space compared as one space (a label's runs of white space are one).
MISSING = """(values) => {
  const norm = (s) => s.replace(/\\s+/g, ' ').trim();
  const seen = [document.body.innerText];
  for (const el of document.querySelectorAll('input, textarea')) seen.push(el.value);
  for (const el of document.querySelectorAll('option')) seen.push(el.text);
  const all = norm(seen.join('\\n'));
  return values.filter((value) => !all.includes(norm(value)));
}"""


def payload(variant: str, name: str) -> str:
    return VARIANTS[variant].replace("{id}", f"{variant}:{name}")


def short(name: str) -> str:
    """``SHORT`` with the id ``short:<name>``."""
    return SHORT.replace("{id}", f"short:{name}")


def linkish(name: str) -> list[str]:
    """The address payloads, each with its own id ``linkish<n>:<name>``."""
    return [address.replace("{id}", f"linkish{n}:{name}") for n, address in enumerate(LINKISH)]


def script_touch(variant: str, prefix: str, *, at: int = 1_760_000_000_000) -> list[Any]:
    """A touch in utm.js's array form with a payload in every text slot; the addresses carry
    theirs in the query."""
    slots: list[Any] = []
    for name in SCRIPT_SLOTS:
        if name == "at":
            slots.append(at)
        elif name in ("landing_page", "referrer"):
            value = urllib.parse.quote(payload(variant, f"{prefix}.{name}"), safe="")
            slots.append(f"https://site.example/?utm_content={value}")
        else:
            slots.append(payload(variant, f"{prefix}.{name}"))
    return slots


@dataclass
class Detector:
    """What ran: ``__xss`` calls, dialogs, the console marker, errors of a payload that ran
    where ``__xss`` is not defined, and navigations to anything but a web page, each with
    the id the payload carried."""

    ran: list[str] = field(default_factory=list)

    def watch(self, context: BrowserContext) -> None:
        context.expose_binding("__xss", lambda source, id_: self.ran.append(str(id_)))
        context.on("page", self._watch_page)

    def _watch_page(self, page: Page) -> None:
        def on_dialog(dialog: Any) -> None:
            self.ran.append(f"dialog {dialog.message}")
            dialog.dismiss()

        def on_console(message: Any) -> None:
            if MARKER in message.text:
                self.ran.append(f"console {message.text}")

        def on_error(error: Any) -> None:
            if "__xss" in str(error) or MARKER in str(error):
                self.ran.append(f"error {error}")

        def on_navigated(frame: Any) -> None:
            if not frame.url.startswith(("http://", "https://", "about:blank")):
                self.ran.append(f"navigated to {frame.url[:120]}")

        page.on("dialog", on_dialog)
        page.on("console", on_console)
        page.on("pageerror", on_error)
        page.on("framenavigated", on_navigated)

    def check(self, page: Page, view: str, *, scripts_from: str = "", strict: bool = False) -> None:
        """``scripts_from``: the service whose scripts a customer's page loads; ``strict``:
        a page of ours through and through (the marketer's app)."""
        injected = page.evaluate(INJECTED, {"ours": scripts_from, "strict": strict})
        assert not self.ran, f"{view}: script ran for {self.ran}"
        assert not injected, f"{view}: elements or attributes injected: {injected}"


def missing(page: Page, values: list[str]) -> list[str]:
    """The values not shown literally on the page (see ``MISSING``)."""
    return page.evaluate(MISSING, values)


@pytest.fixture
def hostile(browser: Browser) -> Iterator[tuple[BrowserContext, Detector]]:
    detector = Detector()
    # The User-Agent is hostile too (shaped like a browser, so page views are not dropped).
    agent = f"{CHROME} {payload('markup', 'user_agent')}"
    context = browser.new_context(bypass_csp=True, user_agent=agent, accept_downloads=True)
    detector.watch(context)
    context.set_default_timeout(10_000)
    yield context, detector
    context.close()
    assert not detector.ran, f"script ran for {detector.ran}"


# A page of the visitor's browser that posts a native form to the service, as a customer's
# site (with utm.js's hidden fields) or an attacker's would: what comes back is shown.
POSTING_PAGE = """<!doctype html><meta charset="utf-8"><form method="post" action="{action}">
{inputs}<button id="send">Send</button></form>"""


def post_natively(page: Page, action: str, values: dict[str, str]) -> None:
    inputs = "".join(
        f'<input type="hidden" name="{attr(name)}" value="{attr(value)}">'
        for name, value in values.items()
    )
    page.set_content(POSTING_PAGE.format(action=attr(action), inputs=inputs))
    with page.expect_navigation():
        page.click("#send")


def attr(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )
