"""The Home tab's "Ask a question" button opens a modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from mailbox_assistant.slack.blocks import build_ask_modal


def open_ask_modal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """Ack, then open the question modal."""
    ack()
    client.views_open(trigger_id=body["trigger_id"], view=build_ask_modal())
