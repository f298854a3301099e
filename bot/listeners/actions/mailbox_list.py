"""The full list of someone's mailboxes: a button opens it as a modal; its Previous / Next turn pages."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.mailbox_list import ListRequest


def show_mailbox_list(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Ack, then open the list the button asks for, or show its other page in the same modal."""
    ack()
    request = ListRequest.from_value(action.get("value"))
    view = context["services"].mailbox_list(client, body["user"]["id"], request)
    shown = body.get("view") or {}
    if shown.get("type") == "modal":
        client.views_update(view_id=shown["id"], hash=shown.get("hash"), view=view)
    else:
        client.views_open(trigger_id=body["trigger_id"], view=view)
