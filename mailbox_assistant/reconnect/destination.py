"""Where a user goes to reconnect a mailbox: a signed reconnect link, or the platform's settings page."""

from __future__ import annotations

from urllib.parse import quote

from mailbox_assistant.mailboxes.status import Mailbox
from mailbox_assistant.reconnect.links import reconnect_link
from mailbox_assistant.reconnect.providers import get_provider
from mailbox_assistant.settings import Settings


def reconnect_url(mailbox: Mailbox, settings: Settings) -> str:
    """The reconnect link for `mailbox`.

    A signed `PUBLIC_URL/reconnect/<token>` when its provider's OAuth app is configured (and SECRET_KEY
    is set); otherwise RECONNECT_URL_TEMPLATE (`{email}`, `{mailbox_id}`); otherwise
    `PUBLIC_URL/reconnect/<mailbox id>`, a page that says where to reconnect (and reveals nothing).
    """
    if get_provider(settings, mailbox.provider) and settings.secret_key and mailbox.id.isdigit():
        return reconnect_link(settings, mailbox.id, mailbox.disconnected_at)
    if settings.reconnect_url_template:
        return settings.reconnect_url_template.format(
            email=quote(mailbox.email, safe="@"), mailbox_id=quote(mailbox.id, safe="")
        )
    return f"{settings.public_url.rstrip('/')}/reconnect/{quote(mailbox.id, safe='')}"
