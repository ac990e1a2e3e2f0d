"""Forms in the app (seed 001, step 5): the list with recent submissions, creating a form,
and its editor: name, fields, thank-you, publishing, the embed code and hosted link, and a
preview drawn by the same partial the visitor sees.

The field editor works without JavaScript: each row is numbered (``label_3``, ``type_3``,
``required_3``, ``options_3``), and the buttons to add, move or remove a row re-render the
page with the rows as posted (nothing saved) until "Save" stores them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ingest.clock import iso_time
from ingest.domain.form_fields import MAX_FIELDS, TYPES
from ingest.edge.snippets import embed_html, hosted_url, visible_fields
from ingest.errors import NotFound
from ingest.storage import admin, reads
from ingest.storage.reads import Form, StoreError
from ingest.webapp import access
from ingest.webapp.access import Member
from ingest.webapp.render import render

BLANK_ROWS = 1
URL_MAX = 2000


async def index(request: Request, member: Member) -> Response:
    tenant_id = member.tenant_id
    error = None
    name = ""
    if request.method == "POST":
        posted = await access.form(request)
        if "name" not in posted:  # nothing asked: nothing to do
            return RedirectResponse(member.url("forms"), status_code=303)
        name = posted["name"]
        try:
            form = await request.state.db.write(
                lambda conn: admin.create_form(
                    conn,
                    tenant_id,
                    name=name,
                    thank_you_url=None,
                    published=False,
                    custom_fields=[],
                )
            )
        except StoreError as exc:
            error = _sentence(str(exc))
        else:
            request.state.settings_cache.forget(tenant_id)
            return RedirectResponse(member.url(f"forms/{quote(form.form_id)}"), status_code=303)
    now = datetime.now(UTC)
    since = {"7d": iso_time(now - timedelta(days=7)), "30d": iso_time(now - timedelta(days=30))}
    forms = await request.state.db.read(reads.list_forms, tenant_id)
    counts = await request.state.db.read(reads.form_submission_counts, tenant_id, since)
    return render(
        request,
        "app/forms.html",
        {"forms": forms, "counts": counts, "error": error, "name": name},
        viewer=member,
        status=400 if error else 200,
    )


async def edit(request: Request, member: Member) -> Response:
    tenant_id = member.tenant_id
    form_id = request.path_params["form_id"]
    try:
        form = await request.state.db.read(admin.get_form, tenant_id, form_id)
    except StoreError:
        raise NotFound("No such form.") from None
    rows = [_row(f) for f in form.custom_fields]
    values = {
        "name": form.name,
        "thank_you_url": form.thank_you_url or "",
        "thank_you_message": form.thank_you_message or "",
    }
    error = notice = None
    status = 200
    blank = BLANK_ROWS
    if request.method == "POST":
        posted = await access.form(request)
        action = posted.get("action")
        if action is None:  # a post with no button pressed asks nothing
            return RedirectResponse(member.url(f"forms/{quote(form_id)}"), status_code=303)
        if action in ("publish", "unpublish"):
            await _save(request, tenant_id, form_id, published=action == "publish")
            return _back(member, form_id, "published" if action == "publish" else "unpublished")
        values = {key: posted.get(key, "") for key in values}
        rows = _posted_rows(posted)
        if action == "save":
            try:
                url = _thank_you_url(values["thank_you_url"])
                await _save(
                    request,
                    tenant_id,
                    form_id,
                    name=values["name"],
                    custom_fields=[_definition(r) for r in rows if r["label"].strip()],
                    thank_you_url=url,
                    thank_you_message=values["thank_you_message"],
                )
            except StoreError as exc:
                error, status = _sentence(str(exc)), 400
            else:
                return _back(member, form_id, "saved")
        else:
            rows, blank = _rearranged(rows, action)
            notice = "Not saved yet: press Save to keep these fields."
    rows = rows + [_row({}) for _ in range(max(0, min(blank, MAX_FIELDS - len(rows))))]
    base = request.state.settings.public_base
    return render(
        request,
        "app/form_edit.html",
        {
            "form": form,
            "values": values,
            "rows": rows,
            "types": TYPES,
            "error": error,
            "notice": notice,
            "done": request.query_params.get("done"),
            "embed": embed_html(base, form),
            "hosted": hosted_url(base, form),
            "preview": visible_fields(form),
            "max_fields": MAX_FIELDS,
        },
        viewer=member,
        status=status,
    )


async def _save(request: Request, tenant_id: str, form_id: str, **changes: Any) -> Form:
    form = await request.state.db.write(
        lambda conn: admin.update_form(conn, tenant_id, form_id, **changes)
    )
    request.state.settings_cache.forget(tenant_id)  # the hosted form shows it at once
    return form


def _back(member: Member, form_id: str, done: str) -> Response:
    return RedirectResponse(member.url(f"forms/{quote(form_id)}?done={done}"), status_code=303)


def _row(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": spec.get("name", ""),
        "label": spec.get("label", ""),
        "type": spec.get("type", "text"),
        "required": bool(spec.get("required")),
        "options": "\n".join(spec.get("options", [])),
    }


def _posted_rows(posted: ImmutableMultiDict[str, str]) -> list[dict[str, Any]]:
    try:
        count = min(int(posted.get("rows", "0")), MAX_FIELDS + BLANK_ROWS + 1)
    except ValueError:
        count = 0
    rows = []
    for i in range(max(0, count)):
        row = {
            "name": posted.get(f"name_{i}", ""),
            "label": posted.get(f"label_{i}", ""),
            "type": posted.get(f"type_{i}", "text"),
            "required": bool(posted.get(f"required_{i}")),
            "options": posted.get(f"options_{i}", ""),
        }
        rows.append(row)
    # Blank rows at the end are the editor's spare ones, not fields.
    while rows and not rows[-1]["label"].strip() and not rows[-1]["name"]:
        rows.pop()
    return rows


def _rearranged(rows: list[dict[str, Any]], action: str) -> tuple[list[dict[str, Any]], int]:
    verb, _, index = action.partition(":")
    try:
        i = int(index)
    except ValueError:
        i = -1
    if verb == "add":
        return rows, BLANK_ROWS + 1
    if 0 <= i < len(rows):
        if verb == "remove":
            rows = rows[:i] + rows[i + 1 :]
        elif verb == "up" and i > 0:
            rows[i - 1], rows[i] = rows[i], rows[i - 1]
        elif verb == "down" and i < len(rows) - 1:
            rows[i + 1], rows[i] = rows[i], rows[i + 1]
    return rows, BLANK_ROWS


def _definition(row: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "label": row["label"],
        "type": row["type"],
        "required": row["required"],
    }
    if row["name"]:
        spec["name"] = row["name"]  # kept: stored submissions use it
    if row["type"] == "select":
        spec["options"] = row["options"]
    return spec


def _thank_you_url(url: str) -> str:
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > URL_MAX:
        raise StoreError("the thank-you address must be a full web address, like https://…")
    return url


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")
