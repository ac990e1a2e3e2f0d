"""Errors that carry their HTTP status, and the one handler that renders them.

JSON clients get one shape, pinned by ``tests/test_errors.py``::

    {"error": {"code": "validation_failed", "message": "...", "fields": {"email": "..."}}}

``fields`` is present only for validation errors. Browsers get a readable HTML page.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response


class AppError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields


class BadRequest(AppError):
    status = 400
    code = "bad_request"


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"


class Forbidden(AppError):
    status = 403
    code = "forbidden"


class FormNotPublished(AppError):
    status = 403
    code = "form_not_published"


class NotFound(AppError):
    status = 404
    code = "not_found"


class Conflict(AppError):
    status = 409
    code = "conflict"


class PayloadTooLarge(AppError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(AppError):
    status = 415
    code = "unsupported_media_type"


class ValidationFailed(AppError):
    status = 422
    code = "validation_failed"


class Unavailable(AppError):
    status = 503
    code = "unavailable"


_STARLETTE_CODES = {400: BadRequest, 404: NotFound, 405: BadRequest, 413: PayloadTooLarge}


def wants_json(request: Request) -> bool:
    """JSON for fetch/API clients, HTML for browsers navigating."""
    if request.scope["path"].startswith("/api/") or getattr(request.state, "json_errors", False):
        return True
    if request.headers.get("content-type", "").startswith("application/json"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def error_body(error: AppError) -> dict[str, object]:
    body: dict[str, object] = {"code": error.code, "message": error.message}
    if error.fields is not None:
        body["fields"] = error.fields
    return {"error": body}


def render_error(request: Request, error: AppError) -> Response:
    headers = dict(getattr(request.state, "cors_headers", {}))
    if error.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(getattr(error, "retry_after", None), int):
        headers["Retry-After"] = str(error.retry_after)
    if wants_json(request):
        return JSONResponse(error_body(error), status_code=error.status, headers=headers)
    templates = request.app.state.templates
    # The app's pages have their own layout (and a CSP that forbids inline styles).
    page = "app/error.html" if request.scope["path"].startswith("/app") else "error.html"
    return templates.TemplateResponse(
        request, page, {"error": error}, status_code=error.status, headers=headers
    )


async def handle_app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    return render_error(request, exc)


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 413:
        error: AppError = PayloadTooLarge("The submission is too large.")
    elif exc.status_code == 404:
        error = NotFound("Nothing here.")
    else:
        error = AppError(str(exc.detail))
        error.status = exc.status_code
        error.code = _STARLETTE_CODES.get(exc.status_code, AppError).code
    response = render_error(request, error)
    # A 405 says which methods the route has (Allow), as HTTP requires.
    for name, value in (exc.headers or {}).items():
        response.headers.setdefault(name, value)
    return response
