"""Message listeners: direct messages to the bot."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.messages.direct_message import direct_message


def register(app: App) -> None:
    """Wire the message listeners (every `message` event; the callback keeps only direct messages)."""
    app.event("message")(direct_message)
