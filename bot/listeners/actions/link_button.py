"""Link buttons (Reconnect) open their URL in the browser; Slack still sends the click, which we ack."""

from __future__ import annotations

from slack_bolt import Ack


def acknowledge_link(ack: Ack) -> None:
    """Ack the click so the user sees no warning icon."""
    ack()
