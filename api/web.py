"""Flask glue: one database connection or session per request, strict JSON request bodies, JSON responses."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from pydantic import BaseModel
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session
from werkzeug.exceptions import BadRequest

from mailbox_assistant.db import autocommit_reads, make_session_factory, make_statement_engine


def init_database(app: Flask, engine: Engine) -> None:
    """Give `app` a session factory over `engine`; each request's session is closed at teardown."""
    reads = autocommit_reads(engine)
    sessions = make_session_factory(reads)
    app.extensions["database"] = {
        "engine": engine,
        "reads": reads,
        "sessions": sessions,
        "statements": make_statement_engine(engine),
    }
    app.teardown_appcontext(_close_session)


def dispose_database(app: Flask) -> None:
    """Close every pooled connection of `app`'s engines (tests and the demo, when they are done)."""
    database = app.extensions["database"]
    database["engine"].dispose()
    database["statements"].dispose()


def get_statement_engine() -> Engine:
    """The engine for reads that take a pooled connection only for their statement (api.direct_select)."""
    return current_app.extensions["database"]["statements"]


def get_connection() -> Connection:
    """The current request's connection for Core reads: the session's when the request has one, else a
    plain connection (no ORM Session on hot read paths: the API-key lookup, reading a mailbox)."""
    session = g.get("db_session")
    if session is not None:
        return session.connection()
    if "db_connection" not in g:
        g.db_connection = current_app.extensions["database"]["reads"].connect()
    return g.db_connection


def get_session() -> Session:
    """The current request's session (created on first use; it replaces the plain read connection)."""
    if "db_session" not in g:
        connection = g.pop("db_connection", None)
        if connection is not None:  # its reads are done: one pooled connection per request at a time
            connection.close()
        g.db_session = current_app.extensions["database"]["sessions"]()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    """Roll back whatever the request left open and return the connection to the pool."""
    connection = g.pop("db_connection", None)
    if connection is not None:
        connection.close()
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def require_json_body() -> None:
    """Refuse bodies that are not JSON (415) or not well-formed (400) before validation sees them."""
    if request.method in ("POST", "PUT", "PATCH"):
        try:
            request.get_json()  # raises UnsupportedMediaType or BadRequest; the result is cached
        except RecursionError:  # json.loads of deeply nested arrays or objects, within the size limit
            raise BadRequest("The JSON body is nested too deeply.") from None


def json_response(model: BaseModel, status: int = 200) -> Response:
    """`model` as the JSON body of a response, serialised by pydantic."""
    return current_app.response_class(model.model_dump_json(), status=status, mimetype="application/json")
