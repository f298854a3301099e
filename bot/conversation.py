"""The conversation, pure: (question, asker, mailboxes) → a reply. No Slack or HTTP objects here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import knowledge
from bot.reading import read_question
from bot.replies import (
    no_mailbox,
    refuse_other_address,
)
from mailbox_assistant.conversations.types import Asker, Question, Reply
from mailbox_assistant.mailboxes.cards import disconnected_blocks
from mailbox_assistant.mailboxes.incidents import ProviderIncident, incident_for
from mailbox_assistant.mailboxes.recent import RECENT
from mailbox_assistant.mailboxes.status import Mailbox
from mailbox_assistant.slack import blocks as b

__all__ = ["Asker", "Question", "Reply", "answer", "general_answer", "read_question", "status_answer"]


def may_ask_about(question: Question, asker: Asker, own: list[Mailbox]) -> bool:
    """True when the asker may see the address named in the question: theirs, or they are an admin."""
    if not question.about_email or asker.is_admin:
        return True
    own_addresses = {m.email.lower() for m in own} | {(asker.email or "").lower()}
    return question.about_email in own_addresses


def answer(
    question: Question,
    asker: Asker,
    own: list[Mailbox],
    *,
    reconnect_url: Callable[[Mailbox], str],
    others: list[Mailbox] | None = None,
    now: datetime | None = None,
    incidents: list[ProviderIncident] | None = None,
) -> Reply:
    """Answer a question about mailboxes from their status; `others` are an admin's lookup results;
    active provider `incidents` are mentioned under the mailboxes they explain."""
    if not may_ask_about(question, asker, own):
        return refuse_other_address(question.about_email or "")
    looked_up = asker.email or ""
    mailboxes = own
    if question.about_email:
        looked_up = question.about_email
        named = [m for m in own if m.email.lower() == looked_up]
        is_own_address = bool(named) or looked_up == (asker.email or "").lower()
        mailboxes = (named or own) if is_own_address else (others or [])
    if not mailboxes:
        return no_mailbox(looked_up)
    disconnected = [m for m in mailboxes if m.is_disconnected]
    if not disconnected and question.intent == "how_to_reconnect":
        return general_answer(question, provider=mailboxes[0].provider, lead=_all_connected_line(mailboxes))
    return status_answer(
        question, mailboxes, reconnect_url=reconnect_url, now=now or datetime.now(UTC), incidents=incidents
    )


def status_answer(
    question: Question,
    mailboxes: list[Mailbox],
    *,
    reconnect_url: Callable[[Mailbox], str],
    now: datetime,
    incidents: list[ProviderIncident] | None = None,
) -> Reply:
    """One section per mailbox, disconnected first, with causes, steps and buttons."""
    disconnected = [m for m in mailboxes if m.is_disconnected]
    connected = [m for m in mailboxes if not m.is_disconnected]
    out: list[dict[str, Any]] = []
    if question.intent == "contact_support":
        out.append(
            b.build_section("Press *Talk to support* under a mailbox and support will get its details.")
        )
    if len(mailboxes) > 1:
        out.append(b.build_section(f"You have {len(mailboxes)} mailboxes; {len(disconnected)} disconnected."))
    for mailbox in disconnected:
        out.extend(
            disconnected_blocks(
                mailbox, reconnect_url, incident_for(mailbox, incidents), named_reason=question.named_reason
            )
        )
        if len(mailboxes) > 1:
            out.append(b.build_divider())
    if connected and not disconnected:
        out.append(b.build_section(_all_connected_line(connected), block_id="all_connected"))
    for mailbox in connected:
        lines = _connected_blocks(mailbox, now, with_cause=not disconnected)
        out.extend(lines[1:] if len(mailboxes) == 1 else lines)
    if disconnected:
        out.extend(b.build_feedback_with_question(disconnected[0].id))
    else:
        out.append(b.build_actions([b.build_escalate_button(connected[0].id)], block_id="support"))
    return Reply(
        text=_summary_text(disconnected, connected), blocks=out, private=True, mailboxes=tuple(mailboxes)
    )


def general_answer(question: Question, provider: str | None = None, lead: str | None = None) -> Reply:
    """A question about mailboxes in general, answered from the knowledge base."""
    out = [b.build_section(lead)] if lead else []
    if question.named_reason:
        reason = knowledge.get_reason(question.named_reason)
        out.append(
            b.build_section(
                f"*{reason.title}*\n{b.to_mrkdwn(reason.summary)}", block_id=f"reason:{reason.code}"
            )
        )
        steps = reason.steps_for(provider)
        text = reason.title
    elif question.intent == "how_to_reconnect":
        steps = knowledge.get_reason("token_expired").steps_for(provider)
        text = "How to reconnect a mailbox"
        out.append(b.build_section("*How to reconnect a mailbox*"))
    else:
        text = "Why mailboxes disconnect"
        out.append(b.build_section("*Why mailboxes disconnect*\nThese are the documented causes:"))
        for reason in knowledge.reasons():
            if reason.code != "unknown":
                out.append(
                    b.build_section(f"*{reason.title}*\n{reason.summary}", block_id=f"kb:{reason.code}")
                )
        steps = ()
    if steps:
        out.append(b.build_section("*What to do*\n" + b.to_mrkdwn(_numbered(steps)), block_id="steps"))
    out.append(b.build_context("Ask me “why did my mailbox disconnect?” to check your own mailboxes."))
    return Reply(text=text, blocks=out, private=bool(lead))


def home_blocks(mailboxes: list[Mailbox], *, reconnect_url: Callable[[Mailbox], str], now: datetime) -> list:
    """The App Home tab: the user's mailboxes with status, cause and buttons."""
    out = [b.build_header("Your mailboxes"), b.build_home_actions()]
    if not mailboxes:
        out.append(
            b.build_section("You have no mailbox connected under your Slack email.", block_id="no_mailbox")
        )
    ordered = sorted(mailboxes, key=lambda m: not m.is_disconnected)
    for mailbox in ordered[:15]:
        if mailbox.is_disconnected:
            out.extend(disconnected_blocks(mailbox, reconnect_url))
        else:
            out.extend(_connected_blocks(mailbox, now, with_cause=True))
        out.append(b.build_divider())
    out.append(
        b.build_context("Send me a message to ask about your mailboxes, e.g. “why did it disconnect?”")
    )
    return out


