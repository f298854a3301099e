"""The token monitor's database side: claim tokens due for refresh, and record each outcome (guarded)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from mailbox_assistant.db import begin_write
from mailbox_assistant.mailboxes import store
from mailbox_assistant.mailboxes.models import Mailbox
from mailbox_assistant.outbox import LeasedTable
from mailbox_assistant.reconnect.crypto import TokenCipher
from mailbox_assistant.reconnect.models import OAuthToken
from mailbox_assistant.reconnect.store import expires_at_of, scope_text

# Attempts are counted at claim in `refresh_failures` (consecutive failed refreshes; 0 after a success).
QUEUE = LeasedTable(
    OAuthToken.id, OAuthToken.lock_token, OAuthToken.locked_until, OAuthToken.refresh_failures
)


@dataclass(frozen=True)
class Claim:
    """A token row this worker holds until `locked_until`; writes back only while `lock_token` matches.
    `refresh_failures` counts this attempt."""

    token_id: int
    mailbox_id: int
    mailbox_email: str
    provider: str
    refresh_token_enc: str
    refresh_failures: int
    lock_token: str


def claim_due(
    session: Session, now: datetime, margin: timedelta, lease: timedelta, limit: int
) -> list[Claim]:
    """Claim connected mailboxes' tokens that expire within `margin` (and are not backing off or held).

    The one queue primitive (mailbox_assistant.outbox) leases the rows and counts the attempt; the
    claim is committed before any provider is called.
    """
    begin_write(session)
    connected = select(Mailbox.id).where(Mailbox.status == "connected")
    due = and_(
        OAuthToken.mailbox_id.in_(connected),
        OAuthToken.refresh_token_enc.is_not(None),
        or_(OAuthToken.expires_at.is_(None), OAuthToken.expires_at <= now + margin),
        or_(OAuthToken.next_attempt_at.is_(None), OAuthToken.next_attempt_at <= now),
    )
    order = (OAuthToken.expires_at, OAuthToken.id)
    leases = QUEUE.claim(session, due=due, now=now, lease=lease, limit=limit, order_by=order)
    rows = session.execute(
        select(OAuthToken, Mailbox.email)
        .join(Mailbox, Mailbox.id == OAuthToken.mailbox_id)
        .where(OAuthToken.id.in_([held.key for held in leases]))
        .order_by(*order)
        .execution_options(populate_existing=True)
    ).all()
    claims = [
        Claim(
            row.id,
            row.mailbox_id,
            email,
            row.provider,
            row.refresh_token_enc or "",
            row.refresh_failures,
            row.lock_token,
        )  # fmt: skip
        for row, email in rows
    ]
    session.commit()
    return claims


def _held(session: Session, claim: Claim) -> OAuthToken | None:
    """The claimed row, locked, if this claim still holds it (a reconnect or another worker may not)."""
    query = select(OAuthToken).where(
        OAuthToken.id == claim.token_id, OAuthToken.lock_token == claim.lock_token
    )
    return session.execute(query.with_for_update()).scalar_one_or_none()


def save_refreshed(
    session: Session, cipher: TokenCipher, claim: Claim, token: Mapping[str, Any], now: datetime
) -> bool:
    """Store a refreshed token (a rotated refresh token too) and release the claim; False if lost."""

    def refreshed(row: OAuthToken) -> None:
        row.access_token_enc = cipher.encrypt(token.get("access_token"))
        if token.get("refresh_token"):
            row.refresh_token_enc = cipher.encrypt(str(token["refresh_token"]))
        row.scope = scope_text(token) or row.scope
        row.expires_at = expires_at_of(token, now)
        row.refreshed_at = now
        row.refresh_failures, row.next_attempt_at, row.last_error = 0, None, None

    begin_write(session)
    return _release_held(session, claim, now, refreshed)


def save_transient_failure(
    session: Session, claim: Claim, error: str, retry_at: datetime, now: datetime
) -> bool:
    """Count a transient failure and back off until `retry_at`; no event, the mailbox stays connected."""

    def failed(row: OAuthToken) -> None:
        # The attempt was counted when the token was claimed.
        row.next_attempt_at, row.last_error = retry_at, error[:4000]

    begin_write(session)
    return _release_held(session, claim, now, failed)


def save_refusal(session: Session, claim: Claim, raw_error: str, now: datetime) -> bool:
    """The refresh token is no use any more (the provider refused it, or no configured key opens it):
    record `disconnected` with the raw error, drop the tokens, so the mailbox is not claimed again.

    One transaction: the event (classified by the knowledge base from the raw error) and the token row;
    nothing is recorded when the claim was lost (e.g. the user reconnected meanwhile).
    """

    def refused(row: OAuthToken) -> None:
        row.access_token_enc = row.refresh_token_enc = None  # useless now; a reconnect stores new ones
        row.last_error = raw_error[:4000]

    store.record_event(session, claim.mailbox_id, "disconnected", error=raw_error,
                       occurred_at=now, idempotency_key=f"token-refresh:{claim.lock_token}")  # fmt: skip
    return _release_held(session, claim, now, refused)


def _release_held(
    session: Session, claim: Claim, now: datetime, change: Callable[[OAuthToken], None]
) -> bool:
    """Apply `change` to the claimed row and release the claim, in one commit; False (the transaction
    rolled back, nothing written) when the claim no longer holds the row."""
    row = _held(session, claim)
    if row is None:
        session.rollback()
        return False
    change(row)
    row.updated_at = now
    row.lock_token = row.locked_until = None
    session.commit()
    return True


def due_expiry_warnings(
    session: Session, now: datetime, lifetime: timedelta, ahead: timedelta
) -> list[OAuthToken]:
    """Google tokens whose refresh token dies `lifetime` after consent within `ahead`, not yet warned."""
    query = (
        select(OAuthToken)
        .join(Mailbox, Mailbox.id == OAuthToken.mailbox_id)
        .where(
            Mailbox.status == "connected",
            OAuthToken.provider == "google",
            OAuthToken.refresh_token_enc.is_not(None),
            OAuthToken.warned_at.is_(None),
            OAuthToken.consented_at <= now + ahead - lifetime,
        )
        .order_by(OAuthToken.id)
        .limit(50)
    )
    rows = list(session.execute(query).scalars())
    session.commit()
    return rows


def save_expiry_warning(session: Session, row: OAuthToken, message: str, now: datetime) -> None:
    """Record the `error` event that warns of the coming expiry (once per consent) and mark it warned."""
    key = f"refresh-expiry:{row.id}:{int(row.consented_at.timestamp())}"
    store.record_event(session, row.mailbox_id, "error", error=message, occurred_at=now, idempotency_key=key)
    fresh = session.get(OAuthToken, row.id, with_for_update=True, populate_existing=True)
    if fresh is not None and fresh.consented_at == row.consented_at:
        fresh.warned_at = now
    session.commit()
