"""The Import page: existing contacts from a CSV file, in three steps on one page. Upload the
file; check the columns the page guessed for email, names and company and see what every
row will do (a dry run: new person, already known, a repeat, or an error with its reason);
import, every row or none (``ingest/domain/importing.py``).

Every step is a multipart post: the file's text travels back with the form (a hidden
field), so the service keeps nothing between steps."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ingest.domain import importing
from ingest.storage import WriterClosed
from ingest.webapp import access
from ingest.webapp.access import Member
from ingest.webapp.render import render

SHOWN = 50  # rows listed per outcome; errors are all listed
FLASH = "import_flash"


async def page(request: Request, member: Member) -> Response:
    if request.method != "POST":
        return _render(request, member)
    posted = await access.form(request)
    data = await access.uploaded(request, "file")
    if data is None or not data:
        data = posted.get("csv", "").encode()
    if not data:
        return _render(request, member, error="Choose a CSV file to import.", status=422)
    try:
        table = importing.read_csv(data)
    except importing.ImportRefused as refused:
        return _render(request, member, error=str(refused), status=422)
    if "step" in posted and posted.get("step") != "read":
        mapping = _chosen(posted, len(table.headers))
    else:
        mapping = importing.guess_mapping(table.headers)
    context: dict[str, Any] = {"table": table, "mapping": mapping, "csv_text": _text(data)}
    db = request.state.db
    tenant_id = member.tenant_id
    try:
        if posted.get("step") == "run":
            tenant = await request.state.settings_cache.tenant(db, tenant_id)
            skip = posted.get("skip_errors") == "on"
            done = await db.write(
                lambda conn: importing.run(
                    conn,
                    tenant_id=tenant_id,
                    table=table,
                    mapping=mapping,
                    skip_errors=skip,
                    utm_transfer=tenant.utm_transfer,
                )
            )
            message = f"Imported {done.count('new')} new person(s)."
            if done.count("known"):
                message += f" {done.count('known')} already known, left as they were."
            request.session[FLASH] = message
            return RedirectResponse(member.url("import?done=1"), status_code=303)
        context["plan"] = await db.read(importing.plan, tenant_id, table, mapping)
    except importing.ImportRefused as refused:
        context["error"] = str(refused)
        return _render(request, member, status=422, **context)
    except WriterClosed:
        context["error"] = "The service is shutting down; nothing was imported. Try again."
        return _render(request, member, status=503, **context)
    return _render(request, member, **context)


def _chosen(posted: Any, width: int) -> dict[str, int]:
    mapping = {}
    for target in importing.TARGETS:
        value = posted.get(f"map_{target}", "")
        if value.isdigit() and int(value) < width:
            mapping[target] = int(value)
    return mapping


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _render(request: Request, member: Member, status: int = 200, **context: Any) -> Response:
    flash = request.session.pop(FLASH, None) if request.query_params.get("done") else None
    return render(
        request,
        "app/import.html",
        {
            "targets": importing.TARGETS,
            "shown": SHOWN,
            "max_rows": importing.MAX_ROWS,
            "max_mb": importing.MAX_BYTES >> 20,
            "flash": flash,
            **context,
        },
        viewer=member,
        status=status,
    )
