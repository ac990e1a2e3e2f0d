"""Campaigns and tracking URLs: saving what the UTM builder made, finding it again, and
counting what each link brought (from the touches, sessions and persons it matches)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ingest.clock import utcnow
from ingest.domain.links import Link
from ingest.storage import Connection, campaign_reach
from ingest.storage.reads import StoreError, new_id

SEARCH_MAX = 200


@dataclass(frozen=True)
class TrackingUrl:
    url_id: str
    url: str
    page_url: str
    source: str
    medium: str
    campaign: str
    term: str | None
    content: str | None
    created_by: str | None
    created_at: str
    visits: int = 0  # sessions that landed with these values (page views on)
    new_persons: int = 0  # persons whose first touch carries them
    submissions: int = 0  # submissions they converted


def save_link(conn: Connection, tenant_id: str, link: Link, created_by: str | None) -> str:
    url_id = new_id("url")
    v = link.values
    conn.execute(
        "INSERT INTO tracking_urls (tenant_id, url_id, url, page_url, source, medium, campaign,"
        " term, content, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            tenant_id,
            url_id,
            link.url,
            link.page_url,
            v["utm_source"],
            v["utm_medium"],
            v["utm_campaign"],
            v["utm_term"] or None,
            v["utm_content"] or None,
            created_by,
            utcnow(),
        ),
    )
    return url_id


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_links(
    conn: Connection, tenant_id: str, *, search: str = "", limit: int = 100
) -> list[TrackingUrl]:
    """Newest first; ``search`` in the URL, campaign, source, medium or who made it (any
    case). Each with what it brought."""
    limit = max(1, min(limit, SEARCH_MAX))
    sql = (
        "SELECT url_id, url, page_url, source, medium, campaign, term, content, created_by,"
        " created_at FROM tracking_urls WHERE tenant_id = ?"
    )
    params: list[Any] = [tenant_id]
    if search.strip():
        pattern = f"%{_escape_like(search.strip().lower())}%"
        sql += (
            " AND (lower(url) LIKE ? ESCAPE '\\' OR lower(campaign) LIKE ? ESCAPE '\\'"
            " OR lower(source) LIKE ? ESCAPE '\\' OR lower(medium) LIKE ? ESCAPE '\\'"
            " OR lower(coalesce(created_by, '')) LIKE ? ESCAPE '\\')"
        )
        params += [pattern] * 5
    sql += " ORDER BY created_at DESC, url_id DESC LIMIT ?"
    params.append(limit)
    rows = conn.execute(sql, params).fetchall()
    return [_with_counts(conn, tenant_id, row) for row in rows]


def campaign_links(conn: Connection, tenant_id: str, values: tuple[str, ...]) -> list[TrackingUrl]:
    """The tracking URLs of a campaign's values, newest first, each with what it brought."""
    if not values:
        return []
    rows = conn.execute(
        "SELECT url_id, url, page_url, source, medium, campaign, term, content, created_by,"
        " created_at FROM tracking_urls WHERE tenant_id = ?"
        f" AND campaign IN ({', '.join('?' for _ in values)})"
        " ORDER BY created_at DESC, url_id DESC LIMIT ?",
        (tenant_id, *values, SEARCH_MAX),
    ).fetchall()
    return [_with_counts(conn, tenant_id, row) for row in rows]


def _with_counts(conn: Connection, tenant_id: str, row: Any) -> TrackingUrl:
    columns = ["tenant_id", "campaign", "source", "medium"]
    params: list[Any] = [tenant_id, row["campaign"], row["source"], row["medium"]]
    for column in ("term", "content"):
        if row[column] is not None:  # a link without a term matches any term
            columns.append(column)
            params.append(row[column])

    def match(alias: str = "") -> str:
        return " AND ".join(f"{alias}{column} = ?" for column in columns)

    visits = conn.execute(f"SELECT COUNT(*) FROM sessions WHERE {match()}", params).fetchone()[0]
    new_persons = conn.execute(
        "SELECT COUNT(*) FROM persons p JOIN touches t"
        " ON t.tenant_id = p.tenant_id AND t.touch_id = p.first_touch_id"
        f" WHERE p.tenant_id = ? AND {match('t.')}",
        (tenant_id, *params),
    ).fetchone()[0]
    submissions = conn.execute(
        "SELECT COUNT(*) FROM submissions s JOIN touches t"
        " ON t.tenant_id = s.tenant_id AND t.touch_id = s.conversion_touch_id"
        f" WHERE s.tenant_id = ? AND {match('t.')}",
        (tenant_id, *params),
    ).fetchone()[0]
    return TrackingUrl(
        *(row[k] for k in ("url_id", "url", "page_url", "source", "medium", "campaign")),
        row["term"],
        row["content"],
        row["created_by"],
        row["created_at"],
        visits,
        new_persons,
        submissions,
    )


def campaign_names(conn: Connection, tenant_id: str) -> list[str]:
    """Every utm_campaign value in use: campaigns' own and those in saved links."""
    rows = conn.execute(
        "SELECT utm_campaign FROM campaign_values WHERE tenant_id = ?"
        " UNION SELECT campaign FROM tracking_urls WHERE tenant_id = ?",
        (tenant_id, tenant_id),
    ).fetchall()
    return sorted(r[0] for r in rows)


def create_campaign(conn: Connection, tenant_id: str, name: str, values: list[str]) -> str:
    """A campaign owning ``values`` (utm_campaign values, already normalised)."""
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise StoreError("a campaign needs a name of 1-200 characters")
    campaign_id = new_id("cmp")
    conn.execute(
        "INSERT INTO campaigns (tenant_id, campaign_id, name, created_at) VALUES (?, ?, ?, ?)",
        (tenant_id, campaign_id, name, utcnow()),
    )
    for value in dict.fromkeys(v for v in values if v):
        owner = conn.execute(
            "SELECT c.name FROM campaign_values v JOIN campaigns c"
            " ON c.tenant_id = v.tenant_id AND c.campaign_id = v.campaign_id"
            " WHERE v.tenant_id = ? AND v.utm_campaign = ?",
            (tenant_id, value),
        ).fetchone()
        if owner is not None:
            raise StoreError(f"{value!r} already belongs to the campaign {owner[0]!r}")
        conn.execute(
            "INSERT INTO campaign_values (tenant_id, utm_campaign, campaign_id) VALUES (?, ?, ?)",
            (tenant_id, value, campaign_id),
        )
    # Their persons reached are the campaign's now, each counted once across its values.
    campaign_reach.recount(conn, tenant_id, list(dict.fromkeys(v for v in values if v)))
    return campaign_id


def list_campaigns(conn: Connection, tenant_id: str) -> list[dict[str, Any]]:
    campaigns = conn.execute(
        "SELECT campaign_id, name, created_at FROM campaigns WHERE tenant_id = ? ORDER BY name",
        (tenant_id,),
    ).fetchall()
    values = conn.execute(
        "SELECT campaign_id, utm_campaign FROM campaign_values WHERE tenant_id = ?"
        " ORDER BY utm_campaign",
        (tenant_id,),
    ).fetchall()
    owned: dict[str, list[str]] = {}
    for row in values:
        owned.setdefault(row[0], []).append(row[1])
    return [
        {"id": c[0], "name": c[1], "created_at": c[2], "values": owned.get(c[0], [])}
        for c in campaigns
    ]
