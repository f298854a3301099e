"""The "Did this help?" buttons: keep the vote, thank the person, and after a 👎 offer support and ask
what was wrong."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.plaintext import render_blocks
from mailbox_assistant.mailboxes.client import StatusApiUnavailable
from mailbox_assistant.mailboxes.status import Mailbox
from mailbox_assistant.outcomes.feedback import build_comment_modal, is_feedback_block, read_click
from mailbox_assistant.redact import redact
from mailbox_assistant.slack.blocks import build_feedback_answer


def feedback(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
) -> None:
    """Ack; after a 👎 open the "what was wrong?" modal (its trigger lasts 3 s); swap the buttons for a
    thank-you (and support after a 👎); then record the vote with what the answer was about."""
    ack()
    click = read_click(body, action)
    if click is None:
        return
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
    mailbox = _mailbox(context["services"].source, click.mailbox_ref)
    context["votes"].record(click, mailbox, answer_text=answer_text(message))


def answer_text(message: dict[str, Any]) -> str | None:
    """The answer as text for support, without its buttons (reconnect links are credentials) or
    anything secret-looking."""
    readable = [
        {key: value for key, value in block.items() if key != "accessory"}
        for block in message.get("blocks") or []
        if block.get("type") in ("section", "header", "context") and not is_feedback_block(block)
    ]
    return redact(render_blocks(readable) if readable else message.get("text"))


def _mailbox(source: Any, ref: str | None) -> Mailbox | None:
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
