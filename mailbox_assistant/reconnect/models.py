"""Tables of reconnecting: OAuth flow states and encrypted tokens, one row per mailbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from mailbox_assistant.orm import Base, BigId, UtcDateTime, utcnow


class OAuthState(Base):
    """One started authorization: its `state`, the PKCE verifier, and who it is for (single use).

    Kept server-side (never in a cookie) because requests-oauthlib keeps the verifier on the session
    object, which does not survive between the two requests; `browser_hash` binds it to the browser.
    """

    __tablename__ = "oauth_states"
    __table_args__ = (
        Index("ix_oauth_states_expires_at", "expires_at"),
        Index("ix_oauth_states_mailbox_id", "mailbox_id"),
    )

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
    # who consented, as the verified ID token says: Google `sub` or Microsoft `oid`, and Microsoft's
    # `tid`; a reconnect must be the same account (NULL: stored before these were kept)
    account_subject: Mapped[str | None] = mapped_column(String(255))
    account_tenant: Mapped[str | None] = mapped_column(String(64))
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
