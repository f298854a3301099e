"""Every Slack listener, one folder per surface; `register_listeners` wires them all."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import actions, commands, events, messages, views


def register_listeners(app: App) -> None:
    """Wire every listener of every surface to `app`."""
    for surface in (events, messages, commands, actions, views):
        surface.register(app)
