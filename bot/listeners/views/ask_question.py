"""A question asked in the Home tab's modal is answered by direct message."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient


def ask_question(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Close the modal, then send the answer to the asker's DM with the bot."""
    ack()
    user_id = body["user"]["id"]
    text = view["state"]["values"]["question"]["text"]["value"] or ""
    reply = context["services"].answer(client, user_id, text)
    if reply is None:
        return
    channel = client.conversations_open(users=user_id)["channel"]["id"]
    client.chat_postMessage(channel=channel, text=reply.text, blocks=reply.blocks)
