"""Refresh the App Home tab: the user's mailboxes with status, cause and buttons."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient


def app_home_opened(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Publish the Home tab of the user who opened it (once per event, retries ignored)."""
    if event.get("tab", "home") != "home" or not context["services"].first_delivery(body):
        return
    context["services"].publish_home(client, event["user"])
