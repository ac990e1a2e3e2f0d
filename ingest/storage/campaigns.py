"""Campaign performance (SPEC "Campaign performance", seed 003): what a campaign's
``utm_campaign`` values brought in a period, and the persons and deals filters that give
the rows behind each number.

A campaign is a named campaign (``campaigns``) with the values it owns (``campaign_values``),
or a value seen in touches or sessions that no campaign owns. Its measures, each filtered on
the date of its own conversion, never on the touches' dates:

- sessions (page views on): sessions that landed with one of its values, by start;
- new contacts: persons whose first touch (or lead creation, the user's choice) carries one
  of its values, by the person's creation (the persons' ``ft_campaign``/``lc_campaign``
  copies, migration 0009);
- influenced contacts: distinct persons with any touch of it, whose conversion carrying that
  touch falls in the period: created with it as first touch or lead creation, or a
  submission with it as conversion touch or in its touch history (kept per value, day and
  person by the submission job: ``note_reach``, ``influenced_sql``);
- deals: deals of the new contacts' kind (first touch or lead creation), by the deal's
  creation; won deals and revenue by the deal's close, per currency.

Every measure is a sum over days, read from the kept daily counts (``storage/campaign_counts``,
migration 0027); influenced contacts from the kept reaches, each person counted at their
first reach in the period (``storage/campaign_reach``, migration 0028).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ingest.storage import Connection, campaign_reach
from ingest.storage import campaign_counts as counts

FIRST_TOUCH = "first_touch"
LEAD_CREATION = "lead_creation"
ANY = "any"  # any touch: influenced
TOUCHES = (FIRST_TOUCH, LEAD_CREATION)
PERSON_COLUMN = {FIRST_TOUCH: "ft_campaign", LEAD_CREATION: "lc_campaign"}
VALUES_MAX = 500  # values of one campaign read into one statement
DENSE = 0.02  # probe_each_person: the share of the contacts that makes a campaign common


@dataclass(frozen=True)
class Campaign:
    """A named campaign (``campaign_id`` set) or one value no campaign owns."""

    name: str
    values: tuple[str, ...]
    campaign_id: str | None = None
    created_at: str | None = None

    @property
    def unowned(self) -> bool:
        return self.campaign_id is None


@dataclass(frozen=True)
class CampaignFilter:
    """The persons and deals lists' campaign filter: a campaign (by id, its values read
    from ``campaign_values`` in the tenant) or one value (both: that value if the campaign
    owns it), matched by first touch, lead creation or (persons only) any touch;
    ``since``/``until`` bound the conversions that carried it (any touch: the kept days;
    first touch or lead creation: the person's creation; clock-format text, ``until``
    exclusive)."""

    campaign_id: str | None = None
    value: str | None = None
    touch: str = ANY
    since: str | None = None
    until: str | None = None


@dataclass
class Measures:
    sessions: int = 0
    views: int = 0
    new_contacts: int = 0
    influenced: int = 0
    deals: int = 0
    won_deals: int = 0
    revenue: list[tuple[str, int]] = field(default_factory=list)  # (currency, cents)


# -- which campaigns there are -------------------------------------------------------------


def get_campaign(conn: Connection, tenant_id: str, campaign_id: str) -> Campaign | None:
    row = conn.execute(
        "SELECT name, created_at FROM campaigns WHERE tenant_id = ? AND campaign_id = ?",
        (tenant_id, campaign_id),
    ).fetchone()
    if row is None:
        return None
    values = conn.execute(
        "SELECT utm_campaign FROM campaign_values WHERE tenant_id = ? AND campaign_id = ?"
        " ORDER BY utm_campaign",
        (tenant_id, campaign_id),
    ).fetchall()
    return Campaign(row[0], tuple(v[0] for v in values), campaign_id, row[1])


def owner_of(conn: Connection, tenant_id: str, value: str) -> str | None:
    """The campaign that owns a value, or None."""
    row = conn.execute(
        "SELECT campaign_id FROM campaign_values WHERE tenant_id = ? AND utm_campaign = ?",
        (tenant_id, value),
    ).fetchone()
    return None if row is None else row[0]


def _distinct_values(conn: Connection, tenant_id: str, table: str) -> list[str]:
    """The distinct campaign values of ``touches`` or ``sessions``, one index probe per
    value (a loose scan of its ``(tenant_id, campaign, ...)`` index): a campaign has many
    touches, and a tenant few values."""
    rows = conn.execute(
        f"WITH RECURSIVE v (value) AS ("
        f" SELECT MIN(campaign) FROM {table} WHERE tenant_id = ? AND campaign > ''"
        f" UNION ALL SELECT (SELECT MIN(campaign) FROM {table} x"
        f" WHERE x.tenant_id = ? AND x.campaign > v.value) FROM v WHERE v.value IS NOT NULL"
        ") SELECT value FROM v WHERE value IS NOT NULL",
        (tenant_id, tenant_id),
    ).fetchall()
    return [row[0] for row in rows]


def catalogue(conn: Connection, tenant_id: str) -> list[Campaign]:
    """Every campaign: the named ones with their values, then each value seen in touches or
    sessions that none owns."""
    named = conn.execute(
        "SELECT campaign_id, name, created_at FROM campaigns WHERE tenant_id = ?"
        " ORDER BY name, campaign_id",
        (tenant_id,),
    ).fetchall()
    owned: dict[str, list[str]] = {}
    for row in conn.execute(
        "SELECT campaign_id, utm_campaign FROM campaign_values WHERE tenant_id = ?"
        " ORDER BY utm_campaign",
        (tenant_id,),
    ).fetchall():
        owned.setdefault(row[0], []).append(row[1])
    taken = {value for values in owned.values() for value in values}
    seen = set(_distinct_values(conn, tenant_id, "touches"))
    seen |= set(_distinct_values(conn, tenant_id, "sessions"))
    found = [Campaign(r[1], tuple(owned.get(r[0], ())), r[0], r[2]) for r in named]
    found += [Campaign(value, (value,)) for value in sorted(seen - taken)]
    return found


def has_sessions(conn: Connection, tenant_id: str) -> bool:
    """Does the site send page views at all (any session kept)?"""
    return (
        conn.execute("SELECT 1 FROM sessions WHERE tenant_id = ? LIMIT 1", (tenant_id,)).fetchone()
        is not None
    )


# -- the filters' SQL ----------------------------------------------------------------------


def _marks(values: tuple[str, ...] | list[str]) -> str:
    return "(" + ", ".join("?" for _ in values) + ")" if values else "(NULL)"


def values_sql(tenant_id: str, wanted: CampaignFilter) -> tuple[str, list[Any]]:
    """``(... )`` of the filter's values, for ``column IN``."""
    if wanted.campaign_id is not None:
        owned = " AND cv.utm_campaign = ?" if wanted.value is not None else ""
        return (
            "(SELECT cv.utm_campaign FROM campaign_values cv"
            f" WHERE cv.tenant_id = ? AND cv.campaign_id = ?{owned})",
            [tenant_id, wanted.campaign_id, *([wanted.value] if owned else [])],
        )
    return "(?)", [wanted.value]


