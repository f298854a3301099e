"""The "Did this help?" click and the "what was wrong?" modal, pure: Slack payloads in, data out.

A click arrives from plain buttons (`feedback:yes` / `feedback:no`, whose value names the mailbox) or
from Slack's `feedback_buttons` element (`feedback`, value `yes` / `no`, the mailbox named by the block's
id `feedback:<mailbox>`); both are the Slack contract. The answer is the message clicked on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from mailbox_assistant.slack.blocks import build_actions, build_context, plain

COMMENT_CALLBACK_ID = "feedback_comment"
COMMENT_MAX_CHARS = 500
NOTICE_BLOCK_ID = "notice_feedback"  # the buttons under a proactive DM
_REASON_BLOCK = re.compile(r"^reason:([a-z_]+)(?::(.+))?$")


@dataclass(frozen=True)
class Click:
    """One 👍/👎 on one answer."""

    voter_slack_id: str
    helpful: bool
    answer_ref: str  # `<channel>:<message ts>`: one vote per person per answer
    surface: str  # answer | notice
    mailbox_ref: str | None
    reason_shown: str | None  # the cause the answer gave for that mailbox


def read_click(body: dict[str, Any], action: dict[str, Any]) -> Click | None:
    """The click in a `block_actions` payload; None when it is not a feedback click."""
    action_id = action.get("action_id") or ""
    if action_id in ("feedback:yes", "feedback:no"):
        helpful = action_id == "feedback:yes"
        mailbox_ref = action.get("value") or None
    elif action_id == "feedback" and action.get("value") in ("yes", "no"):
        helpful = action["value"] == "yes"
        _, _, mailbox_ref = (action.get("block_id") or "").partition(":")
    else:
        return None
    block_id = action.get("block_id") or ""
    message = body.get("message") or {}
    return Click(
        voter_slack_id=body["user"]["id"],
        helpful=helpful,
        answer_ref=answer_ref(body, mailbox_ref),
        surface="notice" if block_id == NOTICE_BLOCK_ID else "answer",
        mailbox_ref=mailbox_ref or None,
        reason_shown=reason_shown(message.get("blocks") or [], mailbox_ref),
    )


def build_notice_feedback(mailbox_ref: str) -> list[dict[str, Any]]:
    """ "Did this help?" under a proactive DM: the answers' plain buttons, in a block whose id says the
    vote is about a notice."""
    buttons = [
        {"type": "button", "action_id": f"feedback:{value}", "text": plain(label), "value": mailbox_ref}
        for value, label in (("yes", "Yes, thanks"), ("no", "No"))
    ]
    return [
        build_context("Did this help?", block_id=f"{NOTICE_BLOCK_ID}_question"),
        build_actions(buttons, block_id=NOTICE_BLOCK_ID),
    ]


def is_feedback_block(block: dict[str, Any]) -> bool:
    """True for the blocks of the "Did this help?" question and its buttons (replaced once clicked)."""
    block_id = block.get("block_id") or ""
    return block_id.startswith(("feedback", NOTICE_BLOCK_ID)) and block_id != "feedback_done"


def answer_ref(body: dict[str, Any], mailbox_ref: str | None) -> str:
    """The message a click was on, as `<channel>:<ts>` (ephemeral messages carry their ts too)."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id") or "-"
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    return f"{channel}:{ts or 'mailbox-' + (mailbox_ref or '-')}"[:128]


def reason_shown(blocks: list[dict[str, Any]], mailbox_ref: str | None) -> str | None:
    """The reason code of the `reason:<code>:<mailbox>` block about `mailbox_ref` (else the first)."""
    found: str | None = None
    for block in blocks:
        match = _REASON_BLOCK.match(block.get("block_id") or "")
        if match:
            if match.group(2) == mailbox_ref:
                return match.group(1)
            found = found or match.group(1)
    return found


def build_comment_modal(click: Click) -> dict[str, Any]:
    """The one-line "what was wrong?" modal opened by a 👎 (callback `feedback_comment`)."""
    metadata = {"answer": click.answer_ref, "mailbox": click.mailbox_ref, "surface": click.surface}
    return {
        "type": "modal",
        "callback_id": COMMENT_CALLBACK_ID,
        "private_metadata": json.dumps(metadata),
        "title": plain("What was wrong?"),
        "submit": plain("Send"),
        "close": plain("Skip"),
        "blocks": [
            {
                "type": "input",
                "block_id": "comment",
                "label": plain("What was wrong with the answer?"),
                "hint": plain("One line is enough. Support reads every one to improve the answers."),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "text",
                    "max_length": COMMENT_MAX_CHARS,
                    "placeholder": plain("e.g. the cause was wrong, the steps didn't work"),
                },
            }
        ],
    }


@dataclass(frozen=True)
class Comment:
    """What someone wrote in the "what was wrong?" modal, and the answer it is about."""

    voter_slack_id: str
    answer_ref: str
    mailbox_ref: str | None
    surface: str
    text: str


def read_comment(body: dict[str, Any], view: dict[str, Any]) -> Comment | None:
    """The comment of a `feedback_comment` view submission; None when it is empty or unreadable."""
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
        text = view["state"]["values"]["comment"]["text"]["value"] or ""
    except (KeyError, TypeError, ValueError):
        return None
    text = " ".join(text.split())[:COMMENT_MAX_CHARS]
    if not text or not isinstance(metadata, dict) or not metadata.get("answer"):
        return None
    return Comment(
        voter_slack_id=body["user"]["id"],
        answer_ref=str(metadata["answer"])[:128],
        mailbox_ref=metadata.get("mailbox"),
        surface="notice" if metadata.get("surface") == "notice" else "answer",
        text=text,
    )
