"""The status API: mailboxes, their append-only event log, and the event feed (Flask)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from mailbox_assistant.settings import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the Flask app; imported lazily so the models stay usable without Flask."""
    from api.app import create_app as _create_app

    if settings is None:  # a process starting (gunicorn 'api:create_app()'): check what it needs now
        from mailbox_assistant.settings import load_settings

        settings = load_settings()
        settings.check_for("api")
    return _create_app(settings)
