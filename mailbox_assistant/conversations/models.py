"""The bot's tables: Slack events already handled, and the recent conversation with each person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from mailbox_assistant.orm import Base, BigId, UtcDateTime, one_of, utcnow


class SlackEventSeen(Base):
    """A Slack event id the bot has handled; its unique key makes a retried delivery a no-op."""

    __tablename__ = "slack_events_seen"
    __table_args__ = (Index("ix_slack_events_seen_received_at", "received_at"),)

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


TURN_ROLES = ("user", "bot")


class ConversationTurn(Base):
    """One recent message of a conversation with the bot (bounded per user), copied into escalations."""

    __tablename__ = "conversation_turns"
    __table_args__ = (
        CheckConstraint(one_of("role", TURN_ROLES), name="role"),
        Index("ix_conversation_turns_slack_user_id_id", "slack_user_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    slack_user_id: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # On a bot turn: the mailboxes the answer showed, as it showed them (bot/follow_up.py; migration 0007).
    about: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
