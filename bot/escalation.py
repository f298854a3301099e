"""Hand a mailbox to support. For now an acknowledgement only; the escalation issue replaces this."""

from __future__ import annotations

from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.blocks import build_escalation_ack


def request_escalation(
    client: WebClient, *, user_id: str, mailbox_ref: str, respond: Respond | None = None
) -> None:
    """Tell the user support has been asked about `mailbox_ref` (in place, or by DM from the Home tab)."""
    text = (
        "Thanks — I've asked support to look at this mailbox. "
        "They'll get in touch with you here or by email; you don't need to explain it again."
    )
    blocks = build_escalation_ack(mailbox_ref, text)
    if respond is not None:
        respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
        return
    channel = client.conversations_open(users=user_id)["channel"]["id"]
    client.chat_postMessage(channel=channel, text=text, blocks=blocks)
