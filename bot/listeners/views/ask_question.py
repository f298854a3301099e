"""A question asked in the Home tab's modal is answered by direct message."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.conversation import Reply
from bot.delivery import with_fallback


def ask_question(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Close the modal, then send the answer to the asker's DM with the bot."""
    ack()
    user_id = body["user"]["id"]
    text = view["state"]["values"]["question"]["text"]["value"] or ""

    def send_by_dm(reply: Reply) -> None:
        """Send the reply to the asker's DM with the bot."""
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        client.chat_postMessage(channel=channel, text=reply.text, blocks=reply.blocks or None)

    deliver = with_fallback(send_by_dm, surface="ask modal", user_id=user_id)
    context["services"].answer(client, user_id, text, deliver=deliver)
