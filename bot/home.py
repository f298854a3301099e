"""The App Home tab, pure: a health view of the person's mailboxes within a view's 100 blocks.

A few mailboxes are shown in full, as always. A larger fleet: the summary by cause, coming lapses with
what to do, on the first page the few disconnected mailboxes that need action in full, then one row per
mailbox, `fleet.ROWS_PER_PAGE` a page, with Previous / Next (action_id `home:page:…`, value the page).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot import fleet as f
from mailbox_assistant.mailboxes.cards import connected_blocks, disconnected_blocks
from mailbox_assistant.mailboxes.status import Mailbox
from mailbox_assistant.slack import blocks as b

Block = dict[str, Any]
FOOTER = "Send me a message to ask about your mailboxes, e.g. “why did it disconnect?”"


def home_blocks(
    mailboxes: list[Mailbox], *, reconnect_url: Callable[[Mailbox], str], now: datetime, page: int = 1
) -> list[Block]:
    """The Home tab's blocks: every mailbox in full for a few, else page `page` of the health view."""
    out = [b.build_header("Your mailboxes"), b.build_home_actions()]
    if not mailboxes:
        out.append(
            b.build_section("You have no mailbox connected under your Slack email.", block_id="no_mailbox")
        )
    elif f.is_few(mailboxes):
        out += _every_mailbox(mailboxes, reconnect_url, now)
    else:
        out += _health_page(mailboxes, reconnect_url, page)
    out.append(b.build_context(FOOTER, block_id="home_footer"))
    return out


def _every_mailbox(mailboxes: list[Mailbox], reconnect_url: Callable[[Mailbox], str], now: datetime) -> list:
    """A few mailboxes in full, disconnected first, then coming lapses: at most 3 + 8 × FEW_DISCONNECTED
    + 3 × FEW_MAILBOXES blocks."""
    out: list[Block] = []
    for mailbox in sorted(mailboxes, key=lambda m: not m.is_disconnected):
        if mailbox.is_disconnected:
            out.extend(disconnected_blocks(mailbox, reconnect_url))
        else:
            out.extend(connected_blocks(mailbox, now, with_cause=True))
        out.append(b.build_divider())
    lapses = f.lapses_block(f.fleet_of(mailboxes))
    return out + ([lapses] if lapses else [])


def _health_page(mailboxes: list[Mailbox], reconnect_url: Callable[[Mailbox], str], page: int) -> list:
    """One page of a large fleet: summary, lapses, (page 1) the few in full, rows, page buttons: at most
    2 + 8 × DETAILED + ROWS_PER_PAGE + 2 blocks."""
    fleet = f.fleet_of(mailboxes)
    out = [f.summary_block(fleet)]
    lapses = f.lapses_block(fleet)
    if lapses:
        out.append(lapses)
    detailed = fleet.detailed()
    shown = {m.id for m in detailed}
    rows, page, pages = f.page_of([m for m in fleet.ordered if m.id not in shown], page)
    if page == 1:
        for mailbox in detailed:
            out += [*disconnected_blocks(mailbox, reconnect_url), b.build_divider()]
    out += [f.row(mailbox, reconnect_url) for mailbox in rows]
    return out + f.page_nav(page, pages, "home:page", str)