def _window(column: str, since: str | None, until: str | None) -> tuple[str, list[Any]]:
    sql, params = "", []
    if since is not None:
        sql += f" AND {column} >= ?"
        params.append(since)
    if until is not None:
        sql += f" AND {column} < ?"
        params.append(until)
    return sql, params


def influenced_sql(
    tenant_id: str, values: tuple[str, list[Any]], since: str | None, until: str | None
) -> tuple[str, list[Any]]:
    """The ids of the persons a campaign influenced (module docstring), from the kept
    ``person_campaign_days`` (migration 0024; a person may come once per value and day)."""
    vals, vals_params = values
    sql = "SELECT r.person_id FROM person_campaign_days r WHERE r.tenant_id = ?"
    sql += f" AND r.campaign IN {vals}"
    params: list[Any] = [tenant_id, *vals_params]
    # Periods are whole UTC days: a day is in when its start is.
    if since is not None:
        sql += " AND r.day >= ?"
        params.append(since[:10])
    if until is not None:
        sql += " AND r.day < ?"
        params.append(until[:10])
    return sql, params


def note_reach(
    conn: Connection,
    tenant_id: str,
    person_id: str,
    day: str,
    values: set[str],
    *,
    new_person: bool = False,
) -> None:
    """The submission job's part: the campaign values a conversion of the person carried
    that day (``influenced_sql`` reads them; ``campaign_reach`` counts them, knowing a
    ``new_person`` has none yet)."""
    carried = sorted(v for v in values if v)
    campaign_reach.note(conn, tenant_id, person_id, day, carried, new_person=new_person)
    for value in carried:
        conn.execute(
            "INSERT INTO person_campaign_days (tenant_id, campaign, day, person_id)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (tenant_id, value, day, person_id),
        )


