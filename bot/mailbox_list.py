"""The full list of someone's mailboxes, pure: a modal of pages of rows (all of them, the disconnected
ones, or one cause), each row with its Reconnect or Talk to support; and the choice of mailbox for
support when there are too many for one message's buttons.

Which list and page a button asks for travels in its value (`ListRequest`); the listener reads the
mailboxes again for every page (the bot keeps no state) and checks the asker may see them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

import knowledge
from bot import fleet as f
from mailbox_assistant.mailboxes.status import Mailbox
from mailbox_assistant.slack import blocks as b

Block = dict[str, Any]

CHOOSER_BUTTONS = 25  # one actions block of Talk to support buttons; more go to the full list
ALL, DISCONNECTED = "all", "disconnected"


@dataclass(frozen=True)
class ListRequest:
    """Which list: `cause` a reason code, `disconnected` or `all`; `of` the address looked up (an
    admin's lookup; None: the asker's own mailboxes); `for_support`: every row offers Talk to support."""

    cause: str = ALL
    page: int = 1
    of: str | None = None
    for_support: bool = False

    def value(self, **changes: Any) -> str:
        """This request (changed) as a button value."""
        data = {k: v for k, v in asdict(replace(self, **changes)).items() if v not in (None, False)}
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_value(cls, value: str | None) -> ListRequest:
        """The request a button's value carries; what cannot be read asks for page 1 of everything."""
        try:
            data = json.loads(value or "{}")
            return cls(
                cause=str(data.get("cause") or ALL)[:40],
                page=int(data.get("page") or 1),
                of=str(data["of"])[:320] if data.get("of") else None,
                for_support=bool(data.get("for_support")),
            )
        except (ValueError, TypeError, AttributeError):
            return cls()


def chosen(request: ListRequest, fleet: f.Fleet) -> list[Mailbox]:
    """The mailboxes of the list asked for, in list order."""
    if request.cause == ALL:
        return fleet.ordered
    if request.cause == DISCONNECTED:
        return fleet.disconnected
    return [m for group in fleet.groups if group.code == request.cause for m in group.mailboxes]


def list_view(
    request: ListRequest, mailboxes: list[Mailbox], reconnect_url: Callable[[Mailbox], str]
) -> dict[str, Any]:
    """The modal showing one page of the list: at most ROWS_PER_PAGE rows, a heading and the page buttons
    (ROWS_PER_PAGE + 3 blocks, within a view's 100)."""
    fleet = f.fleet_of(mailboxes)
    items, page, pages = f.page_of(chosen(request, fleet), request.page)
    total = len(chosen(request, fleet))
    first = (page - 1) * f.ROWS_PER_PAGE + 1
    heading = f"*{_list_title(request)}* — {total} {'mailbox' if total == 1 else 'mailboxes'}"
    if total > len(items):
        heading += f", {first}–{first + len(items) - 1} here"
    if request.for_support:
        heading += ". Press *Talk to support* beside the one support should look at."
    blocks = [b.build_section(heading, block_id="list_heading")]
    blocks += [f.row(m, reconnect_url, for_support=request.for_support) for m in items]
    if not items:
        blocks.append(b.build_section("There are no mailboxes in this list any more.", block_id="list_empty"))
    blocks += f.page_nav(page, pages, "mailboxes:page", lambda number: request.value(page=number))
    return {
        "type": "modal",
        "callback_id": "mailbox_list",
        "title": b.plain("Mailboxes"),
        "close": b.plain("Close"),
        "blocks": blocks,
    }


def refused_list_view() -> dict[str, Any]:
    """The modal shown when the asker may not see the list asked for (or it could not be read)."""
    return {
        "type": "modal",
        "callback_id": "mailbox_list",
        "title": b.plain("Mailboxes"),
        "close": b.plain("Close"),
        "blocks": [b.build_section("Sorry, I can't show this list.", block_id="list_refused")],
    }


def choose_among_many(candidates: list[Mailbox]) -> tuple[str, list[Block]]:
    """ "Which mailbox should support look at?" when there are more candidates than one actions block
    holds: the most recently disconnected as buttons, and the full list with Talk to support on each."""
    earliest = datetime.min.replace(tzinfo=UTC)
    newest = sorted(candidates, key=lambda m: m.disconnected_at or earliest, reverse=True)
    buttons = [
        {**b.build_escalate_button(m.id), "text": b.plain(b.shorten(m.email, 75))}
        for m in newest[:CHOOSER_BUTTONS]
    ]
    text = "Which mailbox should support look at?"
    more = len(candidates) - len(buttons)
    request = ListRequest(cause=DISCONNECTED if candidates[0].is_disconnected else ALL, for_support=True)
    return text, [
        b.build_section(
            f"{text} You have *{len(candidates)}* to choose from: the {len(buttons)} most recently "
            f"disconnected are below, and *See all {len(candidates)}* lists every one ({more} more).",
            block_id="escalate_choice",
        ),
        b.build_actions(buttons, block_id="escalate_choices"),
        b.build_actions(
            [f.list_button(f"See all {len(candidates)}", "mailboxes:choose", request.value())],
            block_id="escalate_more",
        ),
    ]


def _list_title(request: ListRequest) -> str:
    if request.cause == ALL:
        return "All mailboxes"
    if request.cause == DISCONNECTED:
        return "Disconnected mailboxes"
    return knowledge.get_reason(request.cause).title
