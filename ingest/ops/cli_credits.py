"""``leadsource credits recompute [--tenant T] [--check]``: the kept attribution credits
recomputed from the raw data (persons, submissions, their touches, deals), each tenant in one
transaction with its rollups summed again; ``--check`` changes nothing, lists where what is
kept differs from the recomputation (and the rollups from the kept credits' sums) and exits
1 when anything does. The rules: ``ingest/domain/credits``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from ingest import storage
from ingest.domain import credits
from ingest.domain.credits import follower
from ingest.storage import credits as store
from ingest.storage.reads import StoreError

SHOWN = 50  # differences printed per tenant


def cmd_recompute(args: argparse.Namespace) -> None:
    from ingest.config import Settings

    settings = Settings.from_env(db_path=args.db)
    with storage.migrated(settings.db_path) as conn:
        if args.tenant is not None:
            if not store.tenant_exists(conn, args.tenant):
                raise StoreError(f"no tenant {args.tenant!r}")
            tenants = [args.tenant]
        else:
            tenants = store.tenant_ids(conn)
        if args.check:
            failed = False
            for tenant_id in tenants:
                found = storage.in_transaction(
                    conn, lambda c, t=tenant_id: credits.differences(c, t)
                )
                failed = failed or bool(found)
                for line in found[:SHOWN]:
                    print(f"{tenant_id}: {line}")
                if len(found) > SHOWN:
                    print(f"{tenant_id}: ... and {len(found) - SHOWN} more")
            print(json.dumps({"tenants": tenants, "same": not failed}))
            if failed:
                raise SystemExit(1)
            return
        started = time.perf_counter()
        done = {}
        for tenant_id in tenants:
            follower.catch_up(conn, tenant_id)
            done[tenant_id] = storage.in_transaction(
                conn, lambda c, t=tenant_id: store.conversion_count(c, t)
            )
        print(
            json.dumps(
                {"conversions": done, "seconds": round(time.perf_counter() - started, 2)},
                indent=2,
            )
        )


def add_commands(sub: Any, with_db: Callable[[Any], None]) -> None:
    group = sub.add_parser("credits", help="kept attribution credits")
    actions = group.add_subparsers(dest="credits_command", required=True)
    recompute = actions.add_parser(
        "recompute",
        help="recompute every conversion's credits and the rollups from the raw data",
        description="Recompute every conversion's credits (each model offered, the default"
        " 90-day lookback) and the rollups from persons, submissions, touches and deals."
        " With --check, change nothing: list the differences from what is kept and exit 1"
        " if there are any.",
    )
    recompute.add_argument("--tenant", metavar="TENANT_ID", help="one tenant (default: all)")
    recompute.add_argument(
        "--check", action="store_true", help="compare only; exit 1 on a difference"
    )
    with_db(recompute)
    recompute.set_defaults(func=cmd_recompute)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run it as: leadsource credits recompute")
