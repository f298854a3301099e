"""The one size limit of a request: its body. Over MAX_CONTENT_LENGTH is a 413, whether the client
declared the length (Content-Length) or streamed the body without one (chunked)."""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge


def install(app: Flask) -> None:
    """Check the size of every request body to `app`."""
    app.before_request(refuse_oversized_stream)


def refuse_oversized_stream() -> None:
    """413 for a streamed body over the limit.

    Werkzeug refuses a declared Content-Length over the limit, but reads a body without one only up to
    the limit and hands that on as if it were all: cut JSON, answered 400. Here the body is read (and
    cached for the view) and one byte past the limit tells whether there was more."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is None or request.content_length is not None or request.method not in ("POST", "PUT", "PATCH"):
        return
    if len(request.get_data()) >= limit and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()
