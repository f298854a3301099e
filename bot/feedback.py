"""The "Did this help?" click, after the listener has read it: the modal after a 👎, the thank-you in
place of the buttons (and support after a 👎), and the vote kept with what the answer was about."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.plaintext import render_blocks
from mailbox_assistant.mailboxes.client import MailboxSource, StatusApiUnavailable
from mailbox_assistant.mailboxes.status import Mailbox
from mailbox_assistant.outcomes.feedback import Click, build_comment_modal, is_feedback_block
from mailbox_assistant.outcomes.votes import FeedbackVotes
from mailbox_assistant.redact import redact
from mailbox_assistant.slack.blocks import build_feedback_answer


def answer_feedback(
    click: Click,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    source: MailboxSource,
    votes: FeedbackVotes,
) -> None:
    """Open the "what was wrong?" modal after a 👎 (its trigger lasts 3 s), thank the person where the
    buttons were, then record the vote."""
    if not click.helpful and body.get("trigger_id"):
        client.views_open(trigger_id=body["trigger_id"], view=build_comment_modal(click))
    message = body.get("message") or {}
    if body.get("response_url"):
        answer = build_feedback_answer(click.helpful, click.mailbox_ref or "")
        if message.get("blocks"):
            kept = [block for block in message["blocks"] if not is_feedback_block(block)]
            respond(text=message.get("text") or "Thanks", blocks=kept + answer, replace_original=True)
        else:
            respond(
                text="Thanks for the feedback",
                blocks=answer,
                response_type="ephemeral",
                replace_original=False,
            )
    votes.record(click, _mailbox(source, click.mailbox_ref), answer_text=answer_text(message))


def answer_text(message: dict[str, Any]) -> str | None:
    """The answer as text for support, without its buttons (reconnect links are credentials) or
    anything secret-looking."""
    readable = [
        {key: value for key, value in block.items() if key != "accessory"}
        for block in message.get("blocks") or []
        if block.get("type") in ("section", "header", "context") and not is_feedback_block(block)
    ]
    return redact(render_blocks(readable) if readable else message.get("text"))


def _mailbox(source: MailboxSource, ref: str | None) -> Mailbox | None:
    """The mailbox the answer was about, as the status API has it (None when it cannot say)."""
    if not ref:
        return None
    try:
        if "@" in ref:
            found = source.find_by_email(ref)
            return found[0] if found else None
        return source.mailbox(ref)
    except StatusApiUnavailable:
        return None
