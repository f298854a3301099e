"""`/mailbox [status|reconnect|help|<question>]`: answered privately to the person who typed it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot import replies
from bot.conversation import Question, Reply

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
        """Answer through the response_url, visible to the asker only."""
        respond(text=reply.text, blocks=reply.blocks, response_type="ephemeral")

    if text.lower() == "help":
        answer_privately(replies.help_reply())
        return
    question = SUBCOMMANDS.get(text.lower())
    context["services"].answer(client, command["user_id"], text, deliver=answer_privately, question=question)
