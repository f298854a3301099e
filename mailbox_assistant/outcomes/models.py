"""The outcome tables: feedback votes, the ledger of disconnections, and support's sign-in links."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, Float, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mailbox_assistant.orm import Base, BigId, UtcDateTime, utcnow


class FeedbackVote(Base):
    """A 👍/👎 on one answer (a Slack message) by one person; a second click changes it.

    `answer_ref` names the message (`<channel>:<message ts>`), so the pair (voter, answer) is unique.
    The mailbox, reason, provider, confidence and raw error are those the answer was about, copied when
    the vote was cast: the list support learns from stays as it was, whatever the mailbox does next.
    """

    __tablename__ = "feedback_votes"
    __table_args__ = (
        UniqueConstraint("voter_slack_id", "answer_ref"),
        # The report reads the votes cast since the start of its period.
        Index("ix_feedback_votes_created_at", "created_at"),
        # Support's list of answers voted down, newest first.
        Index("ix_feedback_votes_helpful_updated_at", "helpful", "updated_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    voter_slack_id: Mapped[str] = mapped_column(String(32))
    answer_ref: Mapped[str] = mapped_column(String(128))
    surface: Mapped[str] = mapped_column(String(16))  # answer | notice (a proactive DM)
    helpful: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)  # "what was wrong?", when given
    mailbox_ref: Mapped[str | None] = mapped_column(String(320))
    mailbox_id: Mapped[int | None] = mapped_column(BigInteger)
    mailbox_email: Mapped[str | None] = mapped_column(String(320))
    provider: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None] = mapped_column(Float)
    raw_error: Mapped[str | None] = mapped_column(Text)
    answer_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Disconnection(Base):
    """One disconnection of a mailbox, from the event that disconnected it to the one that reconnected it.

    Derived from the append-only events (outcomes.ledger keeps it up to date and can rebuild it), so a
    report reads the disconnections of its period by index instead of replaying every mailbox's history.
    Escalations and votes about the mailbox count for this disconnection from `disconnected_at` until
    `closes_at`: 24 hours after the reconnection, or when the next disconnection began if that is sooner
    (NULL while it lasts). So a mailbox's disconnections never overlap, and each escalation or vote
    counts for one of them at most, as long as its events were recorded in the order they occurred (the
    ledger, like the mailbox's status, follows the order they were recorded in).
    """

    __tablename__ = "disconnections"
    __table_args__ = (
        # Covers the report's reads of a period: no table lookups however many disconnections it has.
        Index(
            "ix_disconnections_disconnected_at_reason",
            "disconnected_at",
            "reason",
            "provider",
            "reconnect_seconds",
        ),
        Index("ix_disconnections_mailbox_id_disconnected_at", "mailbox_id", "disconnected_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(BigInteger)
    provider: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(64))
    disconnect_event_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    disconnected_at: Mapped[datetime] = mapped_column(UtcDateTime())
    day: Mapped[date] = mapped_column(Date)  # the UTC day of disconnected_at (the per-day chart)
    reconnect_event_id: Mapped[int | None] = mapped_column(BigInteger)
    reconnected_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reconnect_seconds: Mapped[float | None] = mapped_column(Float)
    closes_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class SupportSignIn(Base):
    """A single-use sign-in link to the support page (`mailbox-assistant support-link`); only its hash
    is stored, and `used_at` is set by the one request that redeems it."""

    __tablename__ = "support_sign_ins"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
