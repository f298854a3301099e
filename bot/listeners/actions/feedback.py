"""The "Did this help?" buttons: read the click, then answer it (bot/feedback.py)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.feedback import answer_feedback
from mailbox_assistant.outcomes.feedback import read_click


def feedback(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
) -> None:
    """Ack, read the vote, and answer it."""
    ack()
    click = read_click(body, action)
    if click is not None:
        answer_feedback(click, body, client, respond, context["services"].source, context["votes"])
