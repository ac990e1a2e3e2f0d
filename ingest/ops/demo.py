"""``leadsource demo``: a fresh tenant and form, the service, and a sample website.

On SQLite the demo makes a fresh file. A PostgreSQL database (``--postgres URL``) is long-lived
and may hold earlier demos or real tenants, so the demo never touches what is there: it
takes the first free tenant id of ``demo``, ``demo-2``, ``demo-3``... (a second run just works,
and there is no command that deletes a tenant, so refusing would leave the user stuck).
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ingest import storage
from ingest.config import REPO_ROOT, Settings
from ingest.domain import accounts
from ingest.edge import snippets
from ingest.ops.demo_leads import name_campaigns, work_leads
from ingest.ops.generate import generate
from ingest.storage import POSTGRES, Connection, admin, dialect_of
from ingest.storage import accounts as accounts_store
from ingest.storage.reads import Form, StoreError, tenant_exists

DEMO_SITE = REPO_ROOT / "demo_site"
TENANT = "demo"
MAX_DEMOS = 1000  # demo-2 ... demo-1000 on one PostgreSQL database


DEMO_USER = "admin@demo.example"
DEMO_PERSONS = 300
# About one lead in twelve comes by the site's chat (the Marketing dashboard's chat tile).
DEMO_CHAT = 12
DEMO_SEED = 2026


def _port(host: str, wanted: int) -> int:
    """The wanted port if it is free, else any free one, so the demo starts anywhere."""
    for candidate in (wanted, 0):
        with socket.socket() as sock:
            try:
                sock.bind((host, candidate))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise SystemExit(f"no free port on {host}")


def _free_tenant(conn: Connection) -> str:
    """``demo``, or the first of ``demo-2``, ``demo-3``... that no earlier demo took."""
    for n in range(1, MAX_DEMOS + 1):
        tenant_id = TENANT if n == 1 else f"{TENANT}-{n}"
        if not tenant_exists(conn, tenant_id):
            return tenant_id
    raise StoreError(f"{MAX_DEMOS} demo tenants on this database already; use another one")


def _shown(url: str) -> str:
    """The database's URL without its password, to print."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def run_demo(*, db_path: str | None, host: str, port: int, site_port: int) -> None:
    if db_path is None:
        db_path = str(Path(tempfile.mkdtemp(prefix="leadsource-demo-")) / "demo.db")
    elif dialect_of(db_path) != POSTGRES and Path(db_path).exists():
        raise SystemExit(f"{db_path} exists; the demo wants a fresh file")
    port, site_port = _port(host, port), _port(host, site_port)
    if site_port == port:
        site_port = _port(host, 0)
    ingest_url = f"http://{host}:{port}"
    site_url = f"http://{host}:{site_port}"
    settings = Settings.from_env(db_path=db_path, base_url=ingest_url)
    origins = [site_url, f"http://localhost:{site_port}"]

    def setup(conn: Connection) -> tuple[str, str, Form, str, str]:
        # Chosen in the transaction that creates it: of two demos starting at the same
        # instant, the second is told the tenant exists, and the next run takes another id.
        tenant_id = _free_tenant(conn) if dialect_of(db_path) == POSTGRES else TENANT
        api_key = admin.create_tenant(conn, tenant_id, origins, True)
        form = admin.create_form(
            conn,
            tenant_id,
            name="Contact us",
            thank_you_url=f"{site_url}/thanks.html",
            published=True,
            custom_fields=[],
        )
        # The marketer's app: an admin of the demo tenant, with a password shown once.
        email = DEMO_USER if tenant_id == TENANT else f"{tenant_id}@demo.example"
        if accounts_store.user_by_email(conn, email) is None:
            _, password = accounts.create(conn, email, tenant_id, "admin", None)
        else:
            accounts.update(conn, email, tenant_id=tenant_id, role_name="admin")
            password = "(the password it already has)"
        return tenant_id, api_key, form, email, password

    try:
        tenant_id, api_key, form, email, password = storage.transaction(db_path, setup)
        # Realistic history at once: persons from several campaigns and channels over the
        # last months, written by the same jobs as real submissions.
        made = generate(db_path, tenant_id, DEMO_PERSONS, seed=DEMO_SEED, chat_one_in=DEMO_CHAT)
        # Its leads worked: statuses moved on with their history, owners, a few customers.
        work_leads(db_path, tenant_id, seed=DEMO_SEED)
        # Named campaigns on the Links page, owning some of the traffic's utm_campaign values.
        name_campaigns(db_path, tenant_id)
    except StoreError as exc:
        raise SystemExit(f"leadsource: {exc}") from None
    context = {
        "script_tag": snippets.script_tag(ingest_url, tenant_id),
        "embed_html": snippets.embed_html(ingest_url, form),
        "hosted_url": snippets.hosted_url(ingest_url, form),
    }
    import uvicorn

    from ingest.app import create_app
    from ingest.ops.cli import server_options
    from ingest.ops.site import create_site_app

    site_app = create_site_app(DEMO_SITE, context)

    banner = f"""
Leadsource demo
  database      {_shown(db_path)}
  tenant        {tenant_id}
  ingest        {ingest_url}
  website       {site_url}
  app           {ingest_url}/app/login
                {email} / {password}
  history       {made["persons"]} generated persons, {made["submissions"]} submissions

1. First touch: open the LinkedIn ad link, then close the tab.
   {site_url}/?utm_source=linkedin&utm_medium=paid_social&utm_campaign=webinar_sept
2. Come back through the Facebook ad, browse to Contact, and send the form.
   {site_url}/?utm_source=facebook&utm_medium=paid_social&utm_campaign=retargeting
3. See the person's sources (first touch linkedin, lead creation facebook):
   curl -H 'Authorization: Bearer {api_key}' '{ingest_url}/api/v1/persons?email=YOUR_EMAIL'

A hosted form opened by a direct tagged link (no first touch beyond the link itself):
   {context["hosted_url"]}?utm_source=newsletter&utm_medium=email&utm_campaign=november

Ctrl-C stops both servers.
"""

    async def serve() -> None:
        servers = [
            uvicorn.Server(
                uvicorn.Config(
                    create_app(settings), host=host, port=port, **server_options(settings)
                )
            ),
            uvicorn.Server(
                uvicorn.Config(site_app, host=host, port=site_port, log_level="warning")
            ),
        ]
        running = [asyncio.create_task(server.serve()) for server in servers]
        # The addresses are printed once both servers listen (a browser or a test opening
        # them at once must not be refused), or not at all when one failed to start.
        while not all(server.started for server in servers):
            if any(task.done() for task in running):
                break
            await asyncio.sleep(0.05)
        else:
            print(banner, flush=True)
        await asyncio.gather(*running)

    asyncio.run(serve())


def postgres_url(value: str) -> str:
    if dialect_of(value) != POSTGRES:
        raise argparse.ArgumentTypeError("give a postgresql://user@host/database URL")
    return value


def cmd_demo(args: argparse.Namespace) -> None:
    run_demo(
        db_path=args.postgres or args.db, host=args.host, port=args.port, site_port=args.site_port
    )


def add_command(sub: argparse._SubParsersAction) -> None:
    """Add ``demo`` to ``leadsource``'s subcommands."""
    demo = sub.add_parser("demo", help="run the demo: service and a sample website")
    where = demo.add_mutually_exclusive_group()
    where.add_argument("--db", help="SQLite file to create (default: a fresh temporary one)")
    where.add_argument(
        "--postgres",
        type=postgres_url,
        metavar="URL",
        help="a PostgreSQL database to run on instead (a new demo tenant each run)",
    )
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000, help="ingest port (0: any free)")
    demo.add_argument("--site-port", type=int, default=8080, help="website port (0: any free)")
    demo.set_defaults(func=cmd_demo)
