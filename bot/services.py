"""What the listeners share: settings, the mailbox source and identity lookups, with one answer path."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient

from bot import assistant, conversation, replies
from bot.blocks import build_home_view
from bot.conversation import Asker, Question, Reply
from bot.identity import Identity
from bot.links import reconnect_url
from bot.mailbox import Mailbox
from mailbox_assistant.settings import Settings


@dataclass
class Services:
    """The bot's collaborators, handed to every listener through Bolt's context."""

    settings: Settings
    source: assistant.MailboxSource
    identity: Identity = field(default_factory=Identity)

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
        self, client: WebClient, user_id: str, text: str, question: Question | None = None
    ) -> Reply | None:
        """The reply to `text` from `user_id` (None when the user is a bot)."""
        asker = self.asker(client, user_id)
        if asker is None:
            return None
        question = question or conversation.read_question(text)
        return assistant.respond_to(question, asker, self.source, self.reconnect_url)

    def home_view(self, client: WebClient, user_id: str) -> dict[str, Any]:
        """The App Home view of `user_id`."""
        asker = self.asker(client, user_id) or Asker(slack_id=user_id, email=None)
        return build_home_view(assistant.home_blocks(asker, self.source, self.reconnect_url))

    def pointer(self, user_id: str) -> Reply:
        """The brief public answer that sends the asker to their private details."""
        return replies.public_pointer(Asker(slack_id=user_id, email=None))
