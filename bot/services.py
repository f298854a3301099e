"""What the listeners share: the Slack-side adapters (the directory of people, delivering views) over the
one answer path (`bot/answering.py`), which fetches, decides and records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import replies
from bot.answering import AnswerPath
from bot.conversation import Asker, Question, Reply
from bot.dedupe import EventDedupe
from bot.delivery import log_refusal, refusal_of
from bot.directory import People, SlackDirectory
from bot.identity import Identity
from bot.mailbox_list import ListRequest
from mailbox_assistant.conversations.transcript import ConversationLog
from mailbox_assistant.escalation.desk import EscalationDesk
from mailbox_assistant.mailboxes.client import MailboxSource
from mailbox_assistant.mailboxes.status import Mailbox
from mailbox_assistant.reconnect.destination import reconnect_url
from mailbox_assistant.settings import Settings
from mailbox_assistant.slack.blocks import build_home_view


@dataclass
class Services:
    """The bot's collaborators, handed to every listener through Bolt's context."""

    settings: Settings
    source: MailboxSource
    conversations: ConversationLog
    escalations: EscalationDesk
    dedupe: EventDedupe
    identity: Identity = field(default_factory=Identity)
    people: People = field(default_factory=People)

    def __post_init__(self) -> None:
        self.path = AnswerPath(
            source=self.source,
            reconnect_url=self.reconnect_url,
            admin_ids=self.settings.admin_slack_ids,
            conversations=self.conversations,
            escalations=self.escalations,
        )

    def first_delivery(self, body: dict[str, Any]) -> bool:
        """False for a retried delivery of an event some bot process already handled (then do nothing)."""
        return self.dedupe.first_delivery_of(body)

    def reconnect_url(self, mailbox: Mailbox) -> str:
        """The reconnect link for `mailbox`."""
        return reconnect_url(mailbox, self.settings)

    def directory(self, client: WebClient) -> SlackDirectory:
        """People as this request's Slack client finds them (users cached across requests)."""
        return SlackDirectory(client, self.identity, self.people)

    def asker(self, client: WebClient, user_id: str) -> Asker | None:
        """The asker behind a Slack user id; None for bots."""
        return self.path.asker(self.directory(client), user_id)

    def answer(
        self,
        client: WebClient,
        user_id: str,
        text: str,
        deliver: Callable[[Reply], object],
        question: Question | None = None,
        *,
        bot_user_id: str | None = None,
        with_file: bool = False,
    ) -> Reply | None:
        """Answer `text` from `user_id` through the one answer path (`bot/answering.py`): build the reply,
        `deliver` it (post it to Slack), then record the turns; None when the user is a bot."""
        return self.path.answer(
            self.directory(client),
            user_id,
            text,
            deliver,
            question=question,
            bot_user_id=bot_user_id,
            with_file=with_file,
        )

    def home_view(self, client: WebClient, user_id: str, page: int = 1) -> dict[str, Any]:
        """The App Home view of `user_id` (page `page` of a large fleet)."""
        asker = self.asker(client, user_id) or Asker(slack_id=user_id, email=None)
        return build_home_view(self.path.home_blocks(asker, page=page))

    def publish_home(self, client: WebClient, user_id: str, page: int = 1) -> None:
        """Publish the Home tab of `user_id`; a view Slack refuses is logged and replaced by an apology."""
        view = self.home_view(client, user_id, page)
        try:
            client.views_publish(user_id=user_id, view=view)
        except SlackApiError as error:
            refused = refusal_of(error)
            if refused is None:
                raise
            log_refusal(refused, surface="home", user_id=user_id, blocks=len(view["blocks"]))
            client.views_publish(user_id=user_id, view=build_home_view(replies.home_refused().blocks))

    def mailbox_list(self, client: WebClient, user_id: str, request: ListRequest) -> dict[str, Any]:
        """The modal of the list `request` asks for, if `user_id` may see it: their own mailboxes, or (an
        admin) those of the address they looked up."""
        return self.path.list_view(self.asker(client, user_id), request)

    def pointer(self, user_id: str) -> Reply:
        """The brief public answer that sends the asker to their private details."""
        return replies.public_pointer(Asker(slack_id=user_id, email=None))
