"""Answer a person: fetch what the conversation needs from a mailbox source, then ask the pure layer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from bot import conversation, replies
from bot.conversation import Asker, Question, Reply
from bot.mailbox import Mailbox
from bot.status_client import StatusApiUnavailable


class MailboxSource(Protocol):
    """Where mailbox statuses come from (the status API client; the demo can plug in another)."""

    def mailboxes_for(self, owner_email: str) -> list[Mailbox]: ...

    def find_by_email(self, email: str) -> list[Mailbox]: ...


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
        return replies.help_reply()
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
    except StatusApiUnavailable:
        if question.intent == "how_to_reconnect":
            return conversation.general_answer(question, lead=replies.status_unavailable().text)
        return replies.status_unavailable()
    return conversation.answer(question, asker, own, others=others, reconnect_url=reconnect_url, now=now)


def home_blocks(
    asker: Asker,
    source: MailboxSource,
    reconnect_url: Callable[[Mailbox], str],
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """The App Home blocks for `asker`; an apology when the status API cannot answer."""
    if not asker.email:
        return replies.no_email(asker).blocks
    try:
        mailboxes = source.mailboxes_for(asker.email)
    except StatusApiUnavailable:
        return replies.status_unavailable().blocks
    return conversation.home_blocks(mailboxes, reconnect_url=reconnect_url, now=now or datetime.now(UTC))
