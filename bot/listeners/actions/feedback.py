"""The "Did this help?" buttons."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, Respond

from mailbox_assistant.slack.blocks import build_feedback_answer

logger = logging.getLogger(__name__)


def feedback(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
    """Ack, record the answer, and swap the buttons for a thank-you (and support, when it did not help)."""
    ack()
    helped = action["action_id"] == "feedback:yes"
    ref = action.get("value") or ""
    logger.info("feedback helped=%s user=%s mailbox=%s", helped, body["user"]["id"], ref)
    if not body.get("response_url"):
        return
    answer = build_feedback_answer(helped, ref)
    message = body.get("message") or {}
    if message.get("blocks"):
        kept = [b for b in message["blocks"] if b.get("block_id") not in ("feedback", "feedback_question")]
        respond(text=message.get("text") or "Thanks", blocks=kept + answer, replace_original=True)
    else:
        respond(
            text="Thanks for the feedback", blocks=answer, response_type="ephemeral", replace_original=False
        )
