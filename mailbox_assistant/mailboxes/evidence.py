"""Does the cause a person names fit what was recorded for their mailbox? Pure: one table, one function.

A provider's error and the person's account of what they did describe the same event from two sides, so
a different reason code is not always a different cause: Google answers `invalid_grant: Token has been
expired or revoked` (read as `token_expired`) when the password of the mailbox changed, because a
password change revokes the grants that can read mail. The table lists those pairs; anything else
with a different code contradicts the record, and an `unknown` record can neither confirm nor deny.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Compatible:
    """The named cause produces the recorded one (for `provider`, when the raw error matches `error`)."""

    named: str
    recorded: str
    because: str  # says why, after "Yes — …", for the person
    provider: str | None = None  # None: any provider
    error: re.Pattern[str] | None = None  # None: any raw error


COMPATIBLE = (
    Compatible(
        "password_changed",
        "token_expired",
        "a password change produces exactly this: Google revokes the mailbox's access when its password "
        "changes, and then answers “Token has been expired or revoked”",
        provider="google",
        error=re.compile(r"revoked", re.I),
    ),
    Compatible(
        "password_changed",
        "token_expired",
        "a password change produces exactly this: Microsoft revokes the mailbox's sign-in when the "
        "password is changed or reset, and its error says so",
        provider="microsoft",
        error=re.compile(r"aadsts50173|aadsts50133|password", re.I),
    ),
    Compatible(
        "token_expired",
        "password_changed",
        "the mailbox's sign-in stopped working, and the records show why: its password was changed, "
        "which ends the sign-in",
    ),
)


@dataclass(frozen=True)
class Verdict:
    """How the named cause compares with the record: `same`, `compatible`, `different` or `unconfirmed`
    (nothing recorded to compare with); `because` explains a compatible pair."""

    kind: str
    because: str | None = None


def judge(named: str, recorded: str, provider: str | None = None, error: str | None = None) -> Verdict:
    """Compare the cause a person named with the reason recorded for the mailbox."""
    if named == recorded:
        return Verdict("same")
    if recorded == "unknown":
        return Verdict("unconfirmed")
    for pair in COMPATIBLE:
        if (
            (pair.named, pair.recorded) == (named, recorded)
            and pair.provider in (None, provider)
            and (pair.error is None or pair.error.search(error or ""))
        ):
            return Verdict("compatible", pair.because)
    return Verdict("different")
