"""The persons list as CSV: the current selection (filters and sort of a ``PersonQuery``,
every page of it), streamed a page at a time so an export of a million persons holds one
page in memory.

Every value a visitor sent is text to a spreadsheet, never a formula: a cell that starts
with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a ``'`` in front (OWASP's CSV
injection advice), and the csv module quotes separators, quotes and line breaks.

The text starts with a UTF-8 byte order mark: Excel, which most marketers open a CSV in,
reads a file without one in the machine's legacy code page, and the Danish and Norwegian
names of SPEC's seeds (æ, ø, å) would come out garbled. LibreOffice, Google Sheets, Numbers
and Python's ``utf-8-sig`` skip it.

A page of it::

    StreamingResponse(persons_csv.stream(request.state.db, tenant_id, query),
                      media_type=persons_csv.MEDIA_TYPE, headers={"Content-Disposition": ...})
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from typing import Any

from ingest.storage import Database, people

MEDIA_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"
EXPORT_PAGE = 1000  # rows per read: one snapshot and one thread hop each
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = (
    "id",
    "email",
    "first_name",
    "last_name",
    "company",
    "created_at",
    "first_touch_source",
    "first_touch_medium",
    "first_touch_campaign",
    "first_touch_channel",
    "first_touch_at",
    "lead_creation_source",
    "lead_creation_medium",
    "lead_creation_campaign",
    "lead_creation_channel",
    "lead_creation_at",
    "lead_status",
    "owner",
    "category",
    "category_group",
)


def neutralise(value: object) -> str:
    """A cell's text, never read as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def row(person: dict[str, Any]) -> list[str]:
    """A ``people.person_summary`` as the cells of ``COLUMNS``."""
    ft = person["first_touch"] or {}
    lc = person["lead_creation"] or {}
    values = (
        person["id"],
        person["email"],
        person["first_name"],
        person["last_name"],
        (person["company"] or {}).get("name"),
        person["created_at"],
        ft.get("source"),
        ft.get("medium"),
        ft.get("campaign"),
        ft.get("channel"),
        ft.get("at"),
        lc.get("source"),
        lc.get("medium"),
        lc.get("campaign"),
        lc.get("channel"),
        lc.get("at"),
        person["lead_status"],
        person["owner"],
        person["category"],
        person["category_group"],
    )
    return [neutralise(v) for v in values]


def lines(rows: Iterable[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


async def stream(db: Database, tenant_id: str, query: people.PersonQuery) -> AsyncIterator[str]:
    """The BOM and header, then the selection from its first row, page by page (the query's
    cursor and limit are ignored: an export is the whole selection)."""
    yield BOM + lines([list(COLUMNS)])
    page_query = replace(query, cursor=None, limit=EXPORT_PAGE)
    while True:
        page = await db.read(people.search_persons, tenant_id, page_query, bound=EXPORT_PAGE)
        if page.items:
            yield lines(row(person) for person in page.items)
        if page.next_cursor is None:
            return
        page_query = replace(page_query, cursor=page.next_cursor)
