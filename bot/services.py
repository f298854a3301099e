"""What the listeners share: settings, the mailbox source and identity lookups, with one answer path."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient

from bot import assistant, conversation, replies
from bot.blocks import build_home_view
from bot.conversation import Asker, Question, Reply
from bot.dedupe import EventDedupe
from bot.escalation import EscalationDesk, answer_contact_support
from bot.identity import Identity
from bot.links import reconnect_url
from bot.mailbox import Mailbox
from bot.plaintext import render_blocks
from bot.transcript import ConversationLog
from mailbox_assistant.settings import Settings


@dataclass
class Services:
    """The bot's collaborators, handed to every listener through Bolt's context."""

    settings: Settings
    source: assistant.MailboxSource
    identity: Identity = field(default_factory=Identity)
    conversations: ConversationLog | None = None
    escalations: EscalationDesk | None = None
    dedupe: EventDedupe | None = None

    def first_delivery(self, body: dict[str, Any]) -> bool:
        """False for a retried delivery of an event some bot process already handled (then do nothing)."""
        return self.dedupe is None or self.dedupe.first_delivery_of(body)

    def reconnect_url(self, mailbox: Mailbox) -> str:
        """The reconnect link for `mailbox`."""
        return reconnect_url(mailbox, self.settings)

    def asker(self, client: WebClient, user_id: str) -> Asker | None:
        """The asker behind a Slack user id; None for bots."""
        user = self.identity.user(client, user_id)
        if user.is_bot:
            return None
        return Asker(slack_id=user_id, email=user.email, is_admin=user_id in self.settings.admin_slack_ids)

    def answer(
        self,
        client: WebClient,
        user_id: str,
        text: str,
        deliver: Callable[[Reply], object],
        question: Question | None = None,
    ) -> Reply | None:
        """Answer `text` from `user_id`: build the reply, `deliver` it (post it to Slack), then record the
        turns; None (nothing delivered) when the user is a bot.

        The transcript is written after the reply is delivered, so the person never waits for it; it is
        read only by an escalation, which needs a later click. Asking for a human is the exception: the
        case being opened copies the transcript, so the question is recorded before it."""
        asker = self.asker(client, user_id)
        if asker is None:
            return None
        question = question or conversation.read_question(text)
        if self.wants_support(question):
            self.record_turns(user_id, [("user", text)])
            reply = answer_contact_support(client, self, user_id, asker)
            self.deliver_then_record(user_id, reply, deliver)
            return reply
        reply = assistant.respond_to(question, asker, self.source, self.reconnect_url)
        self.deliver_then_record(user_id, reply, deliver, question_text=text)
        return reply

    def deliver_then_record(
        self,
        user_id: str,
        reply: Reply,
        deliver: Callable[[Reply], object],
        question_text: str | None = None,
    ) -> None:
        """Deliver `reply`, then record the question (when given) and the reply; a reply that could not be
        delivered is not recorded as said (the question still is), and the error propagates."""
        question_turns = [("user", question_text)] if question_text is not None else []
        try:
            deliver(reply)
        except Exception:
            self.record_turns(user_id, question_turns)
            raise
        self.record_turns(user_id, [*question_turns, ("bot", render_blocks(reply.blocks, reply.text))])

    def wants_support(self, question: Question) -> bool:
        """True when the person asks for a human ("can I talk to support?", "this didn't help")."""
        return (
            self.escalations is not None
            and question.intent == "contact_support"
            and not question.wants_help
            and not question.general
        )

    def record_turns(self, user_id: str, turns: list[tuple[str, str]]) -> None:
        """Keep turns (role, text) of the conversation for a later escalation (no-op without a database)."""
        if self.conversations is not None:
            self.conversations.record_many(user_id, turns)

    def home_view(self, client: WebClient, user_id: str) -> dict[str, Any]:
        """The App Home view of `user_id`."""
        asker = self.asker(client, user_id) or Asker(slack_id=user_id, email=None)
        return build_home_view(assistant.home_blocks(asker, self.source, self.reconnect_url))

    def pointer(self, user_id: str) -> Reply:
        """The brief public answer that sends the asker to their private details."""
        return replies.public_pointer(Asker(slack_id=user_id, email=None))
