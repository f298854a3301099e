"""The proactive DMs as Block Kit, pure: notices about mailboxes in, one message (text + blocks) out.

A disconnection shows exactly what an answer in conversation shows (bot.conversation builds it), so
the content and the Slack contract (`reason:<code>` blocks, `reconnect…`/`escalate…` buttons) match.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import knowledge
from mailbox_assistant.conversations.types import Reply
from mailbox_assistant.mailboxes.cards import disconnected_blocks
from mailbox_assistant.mailboxes.incidents import ProviderIncident
from mailbox_assistant.mailboxes.status import Mailbox
from mailbox_assistant.slack import blocks as b

MAX_NOTICES_PER_MESSAGE = 8  # Slack allows 50 blocks; one disconnected mailbox takes up to 6


@dataclass(frozen=True)
class Notice:
    """One mailbox in a message: what happened (the row's kind) and, once it reconnected, when."""

    kind: str  # disconnected | flapping | incident | reminder
    mailbox: Mailbox
    resolved_at: datetime | None = None
    flaps: int = 0
    incident: ProviderIncident | None = None


def build_message(notices: list[Notice], reconnect_url: Callable[[Mailbox], str]) -> Reply:
    """The DM about `notices` (one owner's, sent together); resolved ones show as reconnected."""
    out: list[dict[str, Any]] = []
    open_notices = [n for n in notices if n.resolved_at is None]
    if len(notices) > 1:
        out.append(b.build_section(_group_line(notices), block_id="notice:summary"))
    for notice in notices:
        out.extend(notice_blocks(notice, reconnect_url))
        if len(notices) > 1:
            out.append(b.build_divider())
    return Reply(text=_text(notices, open_notices), blocks=out[:50], private=True)


def notice_blocks(notice: Notice, reconnect_url: Callable[[Mailbox], str]) -> list[dict[str, Any]]:
    """The blocks of one notice."""
    if notice.resolved_at is not None:
        return _resolved_blocks(notice)
    if notice.kind == "flapping":
        return _flapping_blocks(notice, reconnect_url)
    if notice.kind == "incident":
        return _incident_blocks(notice)
    out = disconnected_blocks(notice.mailbox, reconnect_url)
    if notice.kind == "reminder":
        since = b.format_time(notice.mailbox.disconnected_at)
        line = f":alarm_clock: Reminder: this mailbox is still disconnected (since {since})."
        out.insert(0, b.build_context(line, block_id=f"reminder:{notice.mailbox.id}"))
    return out


def _flapping_blocks(notice: Notice, reconnect_url: Callable[[Mailbox], str]) -> list[dict[str, Any]]:
    mailbox = notice.mailbox
    latest = knowledge.get_reason(mailbox.reason_code)
    return [
        b.build_section(
            f":warning: *{mailbox.email}* ({b.provider_name(mailbox.provider)}) keeps disconnecting: "
            f"{notice.flaps} times in the last 24 hours.",
            block_id=f"mailbox:{mailbox.id}",
        ),
        b.build_section(
            "*It keeps disconnecting*\nWhen a mailbox drops again and again, reconnecting each time rarely "
            "sticks. It usually means something keeps revoking access: a security or password policy of "
            "your company, an admin rule, or a limit the account hits again and again. Support can look at "
            f"the pattern with you.\nThe latest cause: _{latest.title}_.",
            block_id=f"reason:{mailbox.reason_code}:{mailbox.id}",
        ),
        b.build_context("I won't message you about each new drop; this one message covers them."),
        b.build_actions(
            [
                b.build_escalate_button(mailbox.id, primary=True),
                b.build_reconnect_button(mailbox, reconnect_url(mailbox), primary=False),
            ],
            block_id=f"actions:{mailbox.id}",
        ),
    ]


def _incident_blocks(notice: Notice) -> list[dict[str, Any]]:
    mailbox = notice.mailbox
    name = b.provider_name(mailbox.provider)
    affected = f" ({notice.incident.mailbox_count} mailboxes so far)" if notice.incident else ""
    return [
        b.build_section(
            f":large_orange_circle: *{mailbox.email}* ({name}) disconnected because {name} is having "
            f"trouble right now{affected}.",
            block_id=f"mailbox:{mailbox.id}",
        ),
        b.build_section(
            f"*{name} is having a problem on its side*\nThere is nothing to do on your side: no need to "
            "reconnect. The mailbox should come back once the provider recovers, and I'll update this "
            "message when it does.",
            block_id=f"reason:provider_outage:{mailbox.id}",
        ),
    ]


def _resolved_blocks(notice: Notice) -> list[dict[str, Any]]:
    mailbox = notice.mailbox
    reason = knowledge.get_reason(mailbox.reason_code)
    return [
        b.build_section(
            f":white_check_mark: *{mailbox.email}* ({b.provider_name(mailbox.provider)}) reconnected "
            f"{b.format_time(notice.resolved_at)}. Nothing more to do.",
            block_id=f"mailbox:{mailbox.id}",
        ),
        b.build_context(
            f"It had disconnected: _{reason.title}_.", block_id=f"reason:{mailbox.reason_code}:{mailbox.id}"
        ),
    ]


def _group_line(notices: list[Notice]) -> str:
    still = sum(1 for n in notices if n.resolved_at is None)
    if not still:
        return f":white_check_mark: All {len(notices)} of these mailboxes are connected again."
    return f":red_circle: {len(notices)} of your mailboxes disconnected; {still} still need attention."


def _text(notices: list[Notice], open_notices: list[Notice]) -> str:
    """The notification text (shown in the Slack notification and to screen readers)."""
    if not open_notices:
        return (
            f"{notices[0].mailbox.email} reconnected" if len(notices) == 1 else "Your mailboxes reconnected"
        )
    first = open_notices[0]
    if first.kind == "flapping":
        return f"{first.mailbox.email} keeps disconnecting"
    if first.kind == "incident":
        return (
            f"{first.mailbox.email} disconnected: {b.provider_name(first.mailbox.provider)} is having trouble"
        )
    more = f" (and {len(open_notices) - 1} more)" if len(open_notices) > 1 else ""
    lead = "Still disconnected" if first.kind == "reminder" else "Disconnected"
    return f"{lead}: {first.mailbox.email}{more}: {knowledge.get_reason(first.mailbox.reason_code).title}"
