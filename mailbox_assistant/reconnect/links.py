"""Signed reconnect links: `PUBLIC_URL/reconnect/<token>`, bound to one mailbox and one disconnection.

The one place that signs and reads them (the bot and the worker build links with `reconnect_link`, the
reconnect pages read them with `read_link_token`). A token carries the mailbox id and the moment it
disconnected; once the mailbox is reconnected (or disconnects again) that moment no longer matches, so
the link stops working — in effect single use. It also expires after RECONNECT_LINK_HOURS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from mailbox_assistant.settings import Settings

SALT = "reconnect"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class LinkInvalid(Exception):
    """The token was not signed by us (tampered, truncated, or signed with another key)."""


class LinkExpired(Exception):
    """The token was ours but is older than RECONNECT_LINK_HOURS."""


@dataclass(frozen=True)
class LinkClaim:
    """What a valid token says: which mailbox, and which disconnection (None: it was connected)."""

    mailbox_id: int
    disconnection: int | None

    def matches(self, disconnected_at: datetime | None) -> bool:
        """True if the mailbox is still in the disconnection this link was made for."""
        return disconnected_at is not None and self.disconnection == disconnection_marker(disconnected_at)


def disconnection_marker(disconnected_at: datetime | None) -> int | None:
    """Microseconds since the epoch of a disconnection: exact, whatever the timestamp's text form."""
    if disconnected_at is None:
        return None
    if disconnected_at.tzinfo is None:
        disconnected_at = disconnected_at.replace(tzinfo=UTC)
    return (disconnected_at - EPOCH) // timedelta(microseconds=1)


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    """The signer of reconnect tokens (SECRET_KEY, salt 'reconnect')."""
    settings.require("secret_key")
    assert settings.secret_key is not None
    return URLSafeTimedSerializer(settings.secret_key.get_secret_value(), salt=SALT)


def make_link_token(settings: Settings, mailbox_id: int, disconnected_at: datetime | None) -> str:
    """A signed, timestamped token for this mailbox and this disconnection."""
    return _serializer(settings).dumps({"m": int(mailbox_id), "d": disconnection_marker(disconnected_at)})


def read_link_token(settings: Settings, token: str) -> LinkClaim:
    """The claim of a token; LinkExpired when too old, LinkInvalid when not ours or malformed."""
    max_age = int(settings.reconnect_link_hours * 3600)
    try:
        data = _serializer(settings).loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkExpired("this reconnect link has expired") from None
    except BadSignature:
        raise LinkInvalid("this reconnect link is not valid") from None
    if not isinstance(data, dict) or not isinstance(data.get("m"), int):
        raise LinkInvalid("this reconnect link is not valid")
    marker = data.get("d")
    return LinkClaim(mailbox_id=data["m"], disconnection=marker if isinstance(marker, int) else None)


def reconnect_link(settings: Settings, mailbox_id: int | str, disconnected_at: datetime | None) -> str:
    """The full signed reconnect URL under PUBLIC_URL."""
    token = make_link_token(settings, int(mailbox_id), disconnected_at)
    return f"{settings.public_url.rstrip('/')}/reconnect/{quote(token, safe='')}"
