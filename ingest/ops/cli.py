"""The ``leadsource`` command: serve, tenant and form administration, and the demo; the
operator's commands (prune, person, backup) are in ``cli_ops.py``, users of the app in
``cli_users.py``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from ingest import storage
from ingest.config import Settings
from ingest.domain import form_fields
from ingest.domain.validation import valid_field_name
from ingest.edge import snippets, tracker
from ingest.ops import cli_credits, cli_ops, cli_users, demo, generate
from ingest.ops.cli_ops import parse_retention_days
from ingest.storage import Connection, admin
from ingest.storage import reads as store

T = TypeVar("T")


class UsageError(Exception):
    pass


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        db_path=getattr(args, "db", None), base_url=getattr(args, "base_url", None)
    )


def in_transaction(db_path: str, work: Callable[[Connection], T]) -> T:
    """Run one administrative change in its own committed transaction."""
    return storage.transaction(db_path, work)


def parse_origin(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an origin; give scheme and host, like https://www.example.com"
        )
    return f"{parts.scheme}://{parts.netloc}".lower()


def parse_url(value: str) -> str:
    if not value.strip():
        return ""  # clears the setting
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise argparse.ArgumentTypeError(f"{value!r} must be an absolute http(s) URL")
    return value.strip()


def parse_param(value: str) -> str:
    name = value.strip()
    if not 1 <= len(name) <= 64 or any(c in name for c in "&=#?") or not name.isprintable():
        raise argparse.ArgumentTypeError(f"{value!r} is not a usable query parameter name")
    return name


def parse_on_off(value: str) -> bool:
    if value.lower() in ("on", "true", "yes", "1"):
        return True
    if value.lower() in ("off", "false", "no", "0"):
        return False
    raise argparse.ArgumentTypeError("use on or off")


def parse_field(value: str) -> dict[str, Any]:
    """NAME[:LABEL][:FLAGS] -> a custom field definition; FLAGS is comma-separated:
    ``required`` and a type (``textarea``, ``email``, ``tel``, ``url``, ``number``,
    ``checkbox``), e.g. ``budget:Budget:required,number``."""
    name, _, rest = value.partition(":")
    # The last part is FLAGS only when it is made of flags: a label may hold colons.
    label, _, flags = rest.rpartition(":")
    if not label or not all(f == "required" or f in form_fields.TYPES for f in flags.split(",")):
        label, flags = rest, ""
    if not valid_field_name(name) or name.lower().startswith("ls_") or name.startswith("utm_"):
        raise argparse.ArgumentTypeError(
            f"{name!r} is not a usable field name (letters, digits, _ . -; not ls_ or utm_)"
        )
    field: dict[str, Any] = {"name": name, "label": (label or name)[:100]}
    for flag in filter(None, flags.split(",")):
        if flag == "required":
            field["required"] = True
        elif flag != "select":
            field["type"] = flag
        else:
            raise argparse.ArgumentTypeError("a choice needs its options: make it in the app")
    return field


def parse_script_options(value: str) -> tuple[str, ...]:
    """OPTION[,OPTION...] (or "none") -> the options in the build's order."""
    names = [] if value.strip().lower() in ("", "none", "default") else value.split(",")
    try:
        return tracker.script_options(names)
    except store.StoreError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _tenant_json(settings: Settings, tenant: store.Tenant) -> dict[str, Any]:
    return {
        "tenant_id": tenant.tenant_id,
        "utm_transfer": "on" if tenant.utm_transfer else "off",
        "origins": list(tenant.origins),
        "keep_params": list(tenant.keep_params),
        "script_options": list(tenant.script_options),
        "retention_days": tenant.retention_days,
        "script_tag": snippets.script_tag(settings.public_base, tenant.tenant_id),
    }


def _print(data: dict[str, Any]) -> None:
    print(json.dumps(data, indent=2))