def person_condition(
    tenant_id: str, wanted: CampaignFilter, *, probe: bool = False, hint: str = ""
) -> tuple[str, list[Any]]:
    """The persons list's campaign condition on ``p``. Influenced (any touch): the set of the
    campaign's persons made once, or with ``probe`` (``probe_each_person``) each person of
    the list looked up in it by their id (``person_campaign_days_by_person``: a person's
    few rows; ``hint`` is ``dialect.indexed_by`` of it, for SQLite's planner)."""
    values = values_sql(tenant_id, wanted)
    if wanted.touch == ANY:
        sql, params = influenced_sql(tenant_id, values, wanted.since, wanted.until)
        if probe:
            sql = sql.replace(
                "SELECT r.person_id FROM person_campaign_days r",
                "SELECT 1 FROM person_campaign_days r" + hint,
                1,
            )
            return f"EXISTS ({sql} AND r.person_id = p.person_id)", params
        return f"p.person_id IN ({sql})", params
    created, created_params = _window("p.created_at", wanted.since, wanted.until)
    return f"p.{PERSON_COLUMN[wanted.touch]} IN {values[0]}{created}", [*values[1], *created_params]


def probe_each_person(conn: Connection, tenant_id: str, wanted: CampaignFilter | None) -> bool:
    """Is a page of the persons list filtered by a campaign's influenced persons found
    sooner by looking each person of the list's order up (stopping at the page's end) than
    by making the set of every person the campaign reached first? Yes when the campaign
    brought at least ``DENSE`` of the tenant's contacts that came with a campaign (the
    kept counts, all days: a few hundred rows): then a page of 50 looks up a few thousand
    persons at most, where the set costs every row of the campaign (the bench campaign's
    first page: 58.7 ms by the set, 4.0 probed, at 100,000 persons; 667 ms by the set at
    1,000,000). A rare campaign's set is small: made first."""
    if wanted is None or wanted.touch != ANY:
        return False
    vals, params = values_sql(tenant_id, wanted)
    row = conn.execute(
        f"SELECT SUM(CASE WHEN k3 IN {vals} THEN n ELSE 0 END),"
        " SUM(CASE WHEN k3 <> '' THEN n ELSE 0 END) FROM person_days"
        " WHERE tenant_id = ? AND dim = ?",
        (*params, tenant_id, _CONTACTS[FIRST_TOUCH]),
    ).fetchone()
    mine, every = int(row[0] or 0), int(row[1] or 0)
    return every > 0 and mine >= DENSE * every


def deal_condition(tenant_id: str, wanted: CampaignFilter) -> tuple[str, list[Any]]:
    """The deals list's campaign condition: on its person ``p`` (joined by the list)."""
    vals, params = values_sql(tenant_id, wanted)
    return f"p.{PERSON_COLUMN[wanted.touch]} IN {vals}", params


# -- measures ------------------------------------------------------------------------------
# Sums of the kept daily counts (``storage/campaign_counts``) over the period's days: a
# period is whole UTC days, so ``since <= at < until`` is ``since[:10] <= day < until[:10]``.


def _days(since: str, until: str) -> tuple[str, str]:
    return since[:10], until[:10]


# New contacts are the reports' kept counts of persons by creation day (``person_days``,
# storage/reports/kept.py): first touch's or lead creation's rows, whose k3 is the campaign
# (k1, k2 the source and medium), so the submission job keeps them once for both.
_CONTACTS = {FIRST_TOUCH: "ft", LEAD_CREATION: "lc"}


def _contacts(
    conn: Connection,
    tenant_id: str,
    values: tuple[str, ...],
    touch: str,
    since: str,
    until: str,
    by: str = "",
) -> list[Any]:
    """New contacts of the values in the period: one total, or rows of ``by`` (columns of
    ``person_days``) with their count last."""
    group = f" GROUP BY {by}" if by else ""
    return conn.execute(
        f"SELECT {by + ', ' if by else ''}SUM(n) FROM person_days WHERE tenant_id = ?"
        f" AND dim = ? AND day >= ? AND day < ? AND k3 IN {_marks(values)}{group}",
        (tenant_id, _CONTACTS[touch], *_days(since, until), *values),
    ).fetchall()


