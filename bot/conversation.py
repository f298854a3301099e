"""The conversation, pure: (question, asker, mailboxes) → a reply. No Slack or HTTP objects here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import knowledge
from bot import blocks as b
from bot.conversation_types import Asker, Question, Reply
from bot.evidence import judge
from bot.incidents import ProviderIncident, incident_for, incident_line
from bot.mailbox import Mailbox
from bot.reading import read_question
from bot.replies import (
    no_mailbox,
    refuse_other_address,
)
from mailbox_assistant.recent import RECENT

__all__ = ["Asker", "Question", "Reply", "answer", "general_answer", "read_question", "status_answer"]

REPEATED_DISCONNECTS = 3  # this many disconnections within RECENT make support the main action


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
        out.extend(_disconnected_blocks(question, mailbox, reconnect_url, incident_for(mailbox, incidents)))
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
            out.extend(
                _disconnected_blocks(Question(text="", intent="why_disconnected"), mailbox, reconnect_url)
            )
        else:
            out.extend(_connected_blocks(mailbox, now, with_cause=True))
        out.append(b.build_divider())
    out.append(
        b.build_context("Send me a message to ask about your mailboxes, e.g. “why did it disconnect?”")
    )
    return out


def disconnected_mailbox_blocks(
    mailbox: Mailbox, reconnect_url: Callable[[Mailbox], str], incident: ProviderIncident | None = None
) -> list:
    """The blocks about one disconnected mailbox exactly as answers show them (proactive DMs reuse them)."""
    question = Question(text="", intent="why_disconnected")
    return _disconnected_blocks(question, mailbox, reconnect_url, incident)


def _disconnected_blocks(
    question: Question,
    mailbox: Mailbox,
    reconnect_url: Callable[[Mailbox], str],
    incident: ProviderIncident | None = None,
) -> list:
    reason = knowledge.get_reason(mailbox.reason_code)
    title = reason.title if reason.code == mailbox.reason_code else (mailbox.last_failure or reason).title
    summary = reason.summary
    if not reason.self_serve and mailbox.reason_code != "unknown" and "reconnect" not in summary.lower():
        summary += " Reconnecting won't fix this one, so support is the way forward."
    confirmed, note = _named_cause_lines(question.named_reason, mailbox, title)
    likely = _is_likely(mailbox)
    if likely:
        # Not certain: said as the likely cause, and support offered as strongly as reconnecting.
        title = f"Most likely: {title[:1].lower()}{title[1:]}" if title else title
        hedge = "I'm not certain of this cause. If the steps don't fix it, *Talk to support* to check."
        note = f"{note}\n{hedge}" if note else hedge
    if incident is not None:
        note = incident_line(incident) + (f"\n{note}" if note else "")
    repeated = (mailbox.recent_disconnects or 0) >= REPEATED_DISCONNECTS
    if repeated:
        repeat_note = (
            f"This mailbox disconnected {mailbox.recent_disconnects} times in the last {RECENT.days} days, "
            "so reconnecting may not hold: *Talk to support* and they'll look at why it keeps happening."
        )
        note = f"{note}\n{repeat_note}" if note else repeat_note
    blocks = b.build_disconnected_mailbox(
        mailbox,
        title=title or "Disconnected",
        summary=summary,
        steps=reason.steps_for(mailbox.provider),
        self_serve=reason.self_serve and not repeated,
        reconnect_url=reconnect_url(mailbox),
        note=note,
        # An unknown cause may be a one-off: reconnecting is worth one try, support stays the main action.
        offer_reconnect=reason.self_serve or mailbox.reason_code == "unknown",
        support_primary=True if likely else None,
    )
    return [b.build_section(confirmed, block_id=f"confirmed:{mailbox.id}"), *blocks] if confirmed else blocks


def _is_likely(mailbox: Mailbox) -> bool:
    """Whether the recorded cause is only the likely one (its classification was not confident)."""
    confidence = mailbox.last_failure.confidence if mailbox.last_failure else None
    return knowledge.confidence_level(mailbox.reason_code, confidence) == "likely"


def _named_cause_lines(named_code: str | None, mailbox: Mailbox, title: str) -> tuple[str | None, str | None]:
    """(a confirmation, a note) about the cause the person named, judged against the mailbox's record."""
    if not named_code:
        return None, None
    failure = mailbox.last_failure
    verdict = judge(named_code, mailbox.reason_code, mailbox.provider, failure.error if failure else None)
    named = knowledge.get_reason(named_code).title.lower()
    if verdict.kind == "same":
        recorded = b.escape(title.lower())
        return f"Yes — that's what our records show for *{b.escape(mailbox.email)}*: _{recorded}_.", None
    if verdict.kind == "compatible":
        return f"Yes — {verdict.because}. That's what our records show for *{b.escape(mailbox.email)}*.", None
    if verdict.kind == "unconfirmed":
        return None, (
            f"You mentioned _{named}_. Our records don't show a clear cause for this mailbox, so I can't "
            "confirm it: support can check with the provider."
        )
    return None, (
        f"You mentioned _{named}_, but our records show a different cause for this "
        f"mailbox: _{b.escape(title.lower())}_. The steps below are for what our records show."
    )


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
