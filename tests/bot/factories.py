"""Mailbox factories for the pure-layer unit tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mailbox_assistant.mailboxes.status import Failure, Mailbox

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def disconnected(
    reason: str = "token_expired",
    *,
    id: str = "mb-1",
    email: str = "ana@acme.com",
    provider: str = "google",
    error: str = "invalid_grant: Token has been expired or revoked.",
) -> Mailbox:
    """A mailbox disconnected an hour ago for `reason`."""
    when = NOW - timedelta(hours=1)
    return Mailbox(
        id=id,
        email=email,
        provider=provider,
        owner_email="ana@acme.com",
        status="disconnected",
        disconnected_at=when,
        last_failure=Failure(reason=reason, title=None, error=error, occurred_at=when, confidence=1.0),
    )


def connected(
    *,
    id: str = "mb-2",
    email: str = "ana@acme.com",
    provider: str = "microsoft",
    failed_days_ago: float | None = None,
) -> Mailbox:
    """A connected mailbox, optionally with a past failure `failed_days_ago` days back."""
    failure = None
    if failed_days_ago is not None:
        failure = Failure(
            reason="password_changed",
            title=None,
            error="AADSTS50173: The provided grant has expired due to it being revoked.",
            occurred_at=NOW - timedelta(days=failed_days_ago),
        )
    return Mailbox(
        id=id,
        email=email,
        provider=provider,
        owner_email="ana@acme.com",
        status="connected",
        last_failure=failure,
    )
