"""Slash command listeners: `/mailbox`."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.commands.mailbox_command import mailbox_command


def register(app: App) -> None:
    """Wire the slash commands."""
    app.command("/mailbox")(mailbox_command)
