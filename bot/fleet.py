"""Many mailboxes within Slack's budgets, pure: a fleet grouped by cause, its summary, the compact lines
and rows that stand for the mailboxes not shown in full, and the pages of rows.

Every builder here has a bound that does not grow with the fleet: a summary is one block, a cause group
one block (there are as many groups as documented reasons at most), a compact list a fixed number of
characters, a page a fixed number of rows. The layouts that use them (the answer in
`bot/conversation.py`, `bot/home.py`, `bot/mailbox_list.py`) add them up to stay within 50 blocks a
message and 100 a view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import zip_longest
from typing import Any

import knowledge
from bot import token_health
from mailbox_assistant.mailboxes.status import Mailbox
from mailbox_assistant.slack import blocks as b

Block = dict[str, Any]

FEW_MAILBOXES = 10  # a fleet this small, with at most FEW_DISCONNECTED disconnected, is shown in full
FEW_DISCONNECTED = 3
DETAILED = 3  # a larger fleet shows this many disconnected mailboxes in full
ROWS_PER_PAGE = 40  # rows of a page of the full list (the modal) or of the Home tab
LIST_CHARS = 900  # characters of a compact list of addresses (escaped)
ADDRESS_CHARS = 80  # an address in a compact list or a row, cut before it is escaped
LAPSES_LISTED = 5  # coming lapses named one by one; the rest are counted


@dataclass(frozen=True)
class CauseGroup:
    """The disconnected mailboxes of one documented cause, most recently disconnected first."""

    code: str
    title: str
    self_serve: bool  # reconnecting fixes it (or may: an unknown cause is worth one try)
    mailboxes: tuple[Mailbox, ...]


@dataclass(frozen=True)
class Fleet:
    """Someone's mailboxes grouped: disconnected by cause (largest group first), then the connected ones
    (those whose sign-in lapses soon first)."""

    groups: tuple[CauseGroup, ...]
    connected: tuple[Mailbox, ...]
    lapses: tuple[token_health.Lapse, ...]

    @property
    def disconnected(self) -> list[Mailbox]:
        """The disconnected mailboxes, group by group."""
        return [m for group in self.groups for m in group.mailboxes]

    @property
    def ordered(self) -> list[Mailbox]:
        """Every mailbox in the order lists show them."""
        return [*self.disconnected, *self.connected]

    @property
    def size(self) -> int:
        """How many mailboxes."""
        return sum(len(group.mailboxes) for group in self.groups) + len(self.connected)

    def detailed(self) -> list[Mailbox]:
        """The few disconnected mailboxes shown in full: one of each cause in turn, largest cause first."""
        turns = zip_longest(*(group.mailboxes for group in self.groups))
        return [m for turn in turns for m in turn if m is not None][:DETAILED]


def fleet_of(mailboxes: list[Mailbox]) -> Fleet:
    """`mailboxes` grouped for the layouts."""
    by_code: dict[str, list[Mailbox]] = {}
    for mailbox in mailboxes:
        if mailbox.is_disconnected:
            by_code.setdefault(knowledge.get_reason(mailbox.reason_code).code, []).append(mailbox)
    earliest = datetime.min.replace(tzinfo=UTC)
    groups = []
    for code, members in by_code.items():
        reason = knowledge.get_reason(code)
        members.sort(key=lambda m: m.disconnected_at or earliest, reverse=True)
        groups.append(CauseGroup(code, reason.title, reason.self_serve or code == "unknown", tuple(members)))
    groups.sort(key=lambda group: -len(group.mailboxes))
    lapses = token_health.lapses(mailboxes)
    lapsing = {lapse.mailbox.id for lapse in lapses}
    connected = [lapse.mailbox for lapse in lapses] + [
        m for m in mailboxes if not m.is_disconnected and m.id not in lapsing
    ]
    return Fleet(tuple(groups), tuple(connected), tuple(lapses))


def is_few(mailboxes: list[Mailbox]) -> bool:
    """True when every mailbox can be shown in full (the answer as it always was)."""
    disconnected = sum(m.is_disconnected for m in mailboxes)
    return len(mailboxes) <= FEW_MAILBOXES and disconnected <= FEW_DISCONNECTED


def summary_block(fleet: Fleet, whose: str = "You have") -> Block:
    """How many mailboxes, how many disconnected, by cause with counts, and coming lapses: one section."""
    disconnected = len(fleet.disconnected)
    count = f"*{fleet.size} {_plural(fleet.size, 'mailbox', 'mailboxes')}*"
    if not disconnected:
        lines = [f":white_check_mark: {whose} {count}, all connected right now."]
    else:
        connected = len(fleet.connected)
        lines = [f":bar_chart: {whose} {count}: *{disconnected} disconnected*, {connected} connected."]
        lines += [f"• {group.title}: *{len(group.mailboxes)}*" for group in fleet.groups]
    if fleet.lapses:
        lapsing = len(fleet.lapses)
        lines.append(
            f":warning: {lapsing} connected {_plural(lapsing, 'mailbox needs', 'mailboxes need')} "
            "signing in again soon."
        )
    return b.build_section("\n".join(lines), block_id="fleet_summary")


def compact_list(mailboxes: list[Mailbox] | tuple[Mailbox, ...], budget: int = LIST_CHARS) -> str:
    """Addresses, comma-separated, within `budget` characters (escaped), then "and N more"."""
    shown: list[str] = []
    used = 0
    for mailbox in mailboxes:
        address = b.escape(b.shorten(mailbox.email, ADDRESS_CHARS))
        if used + len(address) + 2 > budget:
            break
        shown.append(address)
        used += len(address) + 2
    rest = len(mailboxes) - len(shown)
    if not shown:
        return f"{rest} {_plural(rest, 'mailbox', 'mailboxes')}"
    return ", ".join(shown) + (f" and {rest} more" if rest else "")


def group_block(
    group: CauseGroup,
    shown_above: list[Mailbox],
    reconnect_url: Callable[[Mailbox], str],
    list_value: Callable[[str], str],
) -> Block:
    """One cause's compact line (block_id `reason:<code>:group`): its count, the addresses not shown in
    full, what to do, and one action for them: a Reconnect (or Talk to support) for one mailbox, the
    full list of the cause for more."""
    shown_ids = {m.id for m in shown_above}
    rest = [m for m in group.mailboxes if m.id not in shown_ids]
    total = len(group.mailboxes)
    head = f"*{group.title}* — {total} {_plural(total, 'mailbox', 'mailboxes')}"
    if not rest:
        return b.build_section(f"{head}, shown above.", block_id=f"reason:{group.code}:group")
    above = total - len(rest)
    todo = (
        "Reconnect each one; it takes a minute."
        if group.self_serve
        else "Reconnecting won't fix this: talk to support."
    )
    besides = f"; besides the {'one' if above == 1 else above} above" if above else ""
    text = f"{head}{besides}:\n{compact_list(rest)}\n{todo}"
    if len(rest) == 1:
        [only] = rest
        button = (
            b.build_reconnect_button(only, reconnect_url(only), primary=False)
            if group.self_serve
            else b.build_escalate_button(only.id)
        )
    else:
        verb = "Reconnect" if group.self_serve else "See"
        label = f"{verb} these {len(rest)}"
        button = list_button(label, f"mailboxes:{group.code}", list_value(group.code))
    return b.build_section_with_button(text, button, block_id=f"reason:{group.code}:group")


def connected_block(fleet: Fleet) -> Block | None:
    """The connected mailboxes on one line (those lapsing soon are in `lapses_block`)."""
    steady = [m for m in fleet.connected if m.id not in {lapse.mailbox.id for lapse in fleet.lapses}]
    if not steady:
        return None
    return b.build_section(
        f":large_green_circle: *{len(steady)} connected:* {compact_list(steady)}", block_id="connected"
    )


def lapses_block(fleet: Fleet | list[token_health.Lapse]) -> Block | None:
    """Coming lapses, the first few by name, with what to do: one section (block_id `token_health`)."""
    found = list(fleet.lapses if isinstance(fleet, Fleet) else fleet)
    if not found:
        return None
    lines = [token_health.lapse_line(lapse) for lapse in found[:LAPSES_LISTED]]
    if len(found) > LAPSES_LISTED:
        lines.append(f"…and {len(found) - LAPSES_LISTED} more.")
    lines.append(token_health.what_to_do(found))
    return b.build_section("\n".join(lines), block_id="token_health")


def row(mailbox: Mailbox, reconnect_url: Callable[[Mailbox], str], for_support: bool = False) -> Block:
    """One mailbox on one line (block_id `row:<id>`), with its one action: Reconnect when that fixes it,
    else (or when choosing for support) Talk to support; a connected mailbox has none."""
    name = f"*{b.escape(b.shorten(mailbox.email, ADDRESS_CHARS))}* ({b.provider_name(mailbox.provider)})"
    block_id = f"row:{mailbox.id}"
    if not mailbox.is_disconnected:
        lapse = token_health.lapse_of(mailbox)
        if lapse is None:
            return b.build_section(f":large_green_circle: {name} — connected", block_id=block_id)
        when = f" {b.format_time(lapse.expires_at)}" if lapse.expires_at else " soon"
        return b.build_section(f":warning: {name} — connected; its sign-in expires{when}", block_id=block_id)
    reason = knowledge.get_reason(mailbox.reason_code)
    since = b.format_time(mailbox.disconnected_at)
    text = f":red_circle: {name} — *{reason.title}*, since {since}"
    fixable = (reason.self_serve or reason.code == "unknown") and not for_support
    button = (
        b.build_reconnect_button(mailbox, reconnect_url(mailbox), primary=False)
        if fixable
        else b.build_escalate_button(mailbox.id)
    )
    return b.build_section_with_button(text, button, block_id=block_id)


def page_of(items: list[Any], page: int, per_page: int = ROWS_PER_PAGE) -> tuple[list[Any], int, int]:
    """The items of page `page` (1-based, clamped into range), that page, and how many pages."""
    pages = max(1, -(-len(items) // per_page))
    page = min(max(1, page), pages)
    return items[(page - 1) * per_page : page * per_page], page, pages


def page_nav(page: int, pages: int, action_prefix: str, value_of: Callable[[int], str]) -> list[Block]:
    """ "Page 2 of 13" and the Previous / Next buttons (none when there is one page)."""
    if pages <= 1:
        return []
    buttons = []
    if page > 1:
        buttons.append(list_button("← Previous", f"{action_prefix}:prev", value_of(page - 1)))
    if page < pages:
        buttons.append(list_button("Next →", f"{action_prefix}:next", value_of(page + 1)))
    return [
        b.build_context(f"Page {page} of {pages}", block_id=f"{action_prefix}:where"),
        b.build_actions(buttons, block_id=f"{action_prefix}:nav"),
    ]


def list_button(label: str, action_id: str, value: str) -> Block:
    """A plain button that opens or turns a list (its value says which list and page)."""
    return {"type": "button", "action_id": action_id, "text": b.plain(label), "value": value}


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many
