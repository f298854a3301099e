"""Where a user goes to reconnect a mailbox (issue 7 replaces this with signed links)."""

from __future__ import annotations

from urllib.parse import quote

from bot.mailbox import Mailbox
from mailbox_assistant.settings import Settings


def reconnect_url(mailbox: Mailbox, settings: Settings) -> str:
    """The reconnect link for `mailbox`: the configured template, else `<PUBLIC_URL>/reconnect/<id>`."""
    if settings.reconnect_url_template:
        return settings.reconnect_url_template.format(
            email=quote(mailbox.email, safe="@"), mailbox_id=quote(mailbox.id, safe="")
        )
    return f"{settings.public_url.rstrip('/')}/reconnect/{quote(mailbox.id, safe='')}"
