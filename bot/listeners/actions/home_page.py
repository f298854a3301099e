"""The Home tab's Previous / Next: publish the page the button names."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient


def turn_home_page(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Ack, then publish that page of the clicker's Home tab."""
    ack()
    value = action.get("value") or "1"
    page = int(value) if value.isdigit() else 1
    context["services"].publish_home(client, body["user"]["id"], page=page)
