"""The "Talk to support" button."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.escalation import request_escalation


def escalate(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    """Ack, then ask support about the mailbox the button names."""
    ack()
    request_escalation(
        client,
        user_id=body["user"]["id"],
        mailbox_ref=action.get("value") or action["action_id"].partition(":")[2],
        respond=respond if body.get("response_url") else None,
    )
