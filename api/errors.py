"""Every error of the API as RFC 9457 problem+json, in one place."""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Flask, Response, current_app
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.http import HTTP_STATUS_CODES

from mailbox_assistant.mailboxes.store import BadCursor, NotFound

PROBLEM_JSON = "application/problem+json"
logger = logging.getLogger(__name__)


class ApiError(Exception):
    """An error the client caused (or may retry), answered with its status and detail."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}


class RequestValidationError(Exception):
    """A request body or query failed validation by its pydantic model."""

    def __init__(self, error: ValidationError, location: str) -> None:
        super().__init__(str(error))
        self.error = error
        self.location = location


def problem(status: int, detail: str, errors: list[dict[str, str]] | None = None, **headers: str) -> Response:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    response = current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    response.headers.update(headers)
    return response


def validation_errors(error: ValidationError, location: str) -> list[dict[str, str]]:
    """Each invalid field as {"loc": "body.email", "msg": ...}, without echoing the input."""
    return [
        {"loc": ".".join([location, *(str(part) for part in item["loc"])]), "msg": item["msg"]}
        for item in error.errors(include_url=False, include_input=False, include_context=False)
    ]


def _handle_validation(exc: RequestValidationError) -> Response:
    """422 with every invalid field listed."""
    errors = validation_errors(exc.error, exc.location)
    first = errors[0] if errors else {"loc": exc.location, "msg": "invalid"}
    detail = f"Invalid request {exc.location}: {first['loc']}: {first['msg']}"
    return problem(422, detail, errors)


def _handle_http_exception(exc: HTTPException) -> Response:
    """Werkzeug's errors (404, 405, 413, 415, malformed JSON…) keep status and headers, body as a problem."""
    status = exc.code or 500
    response = problem(status, exc.description or HTTP_STATUS_CODES.get(status, "Error"))
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _handle_too_large(_exc: RequestEntityTooLarge) -> Response:
    """413 naming the limit: it applies to the body as a whole (Content-Length, or the bytes read)."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    detail = (
        f"The request body is over the limit of {limit:,} bytes."
        if limit
        else "The request body is too large."
    )
    return problem(413, detail)


def _handle_integrity_error(exc: IntegrityError) -> Response:
    """409: a write conflicted with a uniqueness or foreign-key rule (nothing was written)."""
    logger.info("integrity error: %s", exc.orig)
    return problem(409, "The request conflicts with the current state of the resource.")


def _handle_unexpected(exc: Exception) -> Response:
    """500 with a generic detail; the traceback goes to the log only."""
    logger.exception("unhandled error")
    return problem(500, "An unexpected error occurred; it has been logged.")


def register_error_handlers(app: Flask) -> None:
    """Make every error response of `app` a problem+json."""
    app.register_error_handler(ApiError, lambda exc: problem(exc.status, exc.detail, **exc.headers))
    app.register_error_handler(RequestValidationError, _handle_validation)
    app.register_error_handler(NotFound, lambda exc: problem(404, str(exc)))
    app.register_error_handler(BadCursor, lambda exc: problem(400, str(exc)))
    app.register_error_handler(RequestEntityTooLarge, _handle_too_large)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(IntegrityError, _handle_integrity_error)
    app.register_error_handler(Exception, _handle_unexpected)
