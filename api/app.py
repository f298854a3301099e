"""The Flask app factory: wiring only."""

from __future__ import annotations

from flask import Flask

from api import (
    auth,
    body_limit,
    events,
    health,
    incidents,
    mailboxes,
    openapi,
    reconnect,
    reports,
    support,
    support_auth,
)
from api.errors import register_error_handlers
from api.request_log import init_request_log
from api.web import init_database
from mailbox_assistant.db import make_engine
from mailbox_assistant.settings import Settings, load_settings

# The one size limit of a request: its body (413 above it, from Content-Length or while reading).
MAX_BODY_BYTES = 1024 * 1024


def create_app(settings: Settings | None = None) -> Flask:
    """Build the status API over `settings` (read from the environment when omitted)."""
    settings = settings or load_settings()
    app = Flask("api")
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, JSON_SORT_KEYS=False)
    app.extensions["settings"] = settings
    init_database(app, make_engine(settings.database_url))
    init_request_log(app, settings.log_level)
    register_error_handlers(app)
    auth.install(app)  # every route needs a key unless its view is marked @public
    body_limit.install(app)  # after the key check: 401 before anything is read
    for blueprint in (health.bp, openapi.bp, mailboxes.bp, events.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(reconnect.bp)  # reconnect links and OAuth pages (HTML)
    app.register_blueprint(incidents.bp)  # provider incidents (proactive DMs)
    app.register_blueprint(reports.bp)  # the outcomes report
    app.register_blueprint(support_auth.bp)  # support's page: sign-in (HTML)
    app.register_blueprint(support.bp)  # support's page (HTML)
    return app
