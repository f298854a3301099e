"""Follow-ups, pure: a message soon after an answer about the same mailboxes ("still broken", "is it fixed
now?") gets what changed since that answer, not the whole explanation again ("ok how do I fix it?" gets
the steps with it); and support first once the person is clearly fed up (`support_first`, which an angry
first question gets too).

The last answer is remembered with the conversation's turns (`bot/transcript.py`, the bot turn's
`about`): the mailboxes it showed, as it showed them, and how many follow-ups came since.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import knowledge
from mailbox_assistant.conversations.types import Question, Reply
from mailbox_assistant.mailboxes.cards import disconnected_blocks
from mailbox_assistant.mailboxes.status import Mailbox, parse_time
from mailbox_assistant.slack import blocks as b

FOLLOW_UP_WINDOW = timedelta(minutes=10)  # a message later than this after the answer is a new question
SUPPORT_FIRST_AT = 3  # the third follow-up in a row puts support first (an angry one at once)
MAX_REMEMBERED = 10  # mailboxes remembered of one answer
MAX_EXPLAINED = 3  # new disconnections explained in full in one follow-up (9 blocks each, the rest 2)


@dataclass(frozen=True)
class Seen:
    """One mailbox as an answer showed it."""

    id: str
    email: str
    status: str
    disconnected_at: datetime | None


@dataclass(frozen=True)
class LastAnswer:
    """The bot's last answer about mailboxes: when, which mailboxes as they were, follow-ups since."""

    at: datetime
    mailboxes: tuple[Seen, ...]
    follow_ups: int = 0
    total: int = 0  # how many mailboxes the answer was about (more than it remembered, for a fleet)

    @classmethod
    def from_about(cls, at: datetime, about: dict[str, Any]) -> LastAnswer | None:
        """Read back what `about_of` remembered; None when it says nothing usable."""
        try:
            seen = tuple(
                Seen(str(m["id"]), m["email"], m["status"], parse_time(m.get("disconnected_at")))
                for m in about["mailboxes"]
            )
            total = int(about.get("total") or len(seen))
            follow_ups = int(about.get("follow_ups") or 0)
            return cls(at=at, mailboxes=seen, follow_ups=follow_ups, total=total) if seen else None
        except (KeyError, TypeError, ValueError):
            return None


def about_of(reply: Reply) -> dict[str, Any] | None:
    """What to remember of a reply for a follow-up (JSON): its mailboxes as shown; None for replies that
    showed no mailbox status."""
    if not reply.mailboxes:
        return None
    return {
        "mailboxes": [
            {
                "id": m.id,
                "email": m.email,
                "status": m.status,
                "disconnected_at": m.disconnected_at.isoformat() if m.disconnected_at else None,
            }
            for m in reply.mailboxes[:MAX_REMEMBERED]
        ],
        "follow_ups": reply.follow_ups,
        "total": len(reply.mailboxes),
    }


def is_follow_up(question: Question, last: LastAnswer | None, now: datetime) -> bool:
    """True when `question` follows up on `last`: soon after it, sounding like a follow-up, and asking
    nothing new (no cause, person or address named, not how to fix it, not for a human). Whether it
    asks how is read from the words, not the intent: a short "and now?" can be read as how-to."""
    return (
        question.follow_up
        and question.intent != "contact_support"
        and not question.asks_how
        and _soon_and_nothing_new(question, last, now)
    )


def is_how_follow_up(question: Question, last: LastAnswer | None, now: datetime) -> bool:
    """True when `question` asks what to do soon after an answer about mailboxes ("ok how do I fix it?"):
    it gets the steps and the buttons again, with what changed, not the explanation just read. Like
    `is_follow_up` it names nothing new; unlike it, it needs no follow-up word, but the matcher's
    how-to intent as well as the words ("how come it dropped?" asks why)."""
    return (
        question.asks_how
        and question.intent == "how_to_reconnect"
        and question.topic == "mailbox"
        and _soon_and_nothing_new(question, last, now)
    )


def _soon_and_nothing_new(question: Question, last: LastAnswer | None, now: datetime) -> bool:
    """Within the window after `last`, naming no cause, person or address, about a mailbox, no file. An
    answer about more mailboxes than it remembered (a fleet) is answered afresh: the summary is the news."""
    return (
        last is not None
        and last.total <= MAX_REMEMBERED
        and timedelta(0) <= now - last.at <= FOLLOW_UP_WINDOW
        and not question.named_reason
        and not question.names_someone
        and not question.general
        and not question.with_file
    )