# -- commands --------------------------------------------------------------------------


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for our settings. uvicorn believes ``X-Forwarded-*`` from loopback
    unless told otherwise; we believe them only from ``LEADSOURCE_TRUSTED_PROXIES``."""
    from ingest.ops.logs import log_config

    proxies = list(settings.trusted_proxies)
    return {
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": proxies,
        "server_header": False,
        "access_log": False,  # ours (edge.Edge) keeps no addresses or query strings
        "log_config": log_config(),
    }


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from ingest.app import create_app, tune_server_process

    settings = _settings(args)
    tune_server_process()
    options = {"host": args.host, "port": args.port, **server_options(settings)}
    if args.workers == 1:
        uvicorn.run(create_app(settings), **options)
        return
    if settings.db_path != ":memory:" and storage.dialect_of(settings.db_path) == storage.SQLITE:
        print(
            "leadsource: several workers on one SQLite file take turns for its write lock;"
            " PostgreSQL lets them write at once",
            file=sys.stderr,
        )
    # Each worker process builds its app from the environment: pass on what was given here.
    os.environ["LEADSOURCE_DB"] = settings.db_path
    os.environ["LEADSOURCE_BASE_URL"] = settings.base_url
    uvicorn.run("ingest.app:app_from_env", factory=True, workers=args.workers, **options)


def cmd_tenant_create(args: argparse.Namespace) -> None:
    settings = _settings(args)

    def work(conn: Connection) -> tuple[str, store.Tenant]:
        api_key = admin.create_tenant(
            conn,
            args.tenant_id,
            args.origin,
            args.utm_transfer,
            args.keep_param,
            options=args.script_options,
            retention_days=args.retention_days,
        )
        return api_key, admin.get_tenant(conn, args.tenant_id)

    api_key, tenant = in_transaction(settings.db_path, work)
    _print({"api_key": api_key, **_tenant_json(settings, tenant)})


def cmd_tenant_update(args: argparse.Namespace) -> None:
    settings = _settings(args)
    origins = [] if args.clear_origins else (args.origin or None)

    def work(conn: Connection) -> tuple[store.Tenant, str | None]:
        return admin.update_tenant(
            conn,
            args.tenant_id,
            origins=origins,
            utm_transfer=args.utm_transfer,
            options=args.script_options,
            rotate_key=args.rotate_key,
            keep_params=[] if args.clear_keep_params else (args.keep_param or None),
            retention_days=args.retention_days,
        )

    tenant, api_key = in_transaction(settings.db_path, work)
    out = _tenant_json(settings, tenant)
    if api_key:
        out["api_key"] = api_key
    _print(out)


def _form_json(settings: Settings, form: store.Form) -> dict[str, Any]:
    return {
        "form_id": form.form_id,
        "tenant_id": form.tenant_id,
        "name": form.name,
        "published": form.published,
        "thank_you_url": form.thank_you_url,
        "thank_you_message": form.thank_you_message,
        "fields": form.custom_fields,
        "hosted_url": snippets.hosted_url(settings.public_base, form),
        "embed_html": snippets.embed_html(settings.public_base, form),
        "script_tag": snippets.script_tag(settings.public_base, form.tenant_id),
    }


def cmd_form_create(args: argparse.Namespace) -> None:
    settings = _settings(args)
    names = [f["name"] for f in args.field]
    if len(set(names)) != len(names) or {"email", "first_name", "last_name", "company"} & set(
        names
    ):
        raise UsageError("custom field names must be unique and not a standard field")
    form = in_transaction(
        settings.db_path,
        lambda conn: admin.create_form(
            conn,
            args.tenant_id,
            name=args.name,
            thank_you_url=args.thank_you,
            published=args.publish,
            custom_fields=args.field,
            thank_you_message=args.thank_you_message,
        ),
    )
    _print(_form_json(settings, form))


def cmd_form_update(args: argparse.Namespace) -> None:
    settings = _settings(args)
    form = in_transaction(
        settings.db_path,
        lambda conn: admin.update_form(
            conn,
            args.tenant_id,
            args.form_id,
            published=args.published,
            thank_you_url=args.thank_you,
            thank_you_message=args.thank_you_message,
        ),
    )
    _print(_form_json(settings, form))


# -- parser ----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leadsource", description="Lead-source attribution: ingest service and admin."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def with_db(p: argparse.ArgumentParser, base_url: bool = False) -> None:
        p.add_argument("--db", help="SQLite file or postgresql:// URL (default: $LEADSOURCE_DB)")
        if base_url:
            p.add_argument(
                "--base-url", help="public URL of the service (default: $LEADSOURCE_BASE_URL)"
            )

    serve = sub.add_parser("serve", help="run the ingest service")
    with_db(serve, base_url=True)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes serving the one port (each with its own pool or writer)",
    )
    serve.set_defaults(func=cmd_serve)

    options_help = (
        "the optional parts of utm.js the tenant's sites get, comma-separated, or none: "
        + "; ".join(f"{name}: {text}" for name, text in tracker.SCRIPT_OPTIONS.items())
    )
    tenant = sub.add_parser("tenant", help="create or change a tenant").add_subparsers(
        dest="tenant_command", required=True
    )
    create = tenant.add_parser("create", help="create a tenant and print its API key")
    create.add_argument("tenant_id")
    create.add_argument(
        "--origin",
        action="append",
        type=parse_origin,
        default=[],
        help="a website origin allowed to post forms (repeatable)",
    )
    create.add_argument(
        "--utm-transfer",
        type=parse_on_off,
        default=True,
        metavar="on|off",
        help="keep campaign data of submissions (default on)",
    )
    create.add_argument(
        "--script-options",
        type=parse_script_options,
        default=(),
        metavar="OPTION[,OPTION...]",
        help=options_help + " (default none)",
    )
    create.add_argument(
        "--keep-param",
        action="append",
        type=parse_param,
        default=[],
        metavar="NAME",
        help="a query parameter kept in stored landing pages and referrers (repeatable)",
    )
    create.add_argument(
        "--retention-days",
        type=parse_retention_days,
        default=0,
        metavar="N",
        help="days to keep page views and sessions (leadsource prune); 0: forever (default)",
    )
    with_db(create, base_url=True)
    create.set_defaults(func=cmd_tenant_create)

    update = tenant.add_parser("update", help="change a tenant's settings")
    update.add_argument("tenant_id")
    update.add_argument(
        "--origin",
        action="append",
        type=parse_origin,
        help="replace the allowed origins with these (repeatable)",
    )
    update.add_argument("--clear-origins", action="store_true", help="allow posts from any origin")
    update.add_argument("--utm-transfer", type=parse_on_off, metavar="on|off")
    update.add_argument(
        "--script-options",
        type=parse_script_options,
        metavar="OPTION[,OPTION...]",
        help=options_help + " (replaces the current list)",
    )
    update.add_argument(
        "--rotate-key",
        action="store_true",
        help="revoke every active API key and issue a new one, named default",
    )
    update.add_argument(
        "--keep-param",
        action="append",
        type=parse_param,
        metavar="NAME",
        help="replace the kept query parameters with these (repeatable)",
    )
    update.add_argument(
        "--clear-keep-params", action="store_true", help="keep no other query parameters"
    )
    update.add_argument(
        "--retention-days",
        type=parse_retention_days,
        metavar="N",
        help="days to keep page views and sessions (leadsource prune); 0: forever",
    )
    with_db(update, base_url=True)
    update.set_defaults(func=cmd_tenant_update)

    form = sub.add_parser("form", help="create or change forms").add_subparsers(
        dest="form_command", required=True
    )
    fcreate = form.add_parser("create", help="create a form and print its snippets")
    fcreate.add_argument("tenant_id")
    fcreate.add_argument("--name", required=True)
    fcreate.add_argument("--thank-you", type=parse_url, help="URL to send visitors to")
    fcreate.add_argument("--thank-you-message", help="text of the hosted thank-you page")
    fcreate.add_argument("--publish", action="store_true", help="accept submissions now")
    fcreate.add_argument(
        "--field",
        action="append",
        type=parse_field,
        default=[],
        metavar="NAME[:LABEL][:FLAGS]",
        help="a field of its own (repeatable); FLAGS: required and a type, comma-separated,"
        " e.g. budget:Budget:required,number",
    )
    with_db(fcreate, base_url=True)
    fcreate.set_defaults(func=cmd_form_create)

    fupdate = form.add_parser("update", help="publish, unpublish or retarget a form")
    fupdate.add_argument("tenant_id")
    fupdate.add_argument("form_id")
    state = fupdate.add_mutually_exclusive_group()
    state.add_argument("--publish", dest="published", action="store_const", const=True)
    state.add_argument("--unpublish", dest="published", action="store_const", const=False)
    fupdate.add_argument("--thank-you", type=parse_url)
    fupdate.add_argument("--thank-you-message", help='text of the hosted thank-you page ("": ours)')
    with_db(fupdate, base_url=True)
    fupdate.set_defaults(func=cmd_form_update)

    cli_ops.add_commands(sub, with_db)
    cli_users.add_commands(sub, with_db)
    cli_credits.add_commands(sub, with_db)
    generate.add_command(sub, with_db)

    demo.add_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (store.StoreError, UsageError) as exc:
        print(f"leadsource: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
