"""The conversation, pure: (question, asker, mailboxes) → a reply. No Slack or HTTP objects here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import knowledge
from bot import fleet as f
from bot.home import home_blocks
from bot.mailbox_list import ListRequest
from bot.reading import read_question
from bot.replies import (
    no_mailbox,
    refuse_other_address,
)
from mailbox_assistant.conversations.types import Asker, Question, Reply
from mailbox_assistant.mailboxes.cards import connected_blocks, disconnected_blocks
from mailbox_assistant.mailboxes.incidents import ProviderIncident, incident_for
from mailbox_assistant.mailboxes.status import Mailbox
from mailbox_assistant.slack import blocks as b

__all__ = [
    "Asker",
    "Question",
    "Reply",
    "answer",
    "general_answer",
    "home_blocks",
    "read_question",
    "status_answer",
]


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
    of = None  # whose mailboxes the answer shows, when not the asker's own (an admin's lookup)
    if question.about_email:
        looked_up = question.about_email
        named = [m for m in own if m.email.lower() == looked_up]
        is_own_address = bool(named) or looked_up == (asker.email or "").lower()
        mailboxes = (named or own) if is_own_address else (others or [])
        of = None if is_own_address else looked_up
    if not mailboxes:
        return no_mailbox(looked_up)
    disconnected = [m for m in mailboxes if m.is_disconnected]
    if not disconnected and question.intent == "how_to_reconnect":
        return general_answer(question, provider=mailboxes[0].provider, lead=_all_connected_line(mailboxes))
    return status_answer(
        question,
        mailboxes,
        reconnect_url=reconnect_url,
        now=now or datetime.now(UTC),
        incidents=incidents,
        of=of,
    )


def status_answer(
    question: Question,
    mailboxes: list[Mailbox],
    *,
    reconnect_url: Callable[[Mailbox], str],
    now: datetime,
    incidents: list[ProviderIncident] | None = None,
    of: str | None = None,
) -> Reply:
    """The status of `mailboxes` (`of`: the address an admin looked up): a few are shown in full, one
    section each, disconnected first; a larger fleet as a summary, the few in full and the rest compact
    (`fleet_answer`). Either fits one message (at most 50 blocks, leads added by the answer path
    included)."""
    disconnected = [m for m in mailboxes if m.is_disconnected]
    connected = [m for m in mailboxes if not m.is_disconnected]
    out: list[dict[str, Any]] = []
    if question.intent == "contact_support":
        out.append(
            b.build_section("Press *Talk to support* under a mailbox and support will get its details.")
        )
    text = _summary_text(disconnected, connected)
    if not f.is_few(mailboxes):
        out += fleet_answer(question, mailboxes, reconnect_url=reconnect_url, incidents=incidents, of=of)
        shown_first = f.fleet_of(mailboxes).detailed()
        rest = [m for m in mailboxes if m not in shown_first]
        return Reply(text=text, blocks=out, private=True, mailboxes=(*shown_first, *rest))
    if len(mailboxes) > 1:
        out.append(b.build_section(f"You have {len(mailboxes)} mailboxes; {len(disconnected)} disconnected."))
    for mailbox in disconnected:
        out.extend(
            disconnected_blocks(
                mailbox,
                reconnect_url,
                incident_for(mailbox, incidents),
                named_reason=question.named_reason,
                denied_reason=question.denied_reason,
            )
        )
        if len(mailboxes) > 1:
            out.append(b.build_divider())
    if connected and not disconnected:
        out.append(b.build_section(_all_connected_line(connected), block_id="all_connected"))
    for mailbox in connected:
        lines = connected_blocks(mailbox, now, with_cause=not disconnected)
        out.extend(lines[1:] if len(mailboxes) == 1 else lines)
    lapses = f.lapses_block(f.fleet_of(connected))
    if lapses:
        out.append(lapses)
    out.extend(_closing(disconnected, connected))
    return Reply(text=text, blocks=out, private=True, mailboxes=tuple(mailboxes))


def fleet_answer(
    question: Question,
    mailboxes: list[Mailbox],
    *,
    reconnect_url: Callable[[Mailbox], str],
    incidents: list[ProviderIncident] | None = None,
    of: str | None = None,
) -> list[dict[str, Any]]:
    """A large fleet in one message: the summary by cause, the few disconnected that need action first in
    full (`fleet.DETAILED`, at most 8 blocks each), one compact line per cause with its action, the
    coming lapses, the connected ones on a line, and the full list. At most
    1 + 8 × DETAILED + (documented causes) + 4 + 2 blocks, whatever the number of mailboxes."""
    fleet = f.fleet_of(mailboxes)
    request = ListRequest(of=of)
    out = [f.summary_block(fleet, whose="You have" if of is None else "There are")]
    detailed = fleet.detailed()
    for mailbox in detailed:
        out += disconnected_blocks(
            mailbox,
            reconnect_url,
            incident_for(mailbox, incidents),
            named_reason=question.named_reason,
            denied_reason=question.denied_reason,
        )
        out.append(b.build_divider())
    out += [
        f.group_block(group, detailed, reconnect_url, lambda cause: request.value(cause=cause))
        for group in fleet.groups
    ]
    out += [block for block in (f.lapses_block(fleet), f.connected_block(fleet)) if block]
    see_all = f.list_button(f"See all {fleet.size} mailboxes", "mailboxes:all", request.value())
    out.append(b.build_actions([see_all], block_id="see_all"))
    return out + _closing(fleet.disconnected, list(fleet.connected))


def _closing(disconnected: list[Mailbox], connected: list[Mailbox]) -> list[dict[str, Any]]:
    """ "Did this help?" after disconnected mailboxes, else a way to support."""
    if disconnected:
        return b.build_feedback_with_question(disconnected[0].id)
    return [b.build_actions([b.build_escalate_button(connected[0].id)], block_id="support")]


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


def _all_connected_line(mailboxes: list[Mailbox]) -> str:
    lapsing = len(f.fleet_of(mailboxes).lapses)
    if len(mailboxes) == 1:
        email = b.escape(mailboxes[0].email)
        if lapsing:
            return f":large_green_circle: *{email}* is connected right now, but its sign-in expires soon:"
        return f":white_check_mark: Good news: *{email}* is connected right now."
    if lapsing:
        return (
            f":large_green_circle: All {len(mailboxes)} of your mailboxes are connected right now, but "
            f"{lapsing} {'needs' if lapsing == 1 else 'need'} signing in again soon:"
        )
    return f":white_check_mark: Good news: all {len(mailboxes)} of your mailboxes are connected right now."


def _summary_text(disconnected: list[Mailbox], connected: list[Mailbox]) -> str:
    if not disconnected:
        return "All your mailboxes are connected."
    first = disconnected[0]
    reason = knowledge.get_reason(first.reason_code)
    more = f" (and {len(disconnected) - 1} more)" if len(disconnected) > 1 else ""
    return f"{b.escape(first.email)} is disconnected{more}: {reason.title}"


def _numbered(steps: tuple[str, ...]) -> str:
    return "\n".join(f"{number}. {step}" for number, step in enumerate(steps, start=1))
