"""``leadsource user create|update``: accounts of the marketer's app. Each prints one JSON
document; a password is printed only when this command set or generated it."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from ingest import storage
from ingest.config import Settings
from ingest.domain import accounts
from ingest.storage.reads import StoreError


def _print(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def cmd_user_create(args: argparse.Namespace) -> None:
    settings = Settings.from_env(db_path=args.db)

    def work(conn: Any) -> tuple[accounts.Account, str]:
        return accounts.create(conn, args.email, args.tenant, args.role, args.password)

    account, password = storage.transaction(settings.db_path, work)
    _print(
        {
            "user_id": account.user_id,
            "email": account.email,
            "tenant_id": args.tenant,
            "role": account.tenants[args.tenant],
            "password": password,
        }
    )


def cmd_user_update(args: argparse.Namespace) -> None:
    settings = Settings.from_env(db_path=args.db)
    if (args.role or args.remove) and not args.tenant:
        raise StoreError("--role and --remove need --tenant")
    password = accounts.generate_password() if args.new_password else args.password

    def work(conn: Any) -> accounts.Account:
        return accounts.update(
            conn,
            args.email,
            tenant_id=args.tenant,
            role_name=args.role,
            remove=args.remove,
            password=password,
        )

    result = storage.transaction(settings.db_path, work).as_json()
    if password is not None:
        result["password"] = password
    _print(result)


def add_commands(sub: Any, with_db: Callable[[argparse.ArgumentParser], None]) -> None:
    roles = ", ".join(accounts.ROLES)
    user = sub.add_parser(
        "user", help="create or change accounts of the marketer's app"
    ).add_subparsers(dest="user_command", required=True)

    create = user.add_parser(
        "create",
        help="create a user with a role in one tenant; prints the password",
        description="Create a user who signs in at /app/login, with a role in one tenant "
        f"({roles}; owner is admin). Without --password one is generated and printed once. "
        "To add an existing user to another tenant, use user update --tenant --role.",
    )
    create.add_argument("email")
    create.add_argument("--tenant", required=True, metavar="TENANT_ID")
    create.add_argument("--role", required=True, help=roles)
    create.add_argument("--password", help="the password (default: a generated one)")
    with_db(create)
    create.set_defaults(func=cmd_user_create)

    update = user.add_parser(
        "update",
        help="add the user to a tenant, change their role or password, or remove them",
        description="Change a user: --tenant T --role R adds them to T or changes their role "
        "there, --tenant T --remove takes them out of T; --password P or --new-password sets "
        "a new password, which signs them out everywhere.",
    )
    update.add_argument("email")
    update.add_argument("--tenant", metavar="TENANT_ID")
    membership = update.add_mutually_exclusive_group()
    membership.add_argument("--role", help=roles)
    membership.add_argument("--remove", action="store_true", help="remove from --tenant")
    secret = update.add_mutually_exclusive_group()
    secret.add_argument("--password", help="the new password")
    secret.add_argument(
        "--new-password", action="store_true", help="generate a new password and print it"
    )
    with_db(update)
    update.set_defaults(func=cmd_user_update)
