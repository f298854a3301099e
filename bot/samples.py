"""Sample mailboxes for the demo (and the bot's tests): one per reason with a real-looking provider error;
and the demo's people, found by id, email or name as Slack's directory finds them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.directory import people_named
from mailbox_assistant.conversations.types import SlackUser


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
        "The operation failed with error 0x80004005 (unspecified error)",
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


@dataclass(frozen=True)
class SamplePerson:
    """A person of the demo's workspace: Slack id, name, email (mailboxes are owned by that email)."""

    slack_id: str
    name: str
    email: str


# One per sample owner, plus a second Frank (no mailbox) so that "frank" alone is ambiguous, and an admin.
SAMPLE_PEOPLE = (
    SamplePerson("U_ANA", "Ana Lima", "ana@acme.com"),
    SamplePerson("U_BRUNO", "Bruno Costa", "bruno@acme.com"),
    SamplePerson("U_CARLA", "Carla Dias", "carla@acme.com"),
    SamplePerson("U_DEV", "Dev Patel", "dev@acme.com"),
    SamplePerson("U_EVA", "Eva Müller", "eva@acme.com"),
    SamplePerson("U_FRANK", "Frank Moreau", "frank@acme.com"),
    SamplePerson("U_FRANKS", "Frank Silva", "frank.silva@acme.com"),
    SamplePerson("U_GINA", "Gina Rossi", "gina@acme.com"),
    SamplePerson("U_HUGO", "Hugo Martin", "hugo@acme.com"),
    SamplePerson("U_IVY", "Ivy Chen", "ivy@acme.com"),
    SamplePerson("U_JO", "Jo Park", "jo@acme.com"),
    SamplePerson("U_KIM", "Kim Lee", "kim@acme.com"),
    SamplePerson("U_ADMIN", "Alex Admin", "admin@acme.com"),
)


class SampleDirectory:
    """The demo's people, answering as Slack's directory does (`bot.directory.Directory`)."""

    def __init__(self, people: tuple[SamplePerson, ...] = SAMPLE_PEOPLE) -> None:
        self.users = {p.slack_id: _slack_user(p.slack_id, p.name, p.email) for p in people}

    def user_id_for(self, email: str) -> str:
        """The Slack id of the person with `email`; someone new (no name) is added for it."""
        email = email.lower()
        for user in self.users.values():
            if user.email == email:
                return user.id
        user_id = "U_" + "".join(ch for ch in email.split("@")[0].upper() if ch.isalnum())
        while user_id in self.users:
            user_id += "X"
        self.users[user_id] = _slack_user(user_id, email.split("@")[0], email)
        return user_id

    def user(self, user_id: str) -> SlackUser:
        """The person `user_id` (an unknown id is a person without an email, as Slack's user_not_found)."""
        return self.users.get(user_id) or SlackUser(id=user_id, email=None, name=user_id, is_bot=False)

    def by_email(self, email: str) -> SlackUser | None:
        """The person with `email`, if any."""
        return next((u for u in self.users.values() if u.email == email.lower()), None)

    def by_name(self, name: str) -> list[SlackUser]:
        """The people `name` designates."""
        return people_named(self.users.values(), name)

    def team_id(self) -> str | None:
        """The demo has no workspace."""
        return None


def _slack_user(user_id: str, name: str, email: str) -> SlackUser:
    """A sample person as the Slack user the bot sees."""
    handle = email.split("@")[0]
    return SlackUser(id=user_id, email=email, name=name, is_bot=False, names=(name,), handle=handle)
