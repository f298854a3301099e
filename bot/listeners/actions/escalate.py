"""The "Talk to support" button: open (or find) the person's case about the mailbox it names."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from mailbox_assistant.escalation.desk import request_escalation


def escalate(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """Ack, then open the case and confirm it (in place, or by DM from the Home tab)."""
    ack()
    request_escalation(
        client,
        context["services"],
        user_id=body["user"]["id"],
        mailbox_ref=action.get("value") or "",  # the desk checks that the asker may name it
        respond=respond if body.get("response_url") else None,
        team_id=(body.get("team") or {}).get("id"),
    )
