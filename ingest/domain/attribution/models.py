"""The attribution models (SPEC "Attribution models"), which conversions offer which, and
the exact split of one conversion's credit.

A position model gives each anchor position (F, C, D, W, L) a share and the middle touches
(every touch that holds none of the model's anchors) one share to divide equally. Shares of
anchors on the same touch add up. An anchor the journey lacks (C outside the lookback window,
no touch before the deal's creation) gives nothing, as middle touches give nothing when there
are none; the shares that are left are rescaled to 100%. Linear is the model whose every touch
is a middle one. Shares are ``Fraction``s, exact.

Time decay weighs a touch ``2 ** (-age / 7 days)``, its age counted from the conversion. The
weights are irrational, so they are floats; each float is an exact binary fraction, and from
there on the arithmetic is exact (``Fraction``), so the shares still sum to exactly 1.

Credits are kept as integer parts of ``UNIT`` (10**9 a conversion) and revenue as integer
cents, both by the largest-remainder method: each touch gets the floor of its exact quota,
and the parts still missing go one each to the largest remainders, ties to the older touch.
So a conversion's parts sum to exactly ``UNIT`` and its cents to exactly the deal's amount.
"""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

from ingest.domain.attribution.journey import Moment, Positions, moment

UNIT = 10**9
HALF_LIFE_MS = 7 * 24 * 60 * 60 * 1000
_MS = timedelta(milliseconds=1)

MODELS = (
    "first_touch",
    "last_touch",
    "linear",
    "u_shaped",
    "w_shaped",
    "full_path",
    "time_decay",
    "j_shaped",
    "inverse_j",
)
CONVERSIONS = ("contact_create", "deal_create", "revenue")
_OFFERED = {
    "contact_create": tuple(m for m in MODELS if m not in ("w_shaped", "full_path")),
    "deal_create": tuple(m for m in MODELS if m != "full_path"),
    "revenue": MODELS,
}

# Each position model's anchor shares and the middle touches' share, in percent.
_SPLITS: dict[str, tuple[dict[str, Fraction], Fraction]] = {
    name: ({k: Fraction(v) for k, v in anchors.items()}, Fraction(middle))
    for name, (anchors, middle) in {
        "first_touch": ({"F": 100}, 0),
        "last_touch": ({"L": 100}, 0),
        "linear": ({}, 100),
        "u_shaped": ({"F": 40, "C": 40}, 20),
        "w_shaped": ({"F": 30, "C": 30, "D": 30}, 10),
        "full_path": ({"F": "22.5", "C": "22.5", "D": "22.5", "W": "22.5"}, 10),
        "j_shaped": ({"F": 20, "L": 60}, 20),
        "inverse_j": ({"F": 60, "L": 20}, 20),
    }.items()
}


class NotOffered(ValueError):
    """A conversion, model or combination of them that is not offered; the API's 400."""

    def __init__(self, message: str, offered: tuple[str, ...]) -> None:
        super().__init__(f"{message}; offered: {', '.join(offered)}")
        self.offered = offered


def offered(conversion: str) -> tuple[str, ...]:
    """The models offered for a conversion, in ``MODELS`` order."""
    if conversion not in _OFFERED:
        raise NotOffered(f"unknown conversion {conversion!r}", CONVERSIONS)
    return _OFFERED[conversion]


def check(conversion: str, model: str) -> None:
    """Refuse a conversion, a model or a combination that is not offered."""
    models = offered(conversion)
    if model not in MODELS:
        raise NotOffered(f"unknown model {model!r}", models)
    if model not in models:
        raise NotOffered(f"the {model} model is not offered for {conversion}", models)


def needs(model: str) -> frozenset[str]:
    """The anchor positions the model gives a share."""
    return frozenset(_SPLITS[model][0]) if model in _SPLITS else frozenset()


def shares(
    model: str, at: list[str], where: Positions, converted_at: Moment | None = None
) -> list[Fraction]:
    """Each journey touch's exact share of one conversion (they sum to 1); ``at`` the
    touches' times, oldest first; ``converted_at`` for time decay."""
    if model == "time_decay":
        if converted_at is None:
            raise ValueError("time decay needs the conversion's time")
        return _time_decay(at, converted_at)
    if model not in _SPLITS:
        raise NotOffered(f"unknown model {model!r}", MODELS)
    anchor_shares, middle_share = _SPLITS[model]
    anchors = where.anchors()
    got = [Fraction(0)] * len(at)
    for position, share in anchor_shares.items():
        index = anchors[position]
        if index is not None:
            got[index] += share
    held = {anchors[p] for p in anchor_shares if anchors[p] is not None}
    middles = [i for i in range(len(at)) if i not in held]
    for i in middles:
        got[i] += middle_share / len(middles)
    total = sum(got, Fraction(0))
    return [share / total for share in got]


def _time_decay(at: list[str], converted_at: Moment) -> list[Fraction]:
    end = moment(converted_at)
    ages = [(end - moment(t)) // _MS for t in at]
    youngest = min(ages)
    # Relative to the youngest touch, so the largest weight is 1 and nothing underflows
    # but what is negligible anyway (a thousand half-lives older).
    weights = [Fraction(2.0 ** (-(age - youngest) / HALF_LIFE_MS)) for age in ages]
    total = sum(weights, Fraction(0))
    return [w / total for w in weights]


def largest_remainder(fractions: list[Fraction], total: int) -> list[int]:
    """``total`` split into integers by the exact ``fractions`` (summing to 1): the floor of
    each quota, then one more to the largest remainders, ties to the earlier entry."""
    quotas = [f * total for f in fractions]
    got = [q.numerator // q.denominator for q in quotas]
    missing = total - sum(got)
    by_remainder = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - got[i]), i))
    for i in by_remainder[:missing]:
        got[i] += 1
    return got
