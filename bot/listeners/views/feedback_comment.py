"""The "what was wrong?" modal, submitted after a 👎: the comment is kept with the vote."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from mailbox_assistant.outcomes.feedback import read_comment


def keep_feedback_comment(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    """Close the modal, then keep what the person wrote (nothing when they wrote nothing)."""
    ack()
    comment = read_comment(body, view)
    if comment is not None:
        context["votes"].add_comment(comment)
