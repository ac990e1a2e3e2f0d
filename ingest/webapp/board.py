"""The lead board: persons in columns by lead status (the pipeline's sibling), with counts,
filters (owner, "mine" or nobody; the company's category; lead-creation source and campaign)
in the address, and a page of cards per column with a link to its next page.

A card moves through the person card's rule (``domain/leads.change_person``: the row locked,
the history written): a plain form on every card (a select and a Move button, no JavaScript
needed), and ``static/board.js``'s drag and drop, which posts that same form. A person whose
company left lead status keeps their status read-only: the card is shown, in its column and
counted as the lists count it, marked as kept, without a form; a forged move is a 422.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ingest.clock import utcnow
from ingest.domain import leads
from ingest.errors import BadRequest, NotFound, Unavailable, ValidationFailed
from ingest.storage import Connection, WriterClosed
from ingest.storage import board as store
from ingest.storage.lead_setup import setup as lead_setup
from ingest.storage.lead_setup import statuses
from ingest.storage.leads import members
from ingest.storage.people import BadQuery
from ingest.webapp import access
from ingest.webapp.access import Member
from ingest.webapp.leads import flash, pop_flash
from ingest.webapp.persons import NO_STORE, href
from ingest.webapp.render import render

PER_COLUMN = 25
FILTERS = ("owner", "category", "lead_creation_source", "lead_creation_campaign")
# One column's pages: ``status`` (a status's name) and the ``cursor`` of its next page.
COLUMN = ("status", "cursor")
VALUE_MAX = 200
MINE, NOBODY = "mine", "none"  # owner values that are not an email


@dataclass
class Board:
    columns: list[dict[str, Any]] = field(default_factory=list)
    targets: list[Any] = field(default_factory=list)  # the active statuses: where cards go
    owners: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    single: Any = None  # the status whose column alone is shown (its "more" pages)


def _values(params: QueryParams, names: tuple[str, ...] = FILTERS + COLUMN) -> dict[str, str]:
    """The board's parameters that are set (a blank filter box is no filter), bounded."""
    values = {}
    for name in names:
        value = params.get(name, "").strip()
        if len(value) > VALUE_MAX:
            raise BadRequest(f"{name} can be at most {VALUE_MAX} characters.")
        if value:
            values[name] = value
    return values


def _read(conn: Connection, tenant_id: str, user_id: str, values: dict[str, str]) -> Board:
    """The whole board in one read: the filters' names as ids, the counts, each column's page."""
    setup = lead_setup(conn, tenant_id)
    people = members(conn, tenant_id)
    board = Board(
        targets=[s for s in setup.statuses if s.active],
        owners=[email for _, email in people],
        categories=[c.name for g in setup.groups for c in g.categories if c.active],
    )
    owner = values.get("owner")
    owner_id = None
    if owner == MINE:
        owner_id = user_id
    elif owner not in (None, NOBODY):
        owner_id = next((uid for uid, email in people if email == owner.lower()), None)
        if owner_id is None:
            raise BadRequest("owner is not a user of this account.")
    category_id = None
    if "category" in values:
        named = [c for g in setup.groups for c in g.categories if c.name == values["category"]]
        if not named:
            raise BadRequest("category is not one of this account's categories.")
        category_id = named[0].category_id
    query = store.BoardQuery(
        owner_id=owner_id,
        unowned=owner == NOBODY,
        category_id=category_id,
        source=values.get("lead_creation_source"),
        campaign=values.get("lead_creation_campaign"),
    )
    counts = store.counts(conn, tenant_id, query)
    shown = [s for s in setup.statuses if s.active or counts.get(s.status_id)]
    if "status" in values:
        shown = [s for s in setup.statuses if s.name.casefold() == values["status"].casefold()]
        if not shown:
            raise BadRequest("status is not one of this account's lead statuses.")
        board.single = shown[0]
    for status in shown:
        count = counts.get(status.status_id, 0)
        page = (
            store.column(conn, tenant_id, status.status_id, query, PER_COLUMN, values.get("cursor"))
            if count
            else store.Page([], None)
        )
        board.columns.append({"status": status, "count": count, "page": page})
    return board


async def board(request: Request, member: Member) -> Response:
    return await _board_page(request, member)


async def _board_page(
    request: Request, member: Member, *, error: str | None = None, status: int = 200
) -> Response:
    values = _values(request.query_params)
    try:
        found = await request.state.db.read(_read, member.tenant_id, member.user.user_id, values)
    except BadQuery as problem:
        raise BadRequest(str(problem)) from None
    filters = {k: v for k, v in values.items() if k in FILTERS}
    today = request.state.clock()
    for col in found.columns:
        col["more"] = (
            href(
                member.url("board"),
                {**filters, "status": col["status"].name, "cursor": col["page"].next_cursor},
            )
            if col["page"].next_cursor
            else None
        )
        for card in col["page"].items:
            since = datetime.fromisoformat(card["since"].replace("Z", "+00:00"))
            card["days"] = max(0, (today - since).days)
    return render(
        request,
        "app/board.html",
        {
            "board": found,
            "values": values,
            "filtered": bool(filters),
            "all_columns": href(member.url("board"), filters),
            "move_url": href(member.url("board/move"), values),
            "per_column": PER_COLUMN,
            "mine": MINE,
            "nobody": NOBODY,
            "flash": pop_flash(request),
            "error": error,
        },
        viewer=member,
        status=status,
        headers=NO_STORE,
    )


async def move(request: Request, member: Member) -> Response:
    """POST ``person_id`` and ``lead_status`` (a status id): the person's status changed as
    the person card changes it, and back to the board as it was (its parameters ride on the
    form's address). A kept, read-only status or an inactive one: the board with the reason
    (422); a person of another tenant or none: 404."""
    form = await access.form(request)
    person_id = form.get("person_id", "")[:64]
    status_id = form.get("lead_status", "")[:64]
    at = utcnow()  # as the person card's change: submissions write the real time too
    if not status_id:
        return await _board_page(request, member, error="Choose a lead status.", status=422)

    def job(conn: Connection) -> tuple[str | None, str]:
        leads.change_person(
            conn,
            tenant_id=member.tenant_id,
            person_id=person_id,
            status=status_id or None,
            user_id=member.user.user_id,
            now=at,
        )
        named = {s.status_id: s.name for s in statuses(conn, member.tenant_id)}
        return store.person_label(conn, member.tenant_id, person_id), named[status_id]

    try:
        label, status = await request.state.db.write(job)
    except leads.PersonNotFound:
        raise NotFound("No such person.") from None
    except ValidationFailed as refused:
        return await _board_page(request, member, error=refused.message, status=422)
    except WriterClosed:
        raise Unavailable("The service is shutting down; please try again.") from None
    flash(request, f"Moved {label} to {status}.")
    back = href(member.url("board"), _values(request.query_params))
    return RedirectResponse(back, status_code=303)
