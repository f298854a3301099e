"""View listeners: the question modal opened from the Home tab, and the "what was wrong?" modal."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.views.ask_question import ask_question
from bot.listeners.views.feedback_comment import keep_feedback_comment
from mailbox_assistant.outcomes.feedback import COMMENT_CALLBACK_ID


def register(app: App) -> None:
    """Wire the view submissions."""
    app.view("ask_question")(ask_question)
    app.view(COMMENT_CALLBACK_ID)(keep_feedback_comment)
