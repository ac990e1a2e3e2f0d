"""Retention: a tenant's setting, and `leadsource prune` deleting old page views and sessions."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from ingest import storage
from ingest.domain import retention
from ingest.ops.cli import main

from .test_collect import LINKEDIN, PAGE, beacon


@pytest.fixture
def cli(settings, capsys):
    def run(*args: str) -> tuple[int, dict | str]:
        code = main([*args, "--db", settings.db_path])
        out, err = capsys.readouterr()
        return code, (json.loads(out) if code == 0 else err)

    return run


def test_retention_is_a_tenant_setting(cli):
    code, out = cli("tenant", "create", "acme", "--retention-days", "30")
    assert code == 0 and out["retention_days"] == 30
    code, out = cli("tenant", "create", "forever")
    assert out["retention_days"] is None
    # Other changes leave it alone; 0 (or "forever") keeps everything again.
    _, out = cli("tenant", "update", "acme", "--utm-transfer", "off")
    assert out["retention_days"] == 30
    _, out = cli("tenant", "update", "acme", "--retention-days", "400")
    assert out["retention_days"] == 400
    _, out = cli("tenant", "update", "acme", "--retention-days", "forever")
    assert out["retention_days"] is None


@pytest.mark.parametrize("days", ["-1", "36501", "a month"])
def test_retention_out_of_bounds_is_a_usage_error(cli, days):
    with pytest.raises(SystemExit) as exit_info:
        cli("tenant", "create", "acme", "--retention-days", days)
    assert exit_info.value.code == 2


def views_at(client, tenant, clock, when: datetime, urls: list[str], visitor: str) -> None:
    clock.now = when
    for url in urls:
        assert beacon(client, tenant, url, visitor=visitor).status_code == 204
        clock.advance(minutes=20)


def stored(db_path: str, tenant_id: str) -> tuple[int, int]:
    with storage.connect(db_path, tuples=True) as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(f"SELECT count(*) FROM {t} WHERE tenant_id = ?", (tenant_id,)).fetchone()[
                0
            ]
            for t in ("sessions", "pageviews")
        )


@pytest.fixture
def aged(client, make_tenant, clock, cli):
    """acme keeps 30 days: one session wholly older, one that spans the cutoff, one recent.
    keeper keeps everything; short keeps 7 days but is not named when acme is pruned alone."""
    acme, keeper, short = make_tenant("acme"), make_tenant("keeper"), make_tenant("short")
    cli("tenant", "update", "acme", "--retention-days", "30")
    cli("tenant", "update", "short", "--retention-days", "7")
    now = datetime.now(UTC)
    cutoff = now - timedelta(days=30)
    views_at(client, acme, clock, now - timedelta(days=40), [LINKEDIN, PAGE, PAGE], "visitor-old")
    views_at(client, acme, clock, cutoff - timedelta(minutes=10), [LINKEDIN, PAGE], "visitor-span")
    views_at(client, acme, clock, now - timedelta(days=1), [LINKEDIN], "visitor-new")
    for tenant in (keeper, short):
        views_at(client, tenant, clock, now - timedelta(days=40), [PAGE], "visitor-old")
    return acme, keeper, short


def test_prune_deletes_what_is_older_than_the_tenants_retention(cli, aged, settings):
    acme, keeper, short = aged
    assert stored(settings.db_path, "acme") == (3, 6)

    code, out = cli("prune", "--tenant", "acme", "--dry-run")
    assert code == 0 and out["dry_run"] is True
    (report,) = out["tenants"]
    assert report["tenant_id"] == "acme" and report["retention_days"] == 30
    # The old session and its three views; the spanning session's view before the cutoff.
    assert (report["sessions"], report["pageviews"]) == (1, 4)
    assert stored(settings.db_path, "acme") == (3, 6)  # a dry run deletes nothing

    code, out = cli("prune", "--tenant", "acme")
    assert code == 0 and out["dry_run"] is False
    assert (out["tenants"][0]["sessions"], out["tenants"][0]["pageviews"]) == (1, 4)
    assert stored(settings.db_path, "acme") == (2, 2)
    with storage.connect(settings.db_path, tuples=True) as conn:
        visitors = {
            r[0] for r in conn.execute("SELECT visitor_id FROM sessions WHERE tenant_id = 'acme'")
        }
        oldest = conn.execute("SELECT min(at) FROM pageviews WHERE tenant_id = 'acme'").fetchone()[
            0
        ]
    assert visitors == {"visitor-span", "visitor-new"}
    assert oldest >= out["tenants"][0]["cutoff"]
    # Tenants not named are untouched; running again finds nothing more.
    assert stored(settings.db_path, "short") == (1, 1)
    assert stored(settings.db_path, "keeper") == (1, 1)
    _, out = cli("prune", "--tenant", "acme")
    assert (out["tenants"][0]["sessions"], out["tenants"][0]["pageviews"]) == (0, 0)


def test_prune_without_a_tenant_visits_every_tenant_with_a_retention(cli, aged, settings):
    code, out = cli("prune")
    assert code == 0
    assert [t["tenant_id"] for t in out["tenants"]] == ["acme", "short"]
    assert stored(settings.db_path, "short") == (0, 0)
    assert stored(settings.db_path, "keeper") == (1, 1)  # keeps forever
    _, out = cli("prune", "--tenant", "keeper")
    assert out["tenants"] == [
        {
            "tenant_id": "keeper",
            "retention_days": None,
            "cutoff": None,
            "sessions": 0,
            "pageviews": 0,
        }
    ]


def test_prune_deletes_in_batches_until_done(cli, aged, settings, monkeypatch):
    monkeypatch.setattr(retention, "BATCH", 1)
    batches: list[int] = []
    real = retention.delete_old_batch

    def counted(*args, **kwargs):
        deleted = real(*args, **kwargs)
        batches.append(deleted)
        return deleted

    monkeypatch.setattr(retention, "delete_old_batch", counted)
    _, out = cli("prune", "--tenant", "acme")
    assert (out["tenants"][0]["sessions"], out["tenants"][0]["pageviews"]) == (1, 4)
    assert batches == [1, 0, 1, 1, 1, 1, 0]  # one row per transaction, then an empty look


def test_prune_of_an_unknown_tenant_fails_clearly(cli):
    code, err = cli("prune", "--tenant", "nobody")
    assert code == 2 and "no tenant" in err


def test_prune_names_the_tenant_in_every_statement(cli, aged):
    statements: list[str] = []
    with storage.tracing(statements.append):
        cli("prune", "--dry-run")
        cli("prune")
    touching = [s for s in statements if re.search(r"\b(sessions|pageviews)\b", s)]
    assert len(touching) >= 8
    assert [s for s in touching if "tenant_id" not in s] == []
