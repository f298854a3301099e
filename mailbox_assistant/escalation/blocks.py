"""Pure Block Kit builders for escalations: the confirmation (block_id `escalation:<id>`), the refusal,
and the choice of mailbox when several are disconnected."""

from __future__ import annotations

from typing import Any

from mailbox_assistant.escalation.models import Escalation
from mailbox_assistant.mailboxes.status import Mailbox
from mailbox_assistant.slack import blocks as b

Block = dict[str, Any]


def confirmation(case: Escalation, *, created: bool) -> tuple[str, list[Block]]:
    """What the person sees: the case id, what happens next, and where the answer will come."""
    about = case.mailbox_email or ("your Slack account" if case.mailbox_ref.startswith("slack:") else None)
    about_text = f" about *{about}*" if about else ""
    where = (
        f"by email to *{case.asker_email}*"
        if case.asker_email
        else "here in Slack (your profile has no email)"
    )
    if created:
        text = f"Support has your case #{case.id}"
        body = (
            f":white_check_mark: Support has your case *#{case.id}*{about_text}. "
            f"They'll reply {where}, usually within one business day."
        )
        context = (
            "They already have the error, the mailbox's recent history and our conversation, "
            "so you don't need to explain it again."
        )
    else:
        text = f"You already have an open support case #{case.id}"
        body = (
            f":information_source: You already have an open support case *#{case.id}*{about_text}, "
            f"opened {b.format_time(case.created_at)}. Support will reply {where}; "
            "no need to ask again."
        )
        context = "If something changed since, just reply to support's email with the details."
    return text, [
        b.build_section(body, block_id=f"escalation:{case.id}"),
        b.build_context(context, block_id=f"escalation_next:{case.id}"),
    ]


def refusal(why: str, *, limit: int = 0, has_email: bool = True) -> tuple[str, list[Block]]:
    """Why no case was opened; the same words whether the mailbox is someone else's or does not exist."""
    if why == "daily_limit":
        where = "reply to one of support's emails" if has_email else "tell support when they answer you"
        text = "You've opened today's support cases already"
        body = (
            f":information_source: You've opened {limit} support cases in the last 24 hours, the most I "
            f"can open for one person in a day, so I didn't open another. Support has them; to add "
            f"something, {where}."
        )
        return text, [b.build_section(body, block_id="support_limit")]
    text = "I can only open a support case about your own mailboxes"
    body = (
        "Sorry, I can only open a support case about your own mailboxes, and I couldn't find this one "
        "among them. Its owner can ask me, or an admin can open the case."
    )
    return text, [b.build_section(body, block_id="support_refused")]


def choose_mailbox(mailboxes: list[Mailbox]) -> tuple[str, list[Block]]:
    """Several mailboxes could be meant: one "Talk to support" button per mailbox, named by its address."""
    buttons = [
        {
            "type": "button",
            "action_id": b.opaque_id("escalate", mailbox.id),
            "text": b.plain(mailbox.email[:75]),
            "value": mailbox.id,
        }
        for mailbox in mailboxes[:25]
    ]
    text = "Which mailbox should support look at?"
    return text, [
        b.build_section(
            f"{text} Pick one and I'll open a case with its details.", block_id="escalate_choice"
        ),
        b.build_actions(buttons, block_id="escalate_choices"),
    ]
