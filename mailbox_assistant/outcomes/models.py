"""The outcome tables: feedback votes, the ledger of disconnections (with what followed each one and its
per-day rollups), and support's sign-in links."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from mailbox_assistant.orm import Base, BigId, UtcDateTime, one_of, utcnow


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
        # The ledger's catch-up finds the votes cast or changed since it last counted them.
        Index("ix_feedback_votes_counted", "counted"),
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
    # False whenever the vote is written (cast or changed); the ledger's catch-up sets it once it has
    # counted the vote as it is (outcomes.follow_ups), in the same statement nothing else waits for.
    counted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Disconnection(Base):
    """One disconnection of a mailbox, from the event that disconnected it to the one that reconnected it,
    with what followed it: whether it was escalated, the votes about it, and when the owner was first told.

    Derived from the append-only events and the records of what followed (outcomes.ledger keeps it up to
    date and can rebuild it), so a report reads a period's disconnections by index, or its days from the
    rollups, instead of replaying every mailbox's history.

    Escalations and votes about the mailbox count for this disconnection from `disconnected_at` until
    `closes_at` (24 hours after the reconnection, or when the next disconnection began if that is sooner;
    NULL while it lasts), and never past the beginning of the mailbox's next disconnection: so each
    escalation or vote counts for one disconnection at most, whatever order the events were recorded in
    (the ledger, like the mailbox's status, follows the order they were recorded in).
    """

    __tablename__ = "disconnections"
    __table_args__ = (
        # Covers the report's reads of a period's edges and its medians over a short period.
        Index(
            "ix_disconnections_period",
            "disconnected_at",
            "reason",
            "provider",
            "reconnect_seconds",
            "notice_seconds",
        ),
        Index("ix_disconnections_mailbox_id_disconnected_at", "mailbox_id", "disconnected_at"),
        # Medians over a long period: walked in order, the period checked in the index (report.py).
        Index("ix_disconnections_reconnect_seconds", "reconnect_seconds", "disconnected_at"),
        Index("ix_disconnections_reason_reconnect_seconds", "reason", "reconnect_seconds", "disconnected_at"),
        Index(
            "ix_disconnections_provider_reconnect_seconds", "provider", "reconnect_seconds", "disconnected_at"
        ),
        Index("ix_disconnections_notice_seconds", "notice_seconds", "disconnected_at"),
        Index("ix_disconnections_reason_notice_seconds", "reason", "notice_seconds", "disconnected_at"),
        Index("ix_disconnections_provider_notice_seconds", "provider", "notice_seconds", "disconnected_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(BigInteger)
    provider: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(64))
    disconnect_event_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    disconnected_at: Mapped[datetime] = mapped_column(UtcDateTime())
    day: Mapped[date] = mapped_column(Date)  # the UTC day of disconnected_at (its rollup's day)
    reconnect_event_id: Mapped[int | None] = mapped_column(BigInteger)
    reconnected_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reconnect_seconds: Mapped[float | None] = mapped_column(Float)
    closes_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    feedback_yes: Mapped[int] = mapped_column(Integer, default=0)
    feedback_no: Mapped[int] = mapped_column(Integer, default=0)
    # The first proactive DM about it that Slack accepted, and the first answer that showed it.
    first_dm_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    first_answer_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # From disconnected_at to the first of those two (NULL: the owner was not told).
    notice_seconds: Mapped[float | None] = mapped_column(Float)


class DisconnectionDay(Base):
    """The ledger's figures per UTC day (of `disconnected_at`), reason and provider: sums of its rows,
    moved by the ledger's catch-up in the transaction that changes the rows, so a report reads a whole
    day as one row. Cumulative counts of the reconnection times give support's time-to-reconnect chart."""

    __tablename__ = "disconnection_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    reason: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider: Mapped[str] = mapped_column(String(40), primary_key=True)
    disconnections: Mapped[int] = mapped_column(Integer, default=0)
    reconnected: Mapped[int] = mapped_column(Integer, default=0)
    reconnected_under_5m: Mapped[int] = mapped_column(Integer, default=0)
    reconnected_under_30m: Mapped[int] = mapped_column(Integer, default=0)
    reconnected_under_2h: Mapped[int] = mapped_column(Integer, default=0)
    reconnected_within_24h: Mapped[int] = mapped_column(Integer, default=0)
    escalated: Mapped[int] = mapped_column(Integer, default=0)
    self_served: Mapped[int] = mapped_column(Integer, default=0)
    feedback_yes: Mapped[int] = mapped_column(Integer, default=0)
    feedback_no: Mapped[int] = mapped_column(Integer, default=0)
    notified: Mapped[int] = mapped_column(Integer, default=0)


FOLLOW_UP_KINDS = ("escalation", "vote", "notice", "answer")


class DisconnectionFollowUp(Base):
    """Something that followed a mailbox's disconnection, copied by the ledger's catch-up from the table
    that records it: a support case (`escalation`), a "Did this help?" vote, a proactive DM Slack accepted
    (`notice`, with the event of the disconnection it was about), or a bot answer that showed the mailbox
    disconnected (`answer`, with the `disconnected_at` it showed).

    Indexed by mailbox, so the ledger finds what followed any disconnection whichever was recorded first;
    answers stay here after the transcript forgets them.
    """

    __tablename__ = "disconnection_follow_ups"
    __table_args__ = (
        CheckConstraint(one_of("kind", FOLLOW_UP_KINDS), name="kind"),
        Index("ix_disconnection_follow_ups_mailbox_id_at", "mailbox_id", "at"),
    )

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    source_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # the row it was copied from
    mailbox_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())  # when it was made, sent or said
    helpful: Mapped[bool | None] = mapped_column(Boolean)  # a vote's answer
    event_id: Mapped[int | None] = mapped_column(BigInteger)  # a notice's disconnection event
    shown_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # an answer's disconnected_at


class SupportSignIn(Base):
    """A single-use sign-in link to the support page (`mailbox-assistant support-link`); only its hash
    is stored, and `used_at` is set by the one request that redeems it."""

    __tablename__ = "support_sign_ins"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
