"""The token monitor: refresh OAuth mailboxes' access tokens before they expire, and report what fails.

- A refusal by the provider (invalid_grant…) records a `disconnected` event carrying the provider's own
  error body, which the knowledge base classifies (AADSTS70008 → token_expired, …).
- A refusal of our own app (invalid_client, unauthorized_client: a wrong or expired client secret) is our
  configuration fault: it is logged at error level and retried with backoff, and nobody is disconnected.
- Transient failures (5xx, 429, timeouts, connection errors) back off and retry; nobody is disconnected.
- A stored token that no key of TOKEN_ENCRYPTION_KEY opens (the key that wrote it was dropped) can
  never be refreshed: it is reported once, at error level and as a `disconnected` event, so the owner
  is asked to reconnect, and its tokens are dropped.
- A Google app in "Testing" gives refresh tokens that die 7 days after consent: one `error` event warns
  ahead of time (history only; the bot can mention it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from mailbox_assistant.db import make_engine, make_session_factory
from mailbox_assistant.orm import utcnow
from mailbox_assistant.outbox import RetryPolicy
from mailbox_assistant.reconnect import oauth
from mailbox_assistant.reconnect.crypto import InvalidToken, TokenCipher, cipher_from_settings
from mailbox_assistant.reconnect.providers import get_provider
from mailbox_assistant.reconnect.tokens import (
    Claim,
    claim_due,
    due_expiry_warnings,
    save_expiry_warning,
    save_refreshed,
    save_refusal,
    save_transient_failure,
)
from mailbox_assistant.settings import Settings

logger = logging.getLogger(__name__)
GOOGLE_TESTING_REFRESH_LIFETIME = timedelta(days=7)
UNREADABLE_TOKEN = (
    "The stored OAuth tokens of this mailbox cannot be decrypted: no key in TOKEN_ENCRYPTION_KEY opens "
    "them (the key that wrote them was removed), so they cannot be refreshed. Sign in again to reconnect."
)
# A transient failure (provider down, app misconfigured) never disconnects anyone: never given up.
RETRY = RetryPolicy(first=timedelta(seconds=30), cap=timedelta(minutes=15))


def backoff(failures: int) -> timedelta:
    """Delay before retry number `failures` (1, 2, …): 30 s doubling, capped at 15 minutes."""
    return RETRY.wait(failures)


class TokenMonitor:
    """A worker job: each turn (at most every TOKEN_MONITOR_INTERVAL_SECONDS) warns and refreshes a batch."""

    name = "token_monitor"

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        cipher: TokenCipher,
        *,
        clock: Callable[[], datetime] = utcnow,
        batch_size: int = 20,
        lease: timedelta = timedelta(minutes=2),
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.cipher = cipher
        self.clock = clock
        self.batch_size = batch_size
        self.lease = lease
        self._next_turn = 0.0

    def run_once(self) -> int:
        """Warn of coming expiries, then refresh the tokens due; returns how many mailboxes were handled."""
        if time.monotonic() < self._next_turn:
            return 0
        self._next_turn = time.monotonic() + self.settings.token_monitor_interval_seconds
        handled = self.warn_of_expiries()
        claims = self._claim()
        for claim in claims:
            self.refresh(claim)
        if len(claims) == self.batch_size:
            self._next_turn = 0.0  # more may be due: go on at the next turn
        return handled + len(claims)

    def _claim(self) -> list[Claim]:
        margin = timedelta(seconds=self.settings.token_refresh_margin_seconds)
        with self.sessions() as session:
            return claim_due(session, self.clock(), margin, self.lease, self.batch_size)

    def refresh(self, claim: Claim) -> str:
        """Refresh one claimed token; returns the outcome: refreshed, transient, disconnected, unreadable
        or lost."""
        provider = get_provider(self.settings, claim.provider)
        now = self.clock()
        with self.sessions() as session:
            if provider is None:
                return self._transient(session, claim, f"{claim.provider} OAuth app is not configured", now)
            try:
                refresh_token = self.cipher.decrypt(claim.refresh_token_enc) or ""
            except InvalidToken:
                logger.error(
                    "token of mailbox %s: no key in TOKEN_ENCRYPTION_KEY opens it; recorded as disconnected "
                    "(the owner must reconnect)",
                    claim.mailbox_id,
                )
                return "unreadable" if save_refusal(session, claim, UNREADABLE_TOKEN, now) else "lost"
            try:
                token = oauth.refresh_access_token(
                    provider, refresh_token, self.settings.oauth_timeout_seconds
                )
            except oauth.AppCredentialsRejected as exc:
                logger.error(
                    "the %s OAuth app's credentials were refused (check its client id and secret): %s",
                    claim.provider,
                    exc,
                )
                return self._transient(session, claim, str(exc), now)
            except oauth.TransientOAuthError as exc:
                logger.warning("refresh of mailbox %s failed, will retry: %s", claim.mailbox_id, exc)
                return self._transient(session, claim, str(exc), now)
            except oauth.ProviderRefused as refused:
                logger.info("refresh of mailbox %s refused: %s", claim.mailbox_id, refused)
                return "disconnected" if save_refusal(session, claim, refused.raw, self.clock()) else "lost"
            return "refreshed" if save_refreshed(session, self.cipher, claim, token, self.clock()) else "lost"

    def _transient(self, session: Session, claim: Claim, error: str, now: datetime) -> str:
        retry_at = RETRY.next_try(claim.refresh_failures, now).run_at  # the claim counted this attempt
        return "transient" if save_transient_failure(session, claim, error, retry_at, now) else "lost"

    def warn_of_expiries(self) -> int:
        """Google testing mode: one `error` event per consent, TOKEN_EXPIRY_WARNING_HOURS before day 7."""
        if not self.settings.google_app_testing_mode:
            return 0
        now = self.clock()
        ahead = timedelta(hours=self.settings.token_expiry_warning_hours)
        with self.sessions() as session:
            rows = due_expiry_warnings(session, now, GOOGLE_TESTING_REFRESH_LIFETIME, ahead)
            for row in rows:
                save_expiry_warning(session, row, expiry_warning(row.account_email, row.consented_at), now)
        return len(rows)


def expiry_warning(email: str, consented_at: datetime) -> str:
    """The text of the warning event (classified like any error: it reads as an expiring token)."""
    expires = consented_at + GOOGLE_TESTING_REFRESH_LIFETIME
    return (
        f"Refresh token expires on {expires:%Y-%m-%d %H:%M} UTC: the Google OAuth app is in testing mode, "
        f"where refresh tokens expire 7 days after consent. Reconnect {email} before then to stay connected."
    )


def build_token_monitor(settings: Settings, engine: Engine | None = None) -> TokenMonitor | None:
    """The job from the settings; None (logged) when no OAuth app or no encryption key is configured."""
    if not (settings.google_client_id or settings.microsoft_client_id):
        logger.info("token monitor off: no Google or Microsoft OAuth app configured")
        return None
    if settings.token_encryption_key is None:
        logger.warning("token monitor off: TOKEN_ENCRYPTION_KEY is not set")
        return None
    sessions = make_session_factory(engine or make_engine(settings.database_url))
    return TokenMonitor(settings, sessions, cipher_from_settings(settings))
