"""Charts as server-rendered SVG: bars, a donut, a funnel and lines over time.

No JavaScript and no CDN: a chart is an inline ``<svg role="img">`` whose text (labels,
values, shares) is escaped like everything else a page shows, since labels are visitors'
campaign names and sources. Nothing depends on colour alone: every bar and step carries its
label and value as text, a donut's slices are numbered to match its legend, and each series
of a line chart has its own marker shape and dash pattern, named in the legend. Colours and
lines are presentation attributes, not ``style``: the app's CSP allows no inline styles.
Pages show the numbers as a table beside each chart too.

An item with ``href`` is a link (the list behind the number); links are same-site paths the
page builds, never a visitor's text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

Number = int | float | Decimal

# Eight colours told apart by most colour-blind readers (Okabe and Ito's palette), then again.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
INK = "#1f2933"
MUTED = "#6b7280"
GRID = "#d8dee4"
WIDTH = 640
LABEL_CHARS = 26  # a longer label is cut with an ellipsis; the whole one is the tooltip


@dataclass(frozen=True)
class Item:
    label: str
    value: Number
    text: str | None = None  # the value as shown; default: the number, grouped by thousands
    href: str | None = None  # the list behind the number: label and value become a link

    @property
    def shown(self) -> str:
        return self.text if self.text is not None else number(self.value)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Number]


def number(value: Number) -> str:
    """``1,234`` for whole numbers, else at most two decimals: ``12.5``, ``0.33``."""
    if isinstance(value, int) or (isinstance(value, float | Decimal) and value == int(value)):
        return f"{int(value):,}"
    return f"{float(value):,.2f}".rstrip("0").rstrip(".")


def percent(part: Number, whole: Number) -> str:
    if not whole:
        return "0%"
    share = 100 * float(part) / float(whole)
    return f"{share:.0f}%" if share >= 10 or share == 0 else f"{share:.1f}%"


def bars(items: Sequence[Item], *, title: str) -> Markup:
    """Horizontal bars, longest scale first as given: each row its label, its bar and its
    value as text."""
    if not items:
        return _empty(title)
    row, label_width, value_width = 28, 220, 90
    top = max((float(item.value) for item in items), default=0.0) or 1.0
    room = WIDTH - label_width - value_width
    height = row * len(items) + 8
    parts = []
    for i, item in enumerate(items):
        y = 4 + i * row
        length = max(0.0, float(item.value)) / top * room
        colour = PALETTE[0]
        body = (
            f'<text x="{label_width - 8}" y="{y + 18}" text-anchor="end" fill="{INK}">'
            f"{_label(item.label)}</text>"
            f'<rect x="{label_width}" y="{y + 5}" width="{length:.1f}" height="{row - 10}"'
            f' fill="{colour}" rx="2"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + 18}" fill="{INK}">'
            f"{escape(item.shown)}</text>"
        )
        parts.append(_linked(item, body))
    return _svg(title, height, "".join(parts))


def donut(items: Sequence[Item], *, title: str) -> Markup:
    """Shares of a whole: slices clockwise from twelve o'clock, each numbered; the legend gives
    each number's label, value and share."""
    total = sum(max(0.0, float(item.value)) for item in items)
    if not items or total <= 0:
        return _empty(title)
    cx, cy, radius, thickness = 110, 110, 80, 36
    circumference = 2 * math.pi * radius
    parts = [
        f'<circle cx="{cx}" cy="{cy}" r="{radius}" fill="none" stroke="{GRID}"'
        f' stroke-width="{thickness}"/>'
    ]
    start = 0.0
    for i, item in enumerate(items):
        share = max(0.0, float(item.value)) / total
        if share <= 0:
            continue
        length = share * circumference
        parts.append(
            f'<circle cx="{cx}" cy="{cy}" r="{radius}" fill="none"'
            f' stroke="{PALETTE[i % len(PALETTE)]}" stroke-width="{thickness}"'
            f' stroke-dasharray="{length:.2f} {circumference - length:.2f}"'
            f' stroke-dashoffset="{-start:.2f}" transform="rotate(-90 {cx} {cy})"/>'
        )
        if share >= 0.04:  # a number fits on the slice
            middle = 2 * math.pi * (start / circumference + share / 2) - math.pi / 2
            x, y = cx + radius * math.cos(middle), cy + radius * math.sin(middle)
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="10" fill="#ffffff"/>'
                f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" fill="{INK}"'
                f' font-size="11">{i + 1}</text>'
            )
        start += length
    parts.append(
        f'<text x="{cx}" y="{cy + 5}" text-anchor="middle" fill="{INK}" font-size="16">'
        f"{escape(number(total))}</text>"
    )
    for i, item in enumerate(items):
        y = 24 + i * 22
        body = (
            f'<rect x="240" y="{y - 11}" width="12" height="12"'
            f' fill="{PALETTE[i % len(PALETTE)]}"/>'
            f'<text x="258" y="{y}" fill="{INK}">{i + 1}. {_label(item.label)}'
            f" {escape(item.shown)} ({percent(max(0.0, float(item.value)), total)})</text>"
        )
        parts.append(_linked(item, body))
    height = max(220, 24 + len(items) * 22)
    return _svg(title, height, "".join(parts))


