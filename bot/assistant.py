"""Answer a person: fetch what the conversation needs from a mailbox source, then ask the pure layer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Protocol

from bot import conversation, home, replies
from bot.conversation import Asker, Question, Reply
from mailbox_assistant.mailboxes.client import StatusApiUnavailable
from mailbox_assistant.mailboxes.incidents import OUTAGE_REASONS, ProviderIncident
from mailbox_assistant.mailboxes.recent import RECENT
from mailbox_assistant.mailboxes.status import Mailbox, parse_time

FIXED_REPLIES = {"thanks": replies.thanks_reply, "off_topic": replies.off_topic_reply}
MAX_HISTORY_READS = 5  # history reads per answer (one per disconnected mailbox the list did not count)


class MailboxSource(Protocol):
    """Where mailbox statuses come from (the status API client; the demo can plug in another)."""

    def mailboxes_for(self, owner_email: str) -> list[Mailbox]: ...

    def find_by_email(self, email: str) -> list[Mailbox]: ...

    def mailbox_by_email(self, email: str) -> Mailbox | None: ...

    def mailbox(self, mailbox_id: str) -> Mailbox | None: ...


def respond(
    text: str,
    asker: Asker,
    source: MailboxSource,
    reconnect_url: Callable[[Mailbox], str],
    now: datetime | None = None,
) -> Reply:
    """The reply to `text` from `asker`; a status API failure becomes an apology, never an exception."""
    return respond_to(conversation.read_question(text), asker, source, reconnect_url, now)


def respond_to(
    question: Question,
    asker: Asker,
    source: MailboxSource,
    reconnect_url: Callable[[Mailbox], str],
    now: datetime | None = None,
) -> Reply:
    """The reply to an already-read question (the slash command's subcommands build theirs)."""
    if question.wants_help:
        return FIXED_REPLIES.get(question.topic, replies.help_reply)()
    if (question.about_name or question.about_slack_id not in (None, asker.slack_id)) and not asker.is_admin:
        return replies.refuse_other_person()  # asked about a colleague by name or mention, before any lookup
    if question.general:
        return conversation.general_answer(question)
    if not asker.email:
        return replies.no_email(asker)
    try:
        own = source.mailboxes_for(asker.email)
        others = None
        if question.about_email and conversation.may_ask_about(question, asker, own):
            own_addresses = {m.email.lower() for m in own} | {asker.email.lower()}
            if question.about_email not in own_addresses:
                others = source.find_by_email(question.about_email)
        own = with_recent_disconnects(source, own, now or datetime.now(UTC))
    except StatusApiUnavailable:
        if question.intent == "how_to_reconnect":
            return conversation.general_answer(question, lead=replies.status_unavailable().text)
        return replies.status_unavailable()
    incidents = active_incidents(source, own + (others or []))
    return conversation.answer(
        question, asker, own, others=others, reconnect_url=reconnect_url, now=now, incidents=incidents
    )


def active_incidents(source: MailboxSource, mailboxes: list[Mailbox]) -> list[ProviderIncident]:
    """Active provider incidents, fetched only when one could explain a disconnected mailbox; a source
    without incidents (the demo) or a failed fetch means none."""
    fetch = getattr(source, "incidents", None)
    if fetch is None or not any(m.is_disconnected and m.reason_code in OUTAGE_REASONS for m in mailboxes):
        return []
    try:
        return [ProviderIncident.from_json(item) for item in fetch()]
    except (StatusApiUnavailable, KeyError, TypeError, ValueError):
        return []


def with_recent_disconnects(source: MailboxSource, mailboxes: list[Mailbox], now: datetime) -> list[Mailbox]:
    """`mailboxes`, each disconnected one with how often it disconnected recently, so a mailbox that keeps
    disconnecting puts support first. The status API's list counts them; a mailbox without the count
    (an older status API) has its event history read instead."""
    events_of = getattr(source, "events", None)
    if events_of is None:
        return mailboxes
    out: list[Mailbox] = []
    reads = 0
    for mailbox in mailboxes:
        if mailbox.is_disconnected and mailbox.recent_disconnects is None and reads < MAX_HISTORY_READS:
            reads += 1
            mailbox = replace(
                mailbox, recent_disconnects=_recent_disconnects(events_of(mailbox.id, limit=10), now)
            )
        out.append(mailbox)
    return out


def _recent_disconnects(events: list[dict[str, Any]], now: datetime) -> int:
    """How many of `events` are disconnections within `RECENT` before `now`."""
    since = now - RECENT
    return sum(
        1
        for event in events
        if event.get("type") == "disconnected" and (parse_time(event.get("occurred_at")) or now) > since
    )


def home_blocks(
    asker: Asker,
    source: MailboxSource,
    reconnect_url: Callable[[Mailbox], str],
    now: datetime | None = None,
    page: int = 1,
) -> list[dict[str, Any]]:
    """The App Home blocks (page `page`) for `asker`; an apology when the status API cannot answer."""
    if not asker.email:
        return replies.no_email(asker).blocks
    try:
        mailboxes = source.mailboxes_for(asker.email)
    except StatusApiUnavailable:
        return replies.status_unavailable().blocks
    return home.home_blocks(mailboxes, reconnect_url=reconnect_url, now=now or datetime.now(UTC), page=page)
