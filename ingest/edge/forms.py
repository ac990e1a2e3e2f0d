"""Form endpoints: the hosted form page, submissions (native and JSON), the thank-you page."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import Message

from ingest.domain.privacy import private_params_removed
from ingest.domain.submissions import record, touches_from_fields
from ingest.domain.touch import (
    handed_touches,
    params_from_query,
)
from ingest.domain.validation import (
    is_campaign_key,
    load_json,
    valid_submission_id,
    valid_visitor_id,
    validate,
)
from ingest.edge import limits, origins
from ingest.edge.bodies import read_body
from ingest.edge.limits import RateLimited
from ingest.edge.origins import origin_of, own_origin
from ingest.edge.snippets import form_path, visible_fields
from ingest.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    FormNotPublished,
    NotFound,
    Unavailable,
    UnsupportedMediaType,
    ValidationFailed,
    wants_json,
)
from ingest.storage import WriterClosed
from ingest.storage.reads import Form, Tenant, new_id

MAX_FIELDS = 200
# Fields a JSON post may send as JSON values: touches as objects, the history as an array.
JSON_TOUCH_FIELDS: dict[str, type | tuple[type, ...]] = {
    "ls_first_touch": (dict, list),
    "ls_latest_touch": (dict, list),
    "ls_touches": list,
}


async def _load(request: Request) -> tuple[Tenant, Form]:
    params = request.path_params
    tenant, form = await request.state.settings_cache.tenant_and_form(
        request.state.db, params["tenant_id"], params["form_id"]
    )
    if tenant is None or form is None:
        raise NotFound("There is no such form. Check the link you followed.")
    return tenant, form


def _form_context(
    request: Request,
    form: Form,
    *,
    values: dict[str, str],
    hidden: dict[str, str],
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "form": form,
        "fields": visible_fields(form),
        "values": values,
        "hidden": hidden,
        "errors": errors or {},
        "action": form_path(form),
    }


async def form_endpoint(request: Request) -> Response:
    if request.method == "POST":
        return await submit(request)
    tenant, form = await _load(request)
    if request.method == "OPTIONS":
        return origins.preflight(request, tenant, allow_headers="Content-Type, Idempotency-Key")
    return hosted_form(request, tenant, form)


def hosted_form(request: Request, tenant: Tenant, form: Form) -> Response:
    """A form reached by a direct link records that link's own UTM parameters. In an iframe
    that utm.js decorated, ``_ls`` also hands over the site's first and latest touches."""
    if not form.published:
        raise FormNotPublished("This form is not published yet.")
    limits.enforce(request, "form", tenant.tenant_id)
    hidden = {"ls_submission_id": new_id("sub")}
    if tenant.utm_transfer:
        hidden.update(params_from_query(request.query_params.multi_items()))
        handed = handed_touches(request.query_params.get("_ls"))
        keep = tenant.keep_params
        landing = private_params_removed(_public_url(request, drop=("_ls",)), keep)
        hidden["ls_landing_page"] = landing or ""
        referrer = request.headers.get("referer")
        # In a decorated iframe the Referer is the customer's own page, not an arrival.
        if referrer and not handed and origin_of(referrer) != own_origin(request):
            hidden["ls_referrer"] = private_params_removed(referrer, keep) or ""
        hidden.update(handed)
    # The page carries a submission id: a shared cache must never hand it to another visitor.
    return request.app.state.templates.TemplateResponse(
        request,
        "form.html",
        _form_context(request, form, values={}, hidden=hidden),
        headers={"Cache-Control": "no-store"},
    )


def _public_url(request: Request, *, drop: tuple[str, ...] = ()) -> str:
    """The address of this request under the base URL (the ``Host`` header is not ours)."""
    url = request.state.settings.public_base + request.url.path
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in drop]
    return f"{url}?{urlencode(query)}" if query else url


async def _read_body(request: Request) -> bytes:
    limit = request.state.settings.max_body_bytes
    return await read_body(
        request,
        limit,
        f"The submission is too large (at most {limit // 1024} KB). Shorten the longest "
        "answers and send it again.",
    )


