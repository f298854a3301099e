"""The status API's own table: API keys (only a key's SHA-256 is stored)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from mailbox_assistant.orm import Base, UtcDateTime, one_of, utcnow

SCOPES = ("read", "write", "admin")


class ApiKey(Base):
    """An API key: only the SHA-256 of the key is stored, with a short prefix to recognise it."""

    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint(one_of("scope", SCOPES), name="scope"),)

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
