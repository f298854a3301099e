"""Token-health warnings, pure: what a warning recorded on a connected mailbox means, and what to do.

The token monitor records an `error` event ahead of a Google testing-mode expiry (its refresh tokens
die 7 days after consent); the status API's list sends the newest warning since the mailbox last
connected as `last_warning`. A warning is shown when it says the mailbox's sign-in will lapse (its
error reads as an expiring token); other history-only errors are not the person's to act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from mailbox_assistant.mailboxes.status import Mailbox
from mailbox_assistant.slack import blocks as b

LAPSING_REASONS = ("token_expired",)
_EXPIRES = re.compile(r"expires on (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC")


@dataclass(frozen=True)
class Lapse:
    """A connected mailbox whose sign-in lapses soon: when (if the warning says), and whether it is the
    Google testing-mode expiry (which an admin can stop by publishing the OAuth app)."""

    mailbox: Mailbox
    expires_at: datetime | None
    testing_mode: bool


def lapse_of(mailbox: Mailbox) -> Lapse | None:
    """The coming lapse a connected mailbox was warned of; None when there is none to act on."""
    warning = mailbox.warning
    if mailbox.is_disconnected or warning is None or warning.reason not in LAPSING_REASONS:
        return None
    found = _EXPIRES.search(warning.error)
    expires_at = datetime.strptime(found.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=UTC) if found else None
    return Lapse(mailbox, expires_at, testing_mode="testing mode" in warning.error.lower())


def lapses(mailboxes: list[Mailbox]) -> list[Lapse]:
    """The coming lapses among `mailboxes`, soonest first (those without a date last)."""
    found = [lapse for lapse in map(lapse_of, mailboxes) if lapse is not None]
    latest = datetime.max.replace(tzinfo=UTC)
    return sorted(found, key=lambda lapse: lapse.expires_at or latest)


def lapse_line(lapse: Lapse) -> str:
    """One line: which mailbox, when its sign-in lapses, and why (mrkdwn, outside text escaped)."""
    mailbox = lapse.mailbox
    when = f"on {b.format_time(lapse.expires_at)}" if lapse.expires_at else "soon"
    why = " (our Google app is in testing mode, where sign-ins last 7 days)" if lapse.testing_mode else ""
    return f":warning: *{b.escape(mailbox.email)}* is connected, but its sign-in expires {when}{why}."


def what_to_do(found: list[Lapse]) -> str:
    """What the person (and an admin) can do about coming lapses, in mrkdwn."""
    text = (
        "*What to do:* sign in again before then — in the sales platform open *Settings → Mailboxes*, "
        "choose the mailbox and *Reconnect*. If it lapses first, it disconnects and I'll send you a "
        "Reconnect link."
    )
    if any(lapse.testing_mode for lapse in found):
        text += (
            " Your admin can stop these weekly expiries by publishing the Google OAuth app "
            "(Google Cloud console → OAuth consent screen → *Publish app*)."
        )
    return text