def _connected_blocks(mailbox: Mailbox, now: datetime, with_cause: bool) -> list:
    failure = mailbox.last_failure
    if not with_cause or not failure or not failure.occurred_at or now - failure.occurred_at > RECENT:
        return b.build_connected_mailbox(mailbox)
    reason = knowledge.get_reason(failure.reason)
    note = (
        f"It was last disconnected {b.format_time(failure.occurred_at)}: *{failure.title or reason.title}*. "
        f"{reason.summary}"
    )
    blocks = b.build_connected_mailbox(mailbox)
    blocks.append(b.build_context(note, block_id=f"reason:{failure.reason}:{mailbox.id}"))
    return blocks


def _all_connected_line(mailboxes: list[Mailbox]) -> str:
    if len(mailboxes) == 1:
        return f":white_check_mark: Good news: *{mailboxes[0].email}* is connected right now."
    return f":white_check_mark: Good news: all {len(mailboxes)} of your mailboxes are connected right now."


def _summary_text(disconnected: list[Mailbox], connected: list[Mailbox]) -> str:
    if not disconnected:
        return "All your mailboxes are connected."
    first = disconnected[0]
    reason = knowledge.get_reason(first.reason_code)
    more = f" (and {len(disconnected) - 1} more)" if len(disconnected) > 1 else ""
    return f"{first.email} is disconnected{more}: {reason.title}"


def _numbered(steps: tuple[str, ...]) -> str:
    return "\n".join(f"{number}. {step}" for number, step in enumerate(steps, start=1))