def measures(
    conn: Connection, tenant_id: str, values: tuple[str, ...], touch: str, since: str, until: str
) -> Measures:
    """A campaign's numbers for one period (module docstring)."""
    found = Measures()
    if not values:
        return found
    values = values[:VALUES_MAX]
    vals = _marks(values)
    kinds = (counts.SESSIONS, counts.deals(touch), counts.won(touch))
    rows = conn.execute(
        "SELECT measure, currency, SUM(n), SUM(views), SUM(amount) FROM campaign_counts"
        f" WHERE tenant_id = ? AND campaign IN {vals} AND measure IN (?, ?, ?)"
        " AND day >= ? AND day < ? GROUP BY measure, currency ORDER BY measure, currency",
        (tenant_id, *values, *kinds, *_days(since, until)),
    ).fetchall()
    found.new_contacts = int(_contacts(conn, tenant_id, values, touch, since, until)[0][0] or 0)
    for measure, currency, n, views, amount in rows:
        n = int(n)
        if measure == counts.SESSIONS:
            found.sessions, found.views = n, int(views)
        elif measure == kinds[1]:
            found.deals = n
        elif n:  # a currency with won deals in the period (a kept row may sum to none)
            found.won_deals += n
            found.revenue.append((currency, int(amount)))
    found.influenced = influenced(conn, tenant_id, values, since, until)
    return found


def influenced(
    conn: Connection, tenant_id: str, values: tuple[str, ...], since: str, until: str
) -> int:
    """How many distinct persons the values reached in the period (the ``influenced_sql``
    rows): for a named campaign's values or one value no campaign owns, a sum over the
    period's days of the kept reaches (``storage/campaign_reach``: 560 ms of a campaign page
    at 1,000,000 persons by a distinct count over its rows); for any other set of values,
    that distinct count."""
    if not values:
        return 0
    values = values[:VALUES_MAX]
    days = _days(since, until)
    key = campaign_reach.key_for(conn, tenant_id, values)
    if key is not None:
        return campaign_reach.persons(conn, tenant_id, key, *days)
    return int(
        conn.execute(
            "SELECT COUNT(DISTINCT person_id) FROM person_campaign_days WHERE tenant_id = ?"
            f" AND campaign IN {_marks(values)} AND day >= ? AND day < ?",
            (tenant_id, *values, *days),
        ).fetchone()[0]
    )


def by_day(
    conn: Connection, tenant_id: str, values: tuple[str, ...], touch: str, since: str, until: str
) -> dict[str, dict[str, int]]:
    """Day (``YYYY-MM-DD``) -> new contacts and sessions of that day; days without either
    are left out."""
    days: dict[str, dict[str, int]] = {}
    if not values:
        return days
    values = values[:VALUES_MAX]
    vals = _marks(values)
    for day, n in conn.execute(
        "SELECT day, SUM(n) FROM campaign_counts"
        f" WHERE tenant_id = ? AND campaign IN {vals} AND measure = ?"
        " AND day >= ? AND day < ? GROUP BY day",
        (tenant_id, *values, counts.SESSIONS, *_days(since, until)),
    ).fetchall():
        if int(n):
            days.setdefault(day, {"contacts": 0, "sessions": 0})["sessions"] = int(n)
    for day, n in _contacts(conn, tenant_id, values, touch, since, until, by="day"):
        if int(n):
            days.setdefault(day, {"contacts": 0, "sessions": 0})["contacts"] = int(n)
    return dict(sorted(days.items()))


def traffic(
    conn: Connection, tenant_id: str, values: tuple[str, ...], since: str, until: str
) -> list[dict[str, Any]]:
    """By source / medium: views, sessions, new-visitor sessions (by the session's start)
    and contacts whose first touch it was (by their creation); most views first."""
    if not values:
        return []
    values = values[:VALUES_MAX]
    vals = _marks(values)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    contacts = [
        (FIRST_TOUCH, r[0], r[1], r[2], 0, 0)
        for r in _contacts(conn, tenant_id, values, FIRST_TOUCH, since, until, by="k1, k2")
    ]
    for r in [*conn.execute(
        "SELECT measure, source, medium, SUM(n), SUM(views), SUM(new_visitors)"
        f" FROM campaign_counts WHERE tenant_id = ? AND campaign IN {vals} AND measure = ?"
        " AND day >= ? AND day < ? GROUP BY measure, source, medium",
        (tenant_id, *values, counts.SESSIONS, *_days(since, until)),
    ).fetchall(), *contacts]:  # fmt: skip
        if not int(r[3]):
            continue
        found = rows.setdefault(
            (r[1], r[2]),
            {"source": r[1], "medium": r[2], "views": 0, "sessions": 0, "new_visitors": 0,
             "contacts": 0},
        )  # fmt: skip
        if r[0] == counts.SESSIONS:
            found["views"], found["sessions"] = int(r[4]), int(r[3])
            found["new_visitors"] = int(r[5])
        else:
            found["contacts"] = int(r[3])
    return sorted(
        rows.values(), key=lambda r: (-r["views"], -r["contacts"], r["source"], r["medium"])
    )
