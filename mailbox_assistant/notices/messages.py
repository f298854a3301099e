"""The proactive DMs as Block Kit, pure: notices about mailboxes in, one message (text + blocks) out.

A disconnection shows exactly what an answer in conversation shows (mailboxes.cards builds it), so
the content and the Slack contract (`reason:<code>` blocks, `reconnect…`/`escalate…` buttons) match.

A DM about many mailboxes stays within Slack's limits (50 blocks, 3,000 characters a text) and still
accounts for every one: a summary with the counts by cause, the first few in full, the others one line
each, and past what fits an "and N more" that points to the Home tab, which lists them all. The message
says which notices it names or counts (`Message.covered`): only those rows are marked sent. When Slack
refuses a message anyway, `smallest_message` is the retry: text only, a compact list.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import knowledge
from mailbox_assistant.conversations.types import Reply
from mailbox_assistant.mailboxes.cards import disconnected_blocks
from mailbox_assistant.mailboxes.incidents import ProviderIncident
from mailbox_assistant.mailboxes.status import Mailbox
from mailbox_assistant.outcomes.feedback import build_notice_feedback
from mailbox_assistant.slack import blocks as b

MAX_BLOCKS = 50  # Slack's limit for a message
FULL_CARDS = 3  # a DM about more mailboxes shows this many in full, the others one line each
MAX_FALLBACK_TEXT = 3000  # the smallest form's text (Slack takes far more; the notification shows little)


@dataclass(frozen=True)
class Notice:
    """One mailbox in a message: what happened (the row's kind) and, once it reconnected, when."""

    kind: str  # disconnected | flapping | incident | reminder
    mailbox: Mailbox
    resolved_at: datetime | None = None
    flaps: int = 0
    incident: ProviderIncident | None = None


@dataclass(frozen=True)
class Message:
    """A DM as it is sent, and the notices it names or counts (indexes into the notices given)."""

    reply: Reply
    covered: frozenset[int]


def build_message(
    notices: list[Notice], reconnect_url: Callable[[Mailbox], str], home_url: str | None = None
) -> Message:
    """The DM about `notices` (one owner's, sent together); resolved ones show as reconnected.

    `home_url` links the "see all" line to the App Home tab (without it, the line says where it is)."""
    mailboxes = _by_mailbox(notices)
    shown = [notices[indexes[0]] for indexes in mailboxes.values()]
    if len(shown) == 1:
        blocks = [*notice_blocks(shown[0], reconnect_url), *_feedback(shown[0])]
        return Message(_reply(notices, blocks), frozenset(range(len(notices))))
    out = [b.build_section(_summary(shown), block_id="notice:summary")]
    room = MAX_BLOCKS - 1  # the "see all" line comes last
    named = 0
    for notice in shown[:FULL_CARDS]:
        card = [*notice_blocks(notice, reconnect_url), b.build_divider()]
        if len(out) + len(card) > room:
            break
        out.extend(card)
        named += 1
    while named < len(shown) and len(out) < room:
        out.append(_line_block(shown[named], reconnect_url))
        named += 1
    if named > FULL_CARDS or named < len(shown):
        out.append(
            b.build_section(_see_all(len(shown), len(shown) - named, home_url), block_id="notice:see_all")
        )
    # Every mailbox is named or counted in "and N more" (which the Home tab lists): all are covered.
    return Message(_reply(notices, out), frozenset(range(len(notices))))


def smallest_message(
    notices: list[Notice], reconnect_url: Callable[[Mailbox], str], home_url: str | None = None
) -> Message:
    """The DM about `notices` in its smallest form, for when Slack refused the full one: text only, the
    summary and one line per mailbox while they fit, then "and N more" pointing to the Home tab."""
    shown = [notices[indexes[0]] for indexes in _by_mailbox(notices).values()]
    lines = [_summary(shown)] if len(shown) > 1 else []
    bullet = "• " if len(shown) > 1 else ""
    named = 0
    for notice in shown:
        line = bullet + _line(notice, reconnect_url(notice.mailbox))
        if sum(len(text) + 1 for text in lines) + len(line) > MAX_FALLBACK_TEXT - 200:  # room for "see all"
            break
        lines.append(line)
        named += 1
    if len(shown) > 1:
        lines.append(_see_all(len(shown), len(shown) - named, home_url))
    text = "\n".join(lines)
    return Message(Reply(text=text, blocks=[], private=True), frozenset(range(len(notices))))


def _feedback(notice: Notice) -> list[dict[str, Any]]:
    """ "Did this help?" under a DM that explains an open disconnection (not an outage or a reconnection)."""
    if notice.resolved_at is not None or notice.kind == "incident":
        return []
    return build_notice_feedback(notice.mailbox.id)


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
            f":warning: *{b.escape(mailbox.email)}* ({b.provider_name(mailbox.provider)}) "
            "keeps disconnecting: "
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
            f":large_orange_circle: *{b.escape(mailbox.email)}* ({name}) disconnected because {name} "
            f"is having trouble right now{affected}.",
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
            f":white_check_mark: *{b.escape(mailbox.email)}* ({b.provider_name(mailbox.provider)}) "
            "reconnected "
            f"{b.format_time(notice.resolved_at)}. Nothing more to do.",
            block_id=f"mailbox:{mailbox.id}",
        ),
        b.build_context(
            f"It had disconnected: _{reason.title}_.", block_id=f"reason:{mailbox.reason_code}:{mailbox.id}"
        ),
    ]


