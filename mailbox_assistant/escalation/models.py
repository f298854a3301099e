"""The escalation table: one case per mailbox handed to support, and its delivery (outbox) state."""

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

ESCALATION_STATUSES = ("queued", "sending", "sent", "failed")


class Escalation(Base):
    """A case handed to support: a snapshot of what support needs, and its delivery state (an outbox row).

    `open_key` (asker + mailbox) is unique while the case is open and NULL once closed, so the database
    itself refuses a second open case for the same person and mailbox, whichever process asks.
    """

    __tablename__ = "escalations"
    __table_args__ = (
        CheckConstraint(one_of("status", ESCALATION_STATUSES), name="status"),
        Index("ix_escalations_status_run_at", "status", "run_at"),
        Index("ix_escalations_asker_slack_id_id", "asker_slack_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    open_key: Mapped[str | None] = mapped_column(String(400), unique=True)
    # who asked
    asker_slack_id: Mapped[str] = mapped_column(String(32))
    asker_team_id: Mapped[str | None] = mapped_column(String(32))
    asker_name: Mapped[str] = mapped_column(String(200))
    asker_email: Mapped[str | None] = mapped_column(String(320))
    # the mailbox, as the status API knew it when the case was opened
    mailbox_ref: Mapped[str] = mapped_column(String(320))
    mailbox_id: Mapped[int | None] = mapped_column(BigInteger)
    mailbox_email: Mapped[str | None] = mapped_column(String(320))
    provider: Mapped[str | None] = mapped_column(String(40))
    mailbox_status: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(64))
    reason_title: Mapped[str] = mapped_column(String(200))
    raw_error: Mapped[str | None] = mapped_column(Text)
    failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    transcript: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # delivery (outbox): the email and the support-channel post are tracked apart
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lease_token: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    email_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    slack_posted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
