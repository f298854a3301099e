"""Event listeners: App Home opened and @mentions in channels."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.events.app_home_opened import app_home_opened
from bot.listeners.events.app_mention import app_mention


def register(app: App) -> None:
    """Wire the event listeners."""
    app.event("app_home_opened")(app_home_opened)
    app.event("app_mention")(app_mention)
