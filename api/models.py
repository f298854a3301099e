"""SQLAlchemy models of the status API: mailboxes, their append-only events, and API keys."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
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