async def _read_fields(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "")
    body = await _read_body(request)
    if content_type.startswith("application/json"):
        try:
            data = load_json(body)
        except (ValueError, RecursionError):  # deep nesting exhausts the parser's stack
            raise BadRequest("The body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise BadRequest("The body must be a JSON object of field names and values.")
        if len(data) > MAX_FIELDS:
            raise BadRequest(f"A submission can have at most {MAX_FIELDS} fields.")
        fields: dict[str, str] = {}
        wrong: dict[str, str] = {}
        for key, value in data.items():
            # The script's touches may come as JSON values rather than JSON strings.
            if isinstance(value, JSON_TOUCH_FIELDS.get(key, ())):
                fields[key] = json.dumps(value)
            elif isinstance(value, str):
                fields[key] = value
            elif isinstance(value, int | float) and not isinstance(value, bool):
                fields[key] = str(value)
            elif value is not None:
                wrong[key] = "Must be a string."
        if wrong:
            raise ValidationFailed("Some fields have values of the wrong type.", wrong)
        return fields
    if content_type.startswith("application/x-www-form-urlencoded"):
        # The body is already read and bounded: the standard library's parser takes it in
        # one call (Starlette's streaming parser costs several times more per field). As in
        # Starlette, bytes are Latin-1 and escapes UTF-8.
        try:
            pairs = parse_qsl(
                body.decode("latin-1"), keep_blank_values=True, max_num_fields=MAX_FIELDS
            )
        except ValueError:
            raise BadRequest(
                f"The form data could not be read. A form can have at most {MAX_FIELDS} fields."
            ) from None
        fields = {}
        for key, value in pairs:
            # The first value of a repeated name wins, as it does for URL parameters.
            fields.setdefault(key, value)
        return fields
    if content_type.startswith("multipart/form-data"):

        async def replay() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        # The form parser reads a stream; give it the bounded body we already hold.
        bounded = Request(request.scope, replay)
        try:
            async with bounded.form(max_files=0, max_fields=MAX_FIELDS) as form:
                fields = {}
                for key, value in form.multi_items():
                    # The first value of a repeated name wins, as it does for URL parameters.
                    if key not in fields and not isinstance(value, UploadFile):
                        fields[key] = value
                return fields
        except HTTPException as exc:  # Starlette's answer to a body its parser refuses
            raise BadRequest(
                f"The form data could not be read ({exc.detail}). A form can have at most "
                f"{MAX_FIELDS} fields and no files."
            ) from None
    raise UnsupportedMediaType(
        "Send the form as application/x-www-form-urlencoded, multipart/form-data or JSON."
    )


async def submit(request: Request) -> Response:
    tenant, form = await _load(request)
    as_json = wants_json(request)
    # Error responses need these too, or a cross-origin fetch cannot read the field errors.
    request.state.cors_headers = origins.cors_headers(request, tenant)
    if not origins.request_allowed(request, tenant):
        raise Forbidden(
            "This website is not allowed to send submissions to this form. "
            "An administrator can add it with `leadsource tenant update --origin`."
        )
    if not form.published:
        raise FormNotPublished("This form is not published, so it does not accept submissions yet.")
    raw = await _read_fields(request)
    try:
        limits.enforce(request, "submit", tenant.tenant_id)
    except RateLimited as limited:
        if as_json:
            raise
        # The visitor's answers are not lost: the form comes back filled in, to send again.
        return _reshow(
            request,
            form,
            raw,
            raw.get("ls_submission_id", ""),
            status=429,
            notice=limited.message,
            headers={"Retry-After": str(limited.retry_after)},
        )
    clean = validate(raw, form.custom_fields)

    # The first id given counts; a malformed one anywhere is a client's bug, said as such.
    given = [
        value
        for value in (
            raw.get("ls_submission_id"),
            raw.get("submission_id"),
            request.headers.get("idempotency-key"),
        )
        if value
    ]
    submission_id = given[0] if given else ""
    if not all(valid_submission_id(value) for value in given):
        if as_json:
            clean.errors["submission_id"] = "Must be 8-64 characters of A-Z, a-z, 0-9, _ and -."
        if not valid_submission_id(submission_id):
            submission_id = ""

    if clean.errors:
        if as_json:
            raise ValidationFailed("Some fields need fixing.", clean.errors)
        return _reshow(request, form, raw, submission_id, status=422, errors=clean.errors)

    now = datetime.now(UTC)
    touches = touches_from_fields(raw, now, tenant.keep_params)
    # Not campaign data: kept with UTM transfer off too, as page views are. A malformed one
    # is dropped, like a malformed touch, rather than refusing the lead.
    visitor_id = raw.get("ls_visitor_id")
    job = functools.partial(
        record,
        tenant_id=tenant.tenant_id,
        form_id=form.form_id,
        submission_id=submission_id or new_id("sub"),
        clean=clean,
        touches=touches,
        utm_transfer=tenant.utm_transfer,
        visitor_id=visitor_id if valid_visitor_id(visitor_id) else None,
    )
    try:
        recorded = await request.state.db.write(job, pipelined=True)
    except WriterClosed:
        raise Unavailable("The service is shutting down; please send the form again.") from None
    except Conflict:
        if as_json:
            raise
        # A page sent, then changed and sent again from the back button: a new submission,
        # once the visitor confirms it (the form comes back filled in, with a new id).
        return _reshow(
            request,
            form,
            raw,
            new_id("sub"),
            status=409,
            notice="This form was already sent with different answers.",
        )

    settings = request.state.settings
    thank_you = form.thank_you_url or f"{settings.public_base}{form_path(form)}/thanks"
    if as_json:
        return JSONResponse(
            {"submission_id": recorded.submission_id, "thank_you_url": thank_you},
            status_code=201,
            headers={**request.state.cors_headers, "Cache-Control": "no-store"},
        )
    return RedirectResponse(thank_you, status_code=303)


def _reshow(
    request: Request,
    form: Form,
    raw: dict[str, str],
    submission_id: str,
    *,
    status: int,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The form again, filled in with what the visitor sent, to fix or simply send again."""
    values = {k: v for k, v in raw.items() if not is_campaign_key(k)}
    # Campaign data rides along in hidden fields, so sending again loses none of it.
    hidden = {k: v for k, v in raw.items() if is_campaign_key(k)}
    hidden["ls_submission_id"] = submission_id or new_id("sub")
    context = _form_context(request, form, values=values, hidden=hidden, errors=errors)
    context["notice"] = notice
    return request.app.state.templates.TemplateResponse(
        request,
        "form.html",
        context,
        status_code=status,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


async def thanks(request: Request) -> Response:
    _, form = await _load(request)
    return request.app.state.templates.TemplateResponse(request, "thanks.html", {"form": form})