def funnel(items: Sequence[Item], *, title: str) -> Markup:
    """Steps, widest first: each with its value, its share of the first step and of the one
    before (where leads stall shows as a small share of the previous step)."""
    if not items:
        return _empty(title)
    row, label_width = 34, 170
    first = float(items[0].value)
    top = max(float(item.value) for item in items) or 1.0
    room = WIDTH - label_width - 290
    parts = []
    for i, item in enumerate(items):
        y = 4 + i * row
        length = max(2.0, max(0.0, float(item.value)) / top * room)
        x = label_width + (room - length) / 2
        shares = percent(item.value, first) + " of first"
        if i:
            shares += ", " + percent(item.value, items[i - 1].value) + " of previous"
        body = (
            f'<text x="{label_width - 8}" y="{y + 21}" text-anchor="end" fill="{INK}">'
            f"{_label(item.label)}</text>"
            f'<rect x="{x:.1f}" y="{y + 4}" width="{length:.1f}" height="{row - 8}"'
            f' fill="{PALETTE[2]}" rx="2"/>'
            f'<text x="{label_width + room + 8}" y="{y + 21}" fill="{INK}">'
            f"{escape(item.shown)}"
            f' <tspan fill="{MUTED}">{escape(shares)}</tspan></text>'
        )
        parts.append(_linked(item, body))
    return _svg(title, row * len(items) + 8, "".join(parts))


# Markers and dash patterns per series, so series are told apart without colour.
_DASHES = ("", "6 4", "2 3", "10 3 2 3")


def lines(x_labels: Sequence[str], series: Sequence[Series], *, title: str) -> Markup:
    """Values over time: one line per series with its own marker and dashes, the y axis
    with three ticks, at most about ten x labels, the legend above."""
    if not x_labels or not series:
        return _empty(title)
    for one in series:
        if len(one.values) != len(x_labels):
            raise ValueError(
                f"series {one.name!r} has {len(one.values)} values, not {len(x_labels)}"
            )
    left, right, top_margin, plot_height = 56, 32, 30 + 18 * ((len(series) - 1) // 3), 170
    plot_width = WIDTH - left - right
    top = max((float(v) for one in series for v in one.values), default=0.0) or 1.0
    step = plot_width / max(1, len(x_labels) - 1)

    def at(i: int, value: Number) -> tuple[float, float]:
        y = top_margin + plot_height - max(0.0, float(value)) / top * plot_height
        return left + (i * step if len(x_labels) > 1 else plot_width / 2), y

    parts = []
    for tick in (0.0, top / 2, top):
        y = top_margin + plot_height - tick / top * plot_height
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}"'
            f' font-size="11">{escape(number(round(tick, 2)))}</text>'
        )
    every = max(1, math.ceil(len(x_labels) / 10))
    for i, label in enumerate(x_labels):
        if i % every == 0 or i == len(x_labels) - 1:
            x, _ = at(i, 0)
            parts.append(
                f'<text x="{x:.1f}" y="{top_margin + plot_height + 16}" text-anchor="middle"'
                f' fill="{MUTED}" font-size="11">{_label(label, 12)}</text>'
            )
    for n, one in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        points = [at(i, value) for i, value in enumerate(one.values)]
        dash = _DASHES[n % len(_DASHES)]
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2"'
            + (f' stroke-dasharray="{dash}"' if dash else "")
            + ' points="'
            + " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            + '"/>'
        )
        if len(points) <= 60:
            parts.extend(_marker(n, x, y, colour) for x, y in points)
        lx, ly = left + (n % 3) * 190, 14 + 18 * (n // 3)
        parts.append(
            f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 24}" y2="{ly - 4}" stroke="{colour}"'
            f' stroke-width="2"' + (f' stroke-dasharray="{dash}"' if dash else "") + "/>"
            f"{_marker(n, lx + 12, ly - 4, colour)}"
            f'<text x="{lx + 30}" y="{ly}" fill="{INK}">{_label(one.name, 22)}</text>'
        )
    return _svg(title, top_margin + plot_height + 26, "".join(parts))


def _marker(n: int, x: float, y: float, colour: str) -> str:
    shape = n % 4
    if shape == 0:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'
    if shape == 1:
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}"/>'
    if shape == 2:
        return (
            f'<polygon points="{x:.1f},{y - 4.5:.1f} {x + 4.5:.1f},{y + 3.5:.1f}'
            f' {x - 4.5:.1f},{y + 3.5:.1f}" fill="{colour}"/>'
        )
    return (
        f'<polygon points="{x:.1f},{y - 4.5:.1f} {x + 4.5:.1f},{y:.1f} {x:.1f},{y + 4.5:.1f}'
        f' {x - 4.5:.1f},{y:.1f}" fill="#ffffff" stroke="{colour}" stroke-width="2"/>'
    )


def _label(text: str, limit: int = LABEL_CHARS) -> Markup:
    """The label escaped, cut to ``limit`` characters with the whole text as its tooltip."""
    text = str(text)
    if len(text) <= limit:
        return escape(text)
    return Markup("<tspan><title>{}</title>{}</tspan>").format(text, text[: limit - 1] + "\u2026")


def _linked(item: Item, body: str) -> str:
    if item.href is None:
        return f"<g>{body}</g>"
    return f'<a href="{escape(item.href)}">{body}</a>'


def _svg(title: str, height: int, body: str) -> Markup:
    return Markup(
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="100%"'
        f' preserveAspectRatio="xMinYMin meet" font-family="system-ui, sans-serif"'
        f' font-size="13" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f"{body}</svg>"
    )


def _empty(title: str) -> Markup:
    return _svg(
        title,
        40,
        f'<text x="8" y="24" fill="{MUTED}">No data for this period.</text>',
    )
