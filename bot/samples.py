"""Sample mailboxes for the demo (and the bot's tests): one per reason with a real-looking provider error."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SampleMailbox:
    """A mailbox to seed: its owner, provider, and the raw error that disconnected it (None: healthy)."""

    email: str
    owner_email: str
    provider: str
    error: str | None = None
    reconnected: bool = False
    expected_reason: str | None = None


SAMPLE_MAILBOXES = (
    SampleMailbox(
        "ana@acme.com",
        "ana@acme.com",
        "google",
        "invalid_grant: Token has been expired or revoked.",
        False,
        "token_expired",
    ),
    SampleMailbox(
        "bruno@acme.com",
        "bruno@acme.com",
        "microsoft",
        "AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed. "
        "The user might have changed or reset their password.",
        False,
        "password_changed",
    ),
    SampleMailbox(
        "carla@acme.com",
        "carla@acme.com",
        "google",
        "[ALERT] Please log in via your web browser: https://support.google.com/mail/accounts/answer/78754 "
        "(Failure)",
        False,
        "suspicious_activity",
    ),
    SampleMailbox(
        "dev@acme.com",
        "dev@acme.com",
        "google",
        "SMTPDataError: (550, b'5.4.5 Daily user sending quota exceeded. s124sm6149838wme.29 - gsmtp')",
        False,
        "sending_limit",
    ),
    SampleMailbox(
        "eva@acme.com",
        "eva@acme.com",
        "imap",
        "doveadm(eva@acme.com): Error: Saving failed: Quota exceeded (mailbox for user is full)",
        False,
        "storage_full",
    ),
    SampleMailbox(
        "frank@acme.com",
        "frank@acme.com",
        "microsoft",
        "AADSTS50057: The user account is disabled.",
        False,
        "account_suspended",
    ),
    SampleMailbox(
        "gina@acme.com",
        "gina@acme.com",
        "google",
        "Error while sending email Error: Data command failed: 421 4.3.0 Temporary System Problem.  "
        "Try again later (10). c124sm10820896qke.13 - gsmtp.",
        False,
        "provider_outage",
    ),
    SampleMailbox(
        "hugo@acme.com",
        "hugo@acme.com",
        "imap",
        "Unexpected server response: 0x80004005 while syncing folder INBOX",
        False,
        "unknown",
    ),
    # Several mailboxes for one person: one disconnected, one healthy.
    SampleMailbox(
        "ivy.sales@acme.com",
        "ivy@acme.com",
        "microsoft",
        "AADSTS700082: The refresh token has expired due to inactivity.",
        False,
        "token_expired",
    ),
    SampleMailbox("ivy@acme.com", "ivy@acme.com", "google"),
    # Healthy: one never failed, one reconnected after a recent password change.
    SampleMailbox("jo@acme.com", "jo@acme.com", "google"),
    SampleMailbox(
        "kim@acme.com",
        "kim@acme.com",
        "google",
        "535-5.7.8 Username and Password not accepted. Learn more at https://support.google.com/mail/?p=BadCredentials",
        True,
        "password_changed",
    ),
)

DEFAULT_ASKER = "ana@acme.com"
