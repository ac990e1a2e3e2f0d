"""The operator's commands of ``leadsource``: ``prune``, ``person export|erase``, ``backup``
and ``migrate-data``. Each prints one JSON document."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ingest import storage
from ingest.config import Settings
from ingest.domain import erasure, retention
from ingest.ops import backup, migrate_data


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(db_path=args.db)


def _print(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def parse_retention_days(value: str) -> int:
    """N days (1-36500), or 0 / "forever" to keep page views and sessions forever."""
    if value.strip().lower() in ("forever", "off", "none"):
        return 0
    try:
        days = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError("give a number of days, or 0 for forever") from None
    if not 0 <= days <= 36500:
        raise argparse.ArgumentTypeError("retention must be 0-36500 days (0: forever)")
    return days


def cmd_prune(args: argparse.Namespace) -> None:
    settings = _settings(args)
    with storage.migrated(settings.db_path) as conn:
        results = retention.prune(
            conn, now=datetime.now(UTC), tenant_id=args.tenant, dry_run=args.dry_run
        )
    _print(retention.report(results, dry_run=args.dry_run))


def cmd_person_export(args: argparse.Namespace) -> None:
    settings = _settings(args)

    def work(conn: Any) -> dict[str, Any]:
        person_id = erasure.find_person(conn, args.tenant_id, args.person)
        return erasure.export(conn, args.tenant_id, person_id)

    _print(storage.transaction(settings.db_path, work))


def cmd_person_erase(args: argparse.Namespace) -> None:
    settings = _settings(args)

    def work(conn: Any) -> dict[str, Any]:
        person_id = erasure.find_person(conn, args.tenant_id, args.person)
        return erasure.erase(conn, args.tenant_id, person_id)

    _print(storage.transaction(settings.db_path, work))


def cmd_backup(args: argparse.Namespace) -> None:
    settings = _settings(args)
    _print(backup.backup(settings.db_path, args.to, overwrite=args.force))


def cmd_migrate_data(args: argparse.Namespace) -> None:
    _print(migrate_data.migrate_data(args.source, args.target, args.tenant))


def add_commands(
    sub: Any, with_db: Callable[[argparse.ArgumentParser], None] | None = None
) -> None:
    """Add the operator's commands to ``leadsource``'s subcommands."""

    def db_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--db", help="SQLite file or postgresql:// URL (default: $LEADSOURCE_DB)")

    add_db = with_db or db_option

    prune = sub.add_parser(
        "prune",
        help="delete page views and sessions older than each tenant's retention",
        description="Delete page views and sessions older than the tenant's retention "
        "(tenant create/update --retention-days). Run it daily, from cron or a timer.",
    )
    prune.add_argument("--tenant", help="only this tenant (default: every tenant with one)")
    prune.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    add_db(prune)
    prune.set_defaults(func=cmd_prune)

    person = sub.add_parser(
        "person", help="export or erase one person (privacy requests)"
    ).add_subparsers(dest="person_command", required=True)
    for name, func, text in (
        ("export", cmd_person_export, "print everything stored about the person as JSON"),
        ("erase", cmd_person_erase, "delete the person and everything that is theirs"),
    ):
        p = person.add_parser(name, help=text)
        p.add_argument("tenant_id")
        p.add_argument("person", metavar="EMAIL_OR_ID", help="the person's email or id")
        add_db(p)
        p.set_defaults(func=func)

    copy = sub.add_parser("backup", help="copy the database consistently while the service runs")
    copy.add_argument("--to", required=True, metavar="PATH", help="file to write")
    copy.add_argument("--force", action="store_true", help="replace PATH if it exists")
    add_db(copy)
    copy.set_defaults(func=cmd_backup)

    move = sub.add_parser(
        "migrate-data",
        help="copy tenants to another database (from SQLite to PostgreSQL), counts checked",
        description="Copy one tenant, several or all from one database to another, typically"
        " from a SQLite file to PostgreSQL: in one transaction on the target, refused if a"
        " tenant is there already, with the rows of every table counted on both sides.",
    )
    move.add_argument(
        "--from", dest="source", required=True, metavar="FILE_OR_URL", help="where they are"
    )
    move.add_argument(
        "--to", dest="target", required=True, metavar="URL", help="where they go (migrated)"
    )
    move.add_argument(
        "--tenant",
        action="append",
        default=[],
        metavar="TENANT_ID",
        help="copy this tenant (repeatable; default: every tenant of the source)",
    )
    move.set_defaults(func=cmd_migrate_data)
