"""Reads and writes of OAuth flow states and encrypted tokens; free of Flask so the worker uses it too."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mailbox_assistant.db import begin_write
from mailbox_assistant.orm import utcnow
from mailbox_assistant.reconnect.crypto import TokenCipher
from mailbox_assistant.reconnect.models import OAuthState, OAuthToken


def browser_hash(browser_secret: str) -> str:
    """What we store of the cookie that binds a flow to the browser that started it."""
    return hashlib.sha256(browser_secret.encode()).hexdigest()


def create_state(
    session: Session,
    *,
    mailbox_id: int,
    provider: str,
    code_verifier: str,
    browser_secret: str,
    lifetime: timedelta,
) -> str:
    """Store a new flow (state → PKCE verifier, mailbox, provider, browser) and return its state."""
    begin_write(session)
    now = utcnow()
    session.execute(delete(OAuthState).where(OAuthState.expires_at < now))  # housekeeping, cheap
    state = secrets.token_urlsafe(32)
    session.add(
        OAuthState(
            state=state,
            mailbox_id=mailbox_id,
            provider=provider,
            code_verifier=code_verifier,
            browser_hash=browser_hash(browser_secret),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.commit()
    return state


def claim_state(session: Session, state: str) -> OAuthState | None:
    """Take the flow with this state out of the table (single use) and return it; None if unknown.

    It is deleted and committed *before* the code is exchanged, so a replayed callback finds nothing.
    The caller checks `expires_at` and the browser binding.
    """
    if not state or len(state) > 128:
        return None
    begin_write(session)
    row = session.get(OAuthState, state, with_for_update=True)
    if row is not None:
        session.delete(row)
    session.commit()
    return row


def expires_at_of(token: Mapping[str, Any], now: datetime) -> datetime | None:
    """When the access token expires: requests-oauthlib's `expires_at`, or now + `expires_in`."""
    if token.get("expires_at") is not None:
        return datetime.fromtimestamp(float(token["expires_at"]), tz=UTC)
    if token.get("expires_in") is not None:
        return now + timedelta(seconds=float(token["expires_in"]))
    return None


def scope_text(token: Mapping[str, Any]) -> str | None:
    """The granted scopes as one space-separated string."""
    scope = token.get("scope")
    if isinstance(scope, list | tuple):
        return " ".join(str(s) for s in scope)
    return str(scope) if scope else None


def save_consent(
    session: Session,
    cipher: TokenCipher,
    *,
    mailbox_id: int,
    provider: str,
    account_email: str,
    token: Mapping[str, Any],
) -> OAuthToken:
    """Store the tokens of a fresh consent (encrypted), resetting the monitor's bookkeeping.

    Call inside the caller's write transaction (after `begin_write`); the caller commits.
    """
    now = utcnow()
    row = session.execute(
        select(OAuthToken).where(OAuthToken.mailbox_id == mailbox_id).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        row = OAuthToken(mailbox_id=mailbox_id, created_at=now)
        session.add(row)
    row.provider = provider
    row.account_email = account_email
    row.access_token_enc = cipher.encrypt(token.get("access_token"))
    row.refresh_token_enc = cipher.encrypt(token.get("refresh_token"))
    row.scope = scope_text(token)
    row.expires_at = expires_at_of(token, now)
    row.consented_at = now
    row.refreshed_at = now
    row.refresh_failures = 0
    row.next_attempt_at = None
    row.last_error = None
    row.warned_at = None
    row.lock_token = None
    row.locked_until = None
    row.updated_at = now
    session.flush()
    return row
