"""HTTP mode: a Flask app serving `POST /slack/events` (gunicorn: `bot.http:create_app()`)."""

from __future__ import annotations

from flask import Flask, request
from slack_bolt import App
from slack_bolt.adapter.flask import SlackRequestHandler

from mailbox_assistant.settings import Settings, get_settings


def create_app(settings: Settings | None = None, bolt_app: App | None = None) -> Flask:
    """The Flask app around the Bolt app; built from the environment when nothing is passed."""
    from bot.app import build_bot

    bolt_app = bolt_app or build_bot(settings or get_settings())
    handler = SlackRequestHandler(bolt_app)
    app = Flask(__name__)

    @app.post("/slack/events")
    def slack_events():
        """Every Slack request: events, slash commands and interactivity."""
        return handler.handle(request)

    @app.get("/healthz")
    def healthz():
        """Liveness probe."""
        return {"status": "ok"}

    return app