def follow_up_answer(
    question: Question, last: LastAnswer, current: list[Mailbox], *, reconnect_url: Callable[[Mailbox], str]
) -> Reply:
    """What changed since `last` for its mailboxes (`current`: as they are now), briefly; support first
    on the third follow-up in a row or an angry one."""
    count = last.follow_ups + 1
    now_by_id = {m.id: m for m in current}
    pairs = [(seen, now_by_id[seen.id]) for seen in last.mailboxes if seen.id in now_by_id]
    out: list[dict[str, Any]] = []
    explained = 0  # new disconnections explained in full; the rest briefly, so the reply fits a message
    for seen, mailbox in pairs:
        changes = _changes(question, seen, mailbox, reconnect_url, in_full=explained < MAX_EXPLAINED)
        if len(changes) > 2:
            explained += 1
        out.extend(changes)
    if not pairs:
        out.append(b.build_section("I can't find the mailboxes of my last answer any more.", block_id="gone"))
    out.append(
        b.build_context("Ask “why did my mailbox disconnect?” for the full explanation again.", "follow_up")
    )
    mailboxes = tuple(mailbox for _, mailbox in pairs)
    reply = Reply(text=_summary(pairs), blocks=out, private=True, mailboxes=mailboxes, follow_ups=count)
    return support_first(reply) if question.frustrated or count >= SUPPORT_FIRST_AT else reply


def support_first(reply: Reply) -> Reply:
    """`reply` led by *Talk to support* about its first disconnected mailbox (else its first), whose other
    Talk to support buttons are removed; unchanged when it shows no mailbox."""
    if not reply.mailboxes:
        return reply
    target = next((m for m in reply.mailboxes if m.is_disconnected), reply.mailboxes[0])
    escalate = b.build_escalate_button(target.id, primary=True)
    rest = []
    for block in reply.blocks:
        if block.get("type") == "actions":
            elements = [e for e in block["elements"] if e.get("action_id") != escalate["action_id"]]
            if not elements:
                continue
            block = {**block, "elements": elements}
        elif (block.get("accessory") or {}).get("action_id") == escalate["action_id"]:
            block = {key: value for key, value in block.items() if key != "accessory"}
        rest.append(block)
    lead = [
        b.build_section(
            "I'm sorry this keeps happening. Support can find out why: press *Talk to support* and "
            "they'll get the mailbox's details and our conversation, so you won't have to explain again.",
            block_id="support_first",
        ),
        b.build_actions([escalate], block_id="support_first_actions"),
    ]
    return replace(reply, blocks=[*lead, *rest])


def _changes(
    question: Question,
    seen: Seen,
    mailbox: Mailbox,
    reconnect_url: Callable[[Mailbox], str],
    in_full: bool = True,
) -> list[dict[str, Any]]:
    """The blocks saying how one mailbox changed since the last answer: two at most, but a disconnection
    since then is explained in full when `in_full`."""
    email = b.escape(mailbox.email)
    if not mailbox.is_disconnected:
        if seen.status == "disconnected":
            text = f":large_green_circle: {_yes(question)}*{email}* is connected again now."
        else:
            text = f":large_green_circle: *{email}* is still connected."
        return [b.build_section(text, block_id=f"mailbox:{mailbox.id}")]
    if seen.status != "disconnected" and in_full:  # a new disconnection: the full explanation is news
        lead = b.build_section(f"*{email}* has disconnected since my last answer.", f"changed:{mailbox.id}")
        return [lead, *disconnected_blocks(mailbox, reconnect_url)]
    reason = knowledge.get_reason(mailbox.reason_code)
    title = b.escape((mailbox.last_failure and mailbox.last_failure.title) or reason.title)
    since = b.format_time(mailbox.disconnected_at)
    if seen.status != "disconnected":
        text = f":red_circle: *{email}* has disconnected since my last answer, {since}: *{title}*."
    elif seen.disconnected_at == mailbox.disconnected_at:
        text = (
            f":red_circle: {_no(question)}*{email}* is still disconnected, since {since}: *{title}*. "
            "Nothing has changed since my last answer."
        )
    else:
        text = f":red_circle: *{email}* reconnected, then disconnected again {since}: *{title}*."
    buttons = []
    if reason.self_serve or mailbox.reason_code == "unknown":
        buttons.append(b.build_reconnect_button(mailbox, reconnect_url(mailbox), primary=reason.self_serve))
    buttons.append(b.build_escalate_button(mailbox.id, primary=not reason.self_serve))
    blocks = [b.build_section(text, block_id=f"reason:{mailbox.reason_code}:{mailbox.id}")]
    steps = reason.steps_for(mailbox.provider) if question.asks_how else ()
    if steps:  # "how do I fix it?": the steps, without the explanation again
        blocks.append(b.build_steps(mailbox, steps))
    return [*blocks, b.build_actions(buttons, block_id=f"actions:{mailbox.id}")]


def _yes(question: Question) -> str:
    """ "Yes — " when the person asked whether it is fixed."""
    return "Yes — " if question.asks_if_fixed else ""


def _no(question: Question) -> str:
    """ "No — " when the person asked whether it is fixed."""
    return "No — " if question.asks_if_fixed else ""


def _summary(pairs: list[tuple[Seen, Mailbox]]) -> str:
    """The notification text: the first mailbox's news."""
    if not pairs:
        return "I can't find the mailboxes of my last answer any more."
    seen, mailbox = pairs[0]
    email = b.escape(mailbox.email)
    if not mailbox.is_disconnected:
        state = "connected again" if seen.status == "disconnected" else "still connected"
        return f"{email} is {state}"
    return f"{email} is {'still ' if seen.status == 'disconnected' else ''}disconnected"
