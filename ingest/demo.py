"""``leadsource demo``: a fresh tenant and form, the service, and a sample website."""

from __future__ import annotations

import asyncio
import socket
import tempfile
from pathlib import Path

import uvicorn

from . import admin, snippets
from .app import create_app
from .cli import in_transaction, server_options
from .config import REPO_ROOT, Settings
from .site import create_site_app
from .storage import Connection
from .store import Form

DEMO_SITE = REPO_ROOT / "demo_site"
TENANT = "demo"


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


def run_demo(*, db_path: str | None, host: str, port: int, site_port: int) -> None:
    if db_path is None:
        db_path = str(Path(tempfile.mkdtemp(prefix="leadsource-demo-")) / "demo.db")
    elif Path(db_path).exists():
        raise SystemExit(f"{db_path} exists; the demo wants a fresh file")
    port, site_port = _port(host, port), _port(host, site_port)
    if site_port == port:
        site_port = _port(host, 0)
    ingest_url = f"http://{host}:{port}"
    site_url = f"http://{host}:{site_port}"
    settings = Settings.from_env(db_path=db_path, base_url=ingest_url)
    origins = [site_url, f"http://localhost:{site_port}"]

    def setup(conn: Connection) -> tuple[str, Form]:
        api_key = admin.create_tenant(conn, TENANT, origins, True)
        form = admin.create_form(
            conn,
            TENANT,
            name="Contact us",
            thank_you_url=f"{site_url}/thanks.html",
            published=True,
            custom_fields=[],
        )
        return api_key, form

    api_key, form = in_transaction(db_path, setup)
    context = {
        "script_tag": snippets.script_tag(ingest_url, TENANT),
        "embed_html": snippets.embed_html(ingest_url, form),
        "hosted_url": snippets.hosted_url(ingest_url, form),
    }
    site_app = create_site_app(DEMO_SITE, context)

    print(
        f"""
Leadsource demo
  database      {db_path}
  ingest        {ingest_url}
  website       {site_url}

1. First touch: open the LinkedIn ad link, then close the tab.
   {site_url}/?utm_source=linkedin&utm_medium=paid_social&utm_campaign=webinar_sept
2. Come back through the Facebook ad, browse to Contact, and send the form.
   {site_url}/?utm_source=facebook&utm_medium=paid_social&utm_campaign=retargeting
3. See the person's sources (first touch linkedin, lead creation facebook):
   curl -H 'Authorization: Bearer {api_key}' '{ingest_url}/api/v1/persons?email=YOUR_EMAIL'

A hosted form opened by a direct tagged link (no first touch beyond the link itself):
   {context["hosted_url"]}?utm_source=newsletter&utm_medium=email&utm_campaign=november

Ctrl-C stops both servers.
""",
        flush=True,
    )

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
        await asyncio.gather(*(s.serve() for s in servers))

    asyncio.run(serve())
