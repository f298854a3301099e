"""`/mailbox [status|reconnect|help|<question>]`: answered privately to the person who typed it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot import replies
from bot.conversation import Question, Reply
from bot.delivery import checked, with_fallback

SUBCOMMANDS = {
    "": Question(text="status", intent="why_disconnected"),
    "status": Question(text="status", intent="why_disconnected"),
    "reconnect": Question(text="reconnect", intent="how_to_reconnect"),
}


def mailbox_command(
    ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Ack at once, then answer through the command's response_url (ephemeral)."""
    ack()
    text = (command.get("text") or "").strip()

    def answer_privately(reply: Reply) -> None:
        """Answer through the response_url, visible to the asker only (a refusal raised, not ignored)."""
        checked(respond(text=reply.text, blocks=reply.blocks or None, response_type="ephemeral"))

    if text.lower() == "help":
        answer_privately(replies.help_reply())
        return
    question = SUBCOMMANDS.get(text.lower())
    deliver = with_fallback(answer_privately, surface="/mailbox", user_id=command["user_id"])
    context["services"].answer(client, command["user_id"], text, deliver=deliver, question=question)
