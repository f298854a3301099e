"""Flask glue: one database session per request, and strict JSON request bodies."""

from __future__ import annotations

from flask import Flask, current_app, g, request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.db import autocommit_reads, make_session_factory


def init_database(app: Flask, engine: Engine) -> None:
    """Give `app` a session factory over `engine`; each request's session is closed at teardown."""
    sessions = make_session_factory(autocommit_reads(engine))
    app.extensions["database"] = {"engine": engine, "sessions": sessions}
    app.teardown_appcontext(_close_session)


def get_session() -> Session:
    """The current request's session (created on first use)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["database"]["sessions"]()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    """Roll back whatever the request left open and return the connection to the pool."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def require_json_body() -> None:
    """Refuse bodies that are not JSON (415) or not well-formed (400) before validation sees them."""
    if request.method in ("POST", "PUT", "PATCH"):
        request.get_json()  # raises UnsupportedMediaType or BadRequest; the result is cached