def _by_mailbox(notices: list[Notice]) -> dict[str, list[int]]:
    """The notices' indexes by mailbox, in order: a mailbox with two notices is shown once (its first),
    so no block id repeats."""
    groups: dict[str, list[int]] = {}
    for index, notice in enumerate(notices):
        groups.setdefault(notice.mailbox.id, []).append(index)
    return groups


def _summary(shown: list[Notice]) -> str:
    """How many mailboxes the message is about and how many still need attention, with the causes."""
    still = [n for n in shown if n.resolved_at is None]
    if not still:
        return f":white_check_mark: All {len(shown)} of these mailboxes are connected again."
    causes = Counter(_cause(n) for n in still)
    by_cause = " · ".join(f"{title}: {count}" for title, count in causes.most_common())
    back = len(shown) - len(still)
    again = f" {back} connected again." if back else ""
    return (
        f":red_circle: {len(shown)} of your mailboxes disconnected; {len(still)} still need attention."
        f"{again}\n{by_cause}"
    )


def _cause(notice: Notice) -> str:
    if notice.kind == "flapping":
        return "Keeps disconnecting"
    if notice.kind == "incident":
        return knowledge.get_reason("provider_outage").title
    return knowledge.get_reason(notice.mailbox.reason_code).title


def _line(notice: Notice, reconnect_url: str | None = None) -> str:
    """One mailbox on one line (mrkdwn); with `reconnect_url`, a link to reconnect it when that helps."""
    mailbox = notice.mailbox
    who = f"*{b.escape(mailbox.email)}* ({b.provider_name(mailbox.provider)})"
    if notice.resolved_at is not None:
        return f":white_check_mark: {who} reconnected {b.format_time(notice.resolved_at)}."
    if notice.kind == "incident":
        name = b.provider_name(mailbox.provider)
        return f":large_orange_circle: {who}: {name} is having trouble on its side; nothing to do."
    if notice.kind == "flapping":
        return f":warning: {who} keeps disconnecting: {notice.flaps} times in the last 24 hours."
    since = f", still since {b.format_time(mailbox.disconnected_at)}" if notice.kind == "reminder" else ""
    line = f":red_circle: {who}{since}: _{_cause(notice)}_"
    if reconnect_url and _reconnecting_helps(mailbox):
        line += f" · <{reconnect_url}|Reconnect>"
    return line


def _line_block(notice: Notice, reconnect_url: Callable[[Mailbox], str]) -> dict[str, Any]:
    """One mailbox as one section, with the button that helps most (reconnect, else support)."""
    mailbox = notice.mailbox
    block = b.build_section(_line(notice), block_id=f"mailbox:{mailbox.id}")
    if notice.resolved_at is not None or notice.kind == "incident":
        return block
    if notice.kind != "flapping" and _reconnecting_helps(mailbox):
        block["accessory"] = b.build_reconnect_button(mailbox, reconnect_url(mailbox), primary=False)
    else:
        block["accessory"] = b.build_escalate_button(mailbox.id)
    return block


def _reconnecting_helps(mailbox: Mailbox) -> bool:
    """Whether reconnecting can fix the cause (an unknown cause is worth one try)."""
    return knowledge.get_reason(mailbox.reason_code).self_serve or mailbox.reason_code == "unknown"


def _see_all(total: int, more: int, home_url: str | None) -> str:
    """The line that accounts for the mailboxes not named, and says where all of them are listed."""
    lead = f"…and {more} more. " if more else ""
    where = (
        f"<{home_url}|See all {total} in my Home tab>" if home_url else f"See all {total} in my *Home* tab"
    )
    return f"{lead}{where}: every mailbox, its cause and what to do."


def _reply(notices: list[Notice], blocks: list[dict[str, Any]]) -> Reply:
    return Reply(
        text=_text(notices, [n for n in notices if n.resolved_at is None]), blocks=blocks, private=True
    )


def _text(notices: list[Notice], open_notices: list[Notice]) -> str:
    """The notification text (shown in the Slack notification and to screen readers)."""
    if not open_notices:
        email = b.escape(notices[0].mailbox.email)
        return f"{email} reconnected" if len(notices) == 1 else "Your mailboxes reconnected"
    first = open_notices[0]
    email = b.escape(first.mailbox.email)
    if first.kind == "flapping":
        return f"{email} keeps disconnecting"
    if first.kind == "incident":
        return f"{email} disconnected: {b.provider_name(first.mailbox.provider)} is having trouble"
    more = f" (and {len(open_notices) - 1} more)" if len(open_notices) > 1 else ""
    lead = "Still disconnected" if first.kind == "reminder" else "Disconnected"
    return f"{lead}: {email}{more}: {knowledge.get_reason(first.mailbox.reason_code).title}"
