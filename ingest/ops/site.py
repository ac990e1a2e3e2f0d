"""A tiny server for a customer's website: the demo site, and the browser tests' pages.

Pages are Jinja templates in one directory, rendered with the tenant's script tag and
embed snippet, the way a web developer would have pasted them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

_PAGE = re.compile(r"^[a-z0-9][a-z0-9_-]*\.html$")


def create_site_app(directory: str | Path, context: dict[str, Any]) -> Starlette:
    """``context`` is read on every request, so a test may change it between pages."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(directory)), autoescape=True, auto_reload=True
    )

    async def page(request: Request) -> Response:
        name = request.path_params.get("page", "index.html")
        if not _PAGE.match(name):
            return HTMLResponse("<h1>Not found</h1>", status_code=404)
        try:
            template = env.get_template(name)
        except jinja2.TemplateNotFound:
            return HTMLResponse("<h1>Not found</h1>", status_code=404)
        return HTMLResponse(template.render(**context))

    return Starlette(routes=[Route("/", page), Route("/{page}", page)])
