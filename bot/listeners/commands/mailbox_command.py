"""`/mailbox [status|reconnect|help|<question>]`: answered privately to the person who typed it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot import replies
from bot.conversation import Question

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
    if text.lower() == "help":
        reply = replies.help_reply()
    else:
        question = SUBCOMMANDS.get(text.lower())
        reply = context["services"].answer(client, command["user_id"], text, question=question)
        if reply is None:
            return
    respond(text=reply.text, blocks=reply.blocks, response_type="ephemeral")
