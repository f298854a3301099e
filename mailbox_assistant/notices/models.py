"""Tables of proactive notices: the outbox of DMs, recipients, mailbox state, pacing, feed cursor."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from mailbox_assistant.orm import Base, BigId, UtcDateTime, one_of, utcnow

NOTIFICATION_KINDS = ("disconnected", "flapping", "reminder", "incident", "resolved")


NOTIFICATION_STATUSES = ("pending", "sending", "sent", "skipped", "failed")


LOOKUP_STATUSES = ("found", "no_slack_user", "deactivated")


class WorkerCursor(Base):
    """How far a feed consumer has read (the last event id it handled), durable across restarts."""

    __tablename__ = "worker_cursors"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Notification(Base):
    """One proactive Slack message to send (an outbox row), and what became of it.

    `dedupe_key` is unique (e.g. `disconnected:<event id>`), so reading a feed page again, or two
    workers reading it, never makes a second row. Rows of one owner share a DM; a grouped message
    is several rows with the same `slack_channel` + `slack_ts`, which `chat.update` rewrites.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(one_of("kind", NOTIFICATION_KINDS), name="kind"),
        CheckConstraint(one_of("status", NOTIFICATION_STATUSES), name="status"),
        Index("ix_notifications_status_run_at", "status", "run_at"),
        Index("ix_notifications_owner_email_status", "owner_email", "status"),
        Index("ix_notifications_mailbox_id_id", "mailbox_id", "id"),
        Index("ix_notifications_slack_ts", "slack_ts"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    mailbox_id: Mapped[int] = mapped_column(BigInteger)
    owner_email: Mapped[str] = mapped_column(String(320))
    provider: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(String(64))
    event_id: Mapped[int | None] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    mailbox: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    incident_id: Mapped[int | None] = mapped_column(BigInteger)
    refers_to_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    outcome: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    attempt_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    slack_channel: Mapped[str | None] = mapped_column(String(64))
    slack_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_by_event_id: Mapped[int | None] = mapped_column(BigInteger)


class NotifyRecipient(Base):
    """A mailbox owner as a Slack DM target: the lookup result, per-channel pacing and the send lease.

    A worker holds `locked_until` while it sends to this owner, so one owner's messages are never sent
    by two workers at once, and `next_send_at` keeps Slack's 1 message per second per channel.
    """

    __tablename__ = "notify_recipients"
    __table_args__ = (CheckConstraint(one_of("lookup_status", LOOKUP_STATUSES), name="lookup_status"),)

    owner_email: Mapped[str] = mapped_column(String(320), primary_key=True)
    lookup_status: Mapped[str | None] = mapped_column(String(16))
    slack_user_id: Mapped[str | None] = mapped_column(String(32))
    slack_channel: Mapped[str | None] = mapped_column(String(64))
    looked_up_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    next_send_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lease_token: Mapped[str | None] = mapped_column(String(32))


class NotifyMailboxState(Base):
    """A mailbox's state as the feed consumer has seen it: its open disconnection, flapping, incident."""

    __tablename__ = "notify_mailbox_states"

    mailbox_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="connected")
    disconnected_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_disconnected_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    flapping_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    incident_id: Mapped[int | None] = mapped_column(BigInteger)


class SendPacing(Base):
    """The next free send slot of a rate limit shared by all workers (e.g. Slack messages per second)."""

    __tablename__ = "send_pacing"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_slot_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
