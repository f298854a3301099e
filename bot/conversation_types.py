"""The data the conversation layer takes and returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
    about_email: str | None = None
    general: bool = False
    wants_help: bool = False


@dataclass(frozen=True)
class Reply:
    """What to send: notification text, Block Kit blocks, and whether it shows mailbox details."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    private: bool = False
