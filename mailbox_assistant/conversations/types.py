"""The data the conversation layer takes and returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mailbox_assistant.mailboxes.status import Mailbox


@dataclass(frozen=True)
class Asker:
    """Who is asking: their Slack id, the email Slack knows for them, and whether they are an admin."""

    slack_id: str
    email: str | None
    is_admin: bool = False


@dataclass(frozen=True)
class Question:
    """A question as the bot understood it."""

    text: str
    intent: str
    named_reason: str | None = None
    # A cause the person says did not happen ("I did NOT change my password").
    denied_reason: str | None = None
    about_email: str | None = None
    general: bool = False
    wants_help: bool = False  # not a question about a mailbox: `topic` says which fixed reply fits
    topic: str = "mailbox"  # "mailbox", "help", "thanks" or "off_topic"
    about_slack_id: str | None = None  # someone mentioned (<@U…>)
    about_name: str | None = None  # someone named ("frank's inbox")
    follow_up: bool = False  # reads as a follow-up ("still broken", "any update?")
    frustrated: bool = False  # angry or fed up ("wtf", "3rd time this week")
    asks_if_fixed: bool = False  # "is it fixed now?"
    asks_how: bool = False  # "how do I fix it?": wants the steps
    language: str = "en"
    with_file: bool = False  # a file or screenshot came with it (not read)

    @property
    def names_someone(self) -> bool:
        """True when the question names a person or an address (who may be someone else)."""
        return bool(self.about_email or self.about_slack_id or self.about_name)


@dataclass(frozen=True)
class Reply:
    """What to send: notification text, Block Kit blocks, and whether it shows mailbox details."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    private: bool = False
    # What the reply said about mailbox statuses, so a follow-up can tell what changed since.
    mailboxes: tuple[Mailbox, ...] = ()
    follow_ups: int = 0  # follow-ups answered since the last full answer, this one included


@dataclass(frozen=True)
class SlackUser:
    """What the bot needs to know about a Slack user."""

    id: str
    email: str | None
    name: str
    is_bot: bool
    names: tuple[str, ...] = ()  # real name and display name, for finding people by name
    handle: str = ""  # Slack's `name` (the @handle)
    deleted: bool = False
