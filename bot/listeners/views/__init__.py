"""View listeners: the question modal opened from the Home tab."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.views.ask_question import ask_question


def register(app: App) -> None:
    """Wire the view submissions."""
    app.view("ask_question")(ask_question)
