"""The companies list as CSV (a companies selection's export): every page of the query,
streamed, with ``persons_csv``'s rules (formula prefixes neutralised, UTF-8 with a BOM)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from ingest.domain.persons_csv import BOM, lines, neutralise
from ingest.storage import Database, people

COLUMNS = (
    "id",
    "name",
    "created_at",
    "source",
    "medium",
    "campaign",
    "persons",
    "category",
    "category_group",
    "owner",
)


def row(company: dict[str, Any]) -> list[str]:
    source = company["source"] or {}
    values = (
        company["id"],
        company["name"],
        company["created_at"],
        source.get("source"),
        source.get("medium"),
        source.get("campaign"),
        company["persons_count"],
        company["category"],
        company["category_group"],
        company["owner"],
    )
    return [neutralise(v) for v in values]


async def stream(db: Database, tenant_id: str, query: people.CompanyQuery) -> AsyncIterator[str]:
    yield BOM + lines([list(COLUMNS)])
    page_query = replace(query, cursor=None, limit=people.MAX_PAGE)
    while True:
        page = await db.read(people.search_companies, tenant_id, page_query)
        if page.items:
            yield lines(row(company) for company in page.items)
        if page.next_cursor is None:
            return
        page_query = replace(page_query, cursor=page.next_cursor)
