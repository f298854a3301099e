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
from mailbox_assistant.mailboxes.models import Mailbox
from mailbox_assistant.orm import utcnow
from mailbox_assistant.reconnect.crypto import TokenCipher
from mailbox_assistant.reconnect.identity import KnownAccount
from mailbox_assistant.reconnect.models import OAuthState, OAuthToken


def browser_hash(browser_secret: str) -> str:
    """What we store of the cookie that binds a flow to the browser that started it."""
    return hashlib.sha256(browser_secret.encode()).hexdigest()


MAX_FLOWS_PER_MAILBOX = 5  # live sign-ins of one mailbox (browsers); more push out the oldest


class FlowRefused(Exception):
    """A callback's state cannot be used; nothing was claimed unless the flow was dead anyway."""


class FlowUnknown(FlowRefused):
    """No such flow for this provider (forged, or already used)."""


class FlowExpired(FlowRefused):
    """The flow timed out before the callback came (it is deleted)."""


class FlowInOtherBrowser(FlowRefused):
    """The callback came to another browser than the one that started the flow (the flow is kept)."""


def open_flow(
    session: Session,
    *,
    mailbox_id: int,
    provider: str,
    code_verifier: str,
    browser_secret: str,
    lifetime: timedelta,
) -> tuple[str, str]:
    """The sign-in of this mailbox in this browser: its live flow again, or a new one; (state, verifier).

    One flow per mailbox and browser: a second Continue (another tab, the back button) reuses the live
    flow with its verifier and renews its time, so both tabs can finish; `code_verifier` is used only
    for a new flow. A mailbox keeps at most MAX_FLOWS_PER_MAILBOX flows (the oldest give way), so
    posting one link many times, cookies or not, cannot grow the table. The mailbox row is locked for
    the transaction so concurrent starts of one mailbox see each other.
    """
    begin_write(session)
    now = utcnow()
    session.execute(delete(OAuthState).where(OAuthState.expires_at < now))  # housekeeping, cheap
    session.execute(select(Mailbox.id).where(Mailbox.id == mailbox_id).with_for_update())
    hashed = browser_hash(browser_secret)
    flows = list(
        session.execute(
            select(OAuthState)
            .where(OAuthState.mailbox_id == mailbox_id)
            .order_by(OAuthState.created_at.desc(), OAuthState.state)
        ).scalars()
    )
    mine = next((f for f in flows if f.browser_hash == hashed and f.provider == provider), None)
    if mine is not None:
        mine.expires_at = now + lifetime
        state, verifier = mine.state, mine.code_verifier
    else:
        state, verifier = secrets.token_urlsafe(32), code_verifier
        session.add(
            OAuthState(
                state=state,
                mailbox_id=mailbox_id,
                provider=provider,
                code_verifier=verifier,
                browser_hash=hashed,
                created_at=now,
                expires_at=now + lifetime,
            )
        )
    others = [f for f in flows if f is not mine]
    for flow in others[MAX_FLOWS_PER_MAILBOX - 1 :]:
        session.delete(flow)
    session.commit()
    return state, verifier


def claim_flow(session: Session, state: str, provider: str, browser_secret: str) -> OAuthState:
    """Take the flow of a callback out of the table (single use) and return it, only if it matches.

    It must be this provider's, live, and started in this browser (`browser_secret`, the flow cookie);
    otherwise a FlowRefused subclass is raised and a live flow is left for its own browser to finish.
    A claimed flow is deleted and committed *before* the code is exchanged, so a replay finds nothing.
    """
    if not state or len(state) > 128:
        raise FlowUnknown(state)
    begin_write(session)
    try:
        row = session.get(OAuthState, state, with_for_update=True)
        if row is None or row.provider != provider:
            raise FlowUnknown(state)
        if row.expires_at < utcnow():
            session.delete(row)
            session.commit()
            raise FlowExpired(state)
        if not secrets.compare_digest(browser_hash(browser_secret), row.browser_hash):
            raise FlowInOtherBrowser(state)
        session.delete(row)
        session.commit()
        return row
    finally:
        if session.in_transaction():
            session.rollback()


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
    account_subject: str | None = None,
    account_tenant: str | None = None,
) -> OAuthToken:
    """Store the tokens of a fresh consent (encrypted) and who gave it, resetting the monitor's
    bookkeeping.

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
    row.account_subject, row.account_tenant = account_subject, account_tenant
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


def known_account(session: Session, mailbox_id: int) -> KnownAccount | None:
    """Who consented for this mailbox before (kept after a refusal drops the tokens), or None."""
    row = session.execute(
        select(OAuthToken.provider, OAuthToken.account_subject, OAuthToken.account_tenant).where(
            OAuthToken.mailbox_id == mailbox_id
        )
    ).one_or_none()
    return KnownAccount(row.provider, row.account_subject, row.account_tenant) if row else None


def tenants_of_domain(
    session: Session, provider: str, email: str, *, except_mailbox_id: int
) -> frozenset[str]:
    """The tenants that the other mailboxes of `email`'s domain consented from, with this provider."""
    domain = email.rsplit("@", 1)[-1].lower()
    pattern = "%@" + domain.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = session.execute(
        select(OAuthToken.account_tenant)
        .where(
            OAuthToken.provider == provider,
            OAuthToken.mailbox_id != except_mailbox_id,
            OAuthToken.account_tenant.is_not(None),
            OAuthToken.account_email.like(pattern, escape="\\"),
        )
        .distinct()
    )
    return frozenset(rows.scalars())
