"""SQLAlchemy models of the status API: mailboxes, their append-only events, and API keys."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

MAILBOX_STATUSES = ("connected", "disconnected")
EVENT_TYPES = ("disconnected", "reconnected", "error")
SCOPES = ("read", "write", "admin")
MAX_ID = 2**63 - 1  # ids are 64-bit

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware; naive values are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC (SQLite stores it naive)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: timestamps must carry a UTC offset")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to what SQLite returns naive; normalise PostgreSQL's offset to UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Integer on SQLite so the primary key is the rowid (autoincrementing); BIGINT elsewhere.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so Alembic can name and alter constraints."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    """SQL for a CHECK that `column` is one of `values`."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Mailbox(Base):
    """A connected sales mailbox and its current status; emails are stored lower-case (unique)."""

    __tablename__ = "mailboxes"
    __table_args__ = (
        CheckConstraint(_one_of("status", MAILBOX_STATUSES), name="status"),
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
        CheckConstraint(_one_of("type", EVENT_TYPES), name="type"),
        UniqueConstraint("mailbox_id", "idempotency_key"),
        Index("ix_events_mailbox_id_id", "mailbox_id", "id"),
        # api.store.recent_disconnects: a mailbox's `disconnected` events since a time, an index range.
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


class ApiKey(Base):
    """An API key: only the SHA-256 of the key is stored, with a short prefix to recognise it."""

    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint(_one_of("scope", SCOPES), name="scope"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(8))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    def as_dict(self) -> dict[str, Any]:
        """The key's metadata (never the key), for listings."""
        return {
            "id": self.id,
            "name": self.name,
            "scope": self.scope,
            "prefix": self.prefix,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


# --- Slack bot (owned by bot/, used by bot/dedupe.py; migration 0002) ---------------------------------


class SlackEventSeen(Base):
    """A Slack event id the bot has handled; its unique key makes a retried delivery a no-op."""

    __tablename__ = "slack_events_seen"
    __table_args__ = (Index("ix_slack_events_seen_received_at", "received_at"),)

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


# --- Escalation to support (owned by bot/escalation.py and worker/escalations.py; migration 0003) ------

ESCALATION_STATUSES = ("queued", "sending", "sent", "failed")
TURN_ROLES = ("user", "bot")


class Escalation(Base):
    """A case handed to support: a snapshot of what support needs, and its delivery state (an outbox row).

    `open_key` (asker + mailbox) is unique while the case is open and NULL once closed, so the database
    itself refuses a second open case for the same person and mailbox, whichever process asks.
    """

    __tablename__ = "escalations"
    __table_args__ = (
        CheckConstraint(_one_of("status", ESCALATION_STATUSES), name="status"),
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
    last_error: Mapped[str | None] = mapped_column(Text)
    email_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    slack_posted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ConversationTurn(Base):
    """One recent message of a conversation with the bot (bounded per user), copied into escalations."""

    __tablename__ = "conversation_turns"
    __table_args__ = (
        CheckConstraint(_one_of("role", TURN_ROLES), name="role"),
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


# --- Proactive messages (owned by worker/notify*.py and api/incidents.py; migration 0004) -------------

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
        CheckConstraint(_one_of("kind", NOTIFICATION_KINDS), name="kind"),
        CheckConstraint(_one_of("status", NOTIFICATION_STATUSES), name="status"),
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
    __table_args__ = (CheckConstraint(_one_of("lookup_status", LOOKUP_STATUSES), name="lookup_status"),)

    owner_email: Mapped[str] = mapped_column(String(320), primary_key=True)
    lookup_status: Mapped[str | None] = mapped_column(String(16))
    slack_user_id: Mapped[str | None] = mapped_column(String(32))
    slack_channel: Mapped[str | None] = mapped_column(String(64))
    looked_up_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    next_send_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())


class NotifyMailboxState(Base):
    """A mailbox's state as the feed consumer has seen it: its open disconnection, flapping, incident."""

    __tablename__ = "notify_mailbox_states"

    mailbox_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="connected")
    disconnected_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_disconnected_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    flapping_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    incident_id: Mapped[int | None] = mapped_column(BigInteger)


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


class SendPacing(Base):
    """The next free send slot of a rate limit shared by all workers (e.g. Slack messages per second)."""

    __tablename__ = "send_pacing"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_slot_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


# --- Reconnect links and OAuth tokens (owned by api/reconnect.py, api/oauth*.py and
# worker/token_monitor.py; migration 0005) --------------------------------------------------------------


class OAuthState(Base):
    """One started authorization: its `state`, the PKCE verifier, and who it is for (single use).

    Kept server-side (never in a cookie) because requests-oauthlib keeps the verifier on the session
    object, which does not survive between the two requests; `browser_hash` binds it to the browser.
    """

    __tablename__ = "oauth_states"
    __table_args__ = (Index("ix_oauth_states_expires_at", "expires_at"),)

    state: Mapped[str] = mapped_column(String(128), primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(BigId, ForeignKey("mailboxes.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(40))
    code_verifier: Mapped[str] = mapped_column(String(128))
    browser_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OAuthToken(Base):
    """A mailbox's OAuth tokens, encrypted at rest (MultiFernet), and the token monitor's bookkeeping."""

    __tablename__ = "oauth_tokens"
    __table_args__ = (Index("ix_oauth_tokens_expires_at", "expires_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("mailboxes.id", ondelete="CASCADE"), unique=True
    )
    provider: Mapped[str] = mapped_column(String(40))
    account_email: Mapped[str] = mapped_column(String(320))
    access_token_enc: Mapped[str | None] = mapped_column(Text)
    refresh_token_enc: Mapped[str | None] = mapped_column(Text)  # NULL once the provider refused it
    scope: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # when the user last consented (Google testing-mode refresh tokens die 7 days after it)
    consented_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    refreshed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    refresh_failures: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    warned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lock_token: Mapped[str | None] = mapped_column(String(32))
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
