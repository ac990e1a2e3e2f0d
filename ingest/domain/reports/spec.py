"""What a report is: a measure, a grouping, a period and filters, read from an address's
parameters (the API's ``/api/v1/reports/<measure>?by=...``) or a tile's settings, each
checked with a clear message.

A report never counts on its own terms: a measure over persons counts the persons list's
selection (``/app/{t}/persons`` with the same parameters, ``api/queries.py``), a measure
over deals the deals list's (``api/deals.deal_query``), so each number links to the list
that has exactly its rows (``ingest/domain/reports/run.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from ingest.domain import periods
from ingest.domain.channels import CHANNELS
from ingest.domain.submissions import LEAD_VIA
from ingest.domain.validation import EMAIL_MAX
from ingest.errors import BadRequest

# The default lead statuses that branch off the way from Open to Qualified (seed 002:
# "Disqualified and Recontact branches"), by id, so a rename keeps them so: the funnel's
# chart draws the way without them (its table and the API list every status).
FUNNEL_BRANCHES = frozenset({"sts_disqualified", "sts_recontact"})
PERSONS = "persons"
DEALS = "deals"
FUNNEL = "funnel"
VIAS = ("form", *LEAD_VIA)


@dataclass(frozen=True)
class Measure:
    name: str
    label: str
    of: str  # PERSONS, DEALS or FUNNEL: which list its numbers link to
    money: bool = False  # sums of amounts per currency rather than counts
    two_columns: bool = False  # leads and deals side by side (the partner table)


MEASURES: dict[str, Measure] = {
    m.name: m
    for m in (
        Measure("new_leads", "New leads", PERSONS),
        Measure("leads_and_deals", "New leads and their deals", PERSONS, two_columns=True),
        Measure("qualification", "Qualification funnel", FUNNEL),
        Measure("new_deals", "New deals", DEALS),
        Measure("sales", "Sales (deals won)", DEALS),
        Measure("pipeline", "Pipeline value (open deals)", DEALS, money=True),
        Measure("won_revenue", "Won revenue", DEALS, money=True),
    )
}

# Groupings (``by``): name -> label. A touch's field is by first touch or lead creation.
_TOUCH_FIELDS = (
    ("source", "source"),
    ("medium", "medium"),
    ("campaign", "campaign"),
    ("source_medium", "source / medium"),
    ("channel", "channel"),
)
LEAD_CREATION = {f"lead_creation_{k}": f"Lead-creation {v}" for k, v in _TOUCH_FIELDS}
FIRST_TOUCH = {f"first_touch_{k}": f"First-touch {v}" for k, v in _TOUCH_FIELDS}
OVER_TIME = {"day": "Day", "month": "Month"}
PERSON_GROUPINGS = {
    **LEAD_CREATION,
    **FIRST_TOUCH,
    "referring_site": "Referring site (lead creation)",
    "form": "Form",
    "via": "Way in (form, chat, API, import)",
    "owner": "Owner",
    "lead_status": "Lead status",
    "category": "Category",
    "category_group": "Category group",
    **OVER_TIME,
}
DEAL_GROUPINGS = {**LEAD_CREATION, "owner": "Owner", **OVER_TIME}
GROUPINGS = {**PERSON_GROUPINGS, **DEAL_GROUPINGS}


def groupings_of(measure: Measure) -> dict[str, str]:
    if measure.of == FUNNEL:
        return {}  # its steps are the lead statuses
    if measure.two_columns:
        return dict(LEAD_CREATION)  # the deals list filters by the lead's creation only
    return PERSON_GROUPINGS if measure.of == PERSONS else DEAL_GROUPINGS


# Filters: name -> label. Category, its group and the way in are the persons list's; a
# channel is the lead creation's (the deals list's too); an owner is an email, "me" in the
# app, "(none)" for none.
FILTERS = {
    "owner": "Owner",
    "category": "Category",
    "category_group": "Category group",
    "channel": "Lead-creation channel",
    "via": "Way in",
}
DEAL_FILTERS = ("owner", "channel")
FILTER_MAX = 320
TOP_MAX = 50
DEFAULT_TOP = 10


@dataclass(frozen=True)
class Report:
    measure: Measure
    by: str  # '' for one total (a funnel's steps are its rows)
    period: periods.Period
    filters: dict[str, str] = field(default_factory=dict)
    top: int = DEFAULT_TOP  # rows shown, largest first (time series: every bucket)

    def query(self) -> dict[str, str]:
        """The address parameters that give this report back (the API's, a tile's)."""
        return {
            **({"by": self.by} if self.by else {}),
            **self.period.query(),
            **dict(sorted(self.filters.items())),
            **({"top": str(self.top)} if self.top != DEFAULT_TOP else {}),
        }


def measure_named(name: str) -> Measure:
    found = MEASURES.get(name)
    if found is None:
        raise BadRequest(f"No report {name!r}; reports are {', '.join(MEASURES)}.")
    return found


def report(
    measure_name: str,
    *,
    by: str = "",
    period: periods.Period,
    filters: Mapping[str, str] | None = None,
    top: int = DEFAULT_TOP,
) -> Report:
    """A checked report: the grouping suits the measure, the filters exist and apply."""
    measure = measure_named(measure_name)
    allowed = groupings_of(measure)
    if by and by not in allowed:
        if not allowed:
            raise BadRequest(f"{measure.label} has no grouping (its steps are the statuses).")
        raise BadRequest(f"by must be one of {', '.join(allowed)} for {measure.name}.")
    if measure.two_columns and not by:
        raise BadRequest(f"{measure.name} needs by, one of {', '.join(allowed)}.")
    found: dict[str, str] = {}
    for name, value in (filters or {}).items():
        if name not in FILTERS:
            raise BadRequest(f"No filter {name!r}; filters are {', '.join(FILTERS)}.")
        if value == "":
            continue
        bound = EMAIL_MAX if name == "owner" else FILTER_MAX
        if len(value) > bound:
            raise BadRequest(f"{name} can be at most {bound} characters.")
        if measure.of == DEALS and name not in DEAL_FILTERS:
            raise BadRequest(f"{name} filters leads; deal reports filter by owner and channel.")
        if name == "channel" and value not in CHANNELS:
            raise BadRequest(f"channel must be one of {', '.join(CHANNELS)}.")
        if name == "via" and value not in VIAS:
            raise BadRequest(f"via must be one of {', '.join(VIAS)}.")
        found[name] = value
    if not 1 <= top <= TOP_MAX:
        raise BadRequest(f"top must be between 1 and {TOP_MAX}.")
    return Report(measure, by, period, found, top)


def from_params(measure_name: str, params: Mapping[str, str], *, today: date) -> Report:
    """The API's report: ``by``, ``period`` or ``from``/``to``, ``top`` and the filters."""
    known = {"by", "period", "from", "to", "top", "format", *FILTERS}
    for name in params:
        if name not in known:
            raise BadRequest(f"Unknown parameter {name!r}; this report takes {', '.join(known)}.")
    try:
        period = periods.from_params(params, today=today)
    except periods.PeriodError as error:
        raise BadRequest(str(error)) from None
    try:
        top = int(params.get("top", DEFAULT_TOP))
    except ValueError:
        raise BadRequest("top must be a whole number.") from None
    return report(
        measure_name,
        by=params.get("by", ""),
        period=period,
        filters={k: v for k, v in params.items() if k in FILTERS},
        top=top,
    )
