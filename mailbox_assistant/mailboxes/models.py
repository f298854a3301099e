"""Tables of the mailbox status domain: mailboxes, their append-only events, provider incidents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from mailbox_assistant.orm import Base, BigId, UtcDateTime, one_of, utcnow

MAILBOX_STATUSES = ("connected", "disconnected")


EVENT_TYPES = ("disconnected", "reconnected", "error")


class Mailbox(Base):
    """A connected sales mailbox and its current status; emails are stored lower-case (unique)."""

    __tablename__ = "mailboxes"
    __table_args__ = (
        CheckConstraint(one_of("status", MAILBOX_STATUSES), name="status"),
        Index("ix_mailboxes_owner_email_id", "owner_email", "id"),
        Index("ix_mailboxes_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    provider: Mapped[str] = mapped_column(String(40))
    owner_email: Mapped[str] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(16), default="connected")
    disconnected_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_failure_reason: Mapped[str | None] = mapped_column(String(64))
    last_failure_error: Mapped[str | None] = mapped_column(Text)
    last_failure_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_failure_confidence: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Event(Base):
    """One append-only status event of a mailbox, classified when it was written."""

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint(one_of("type", EVENT_TYPES), name="type"),
        UniqueConstraint("mailbox_id", "idempotency_key"),
        Index("ix_events_mailbox_id_id", "mailbox_id", "id"),
        # store.recent_disconnects: a mailbox's `disconnected` events since a time, an index range.
        Index("ix_events_mailbox_id_type_occurred_at", "mailbox_id", "type", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(BigId, ForeignKey("mailboxes.id"))
    type: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None] = mapped_column(Float)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))


class Incident(Base):
    """A provider outage: many mailboxes of one provider disconnected with `provider_outage` at once."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_provider_ended_at", "provider", "ended_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    provider: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_disconnected_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    mailbox_count: Mapped[int] = mapped_column(Integer, default=0)
    reconnected_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
