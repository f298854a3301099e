"""What an answer reads from the mailbox source besides the owner's list: how often each disconnected
mailbox disconnected recently, the active provider incidents, and each owner's list read once."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from mailbox_assistant.mailboxes.client import MailboxSource, StatusApiUnavailable
from mailbox_assistant.mailboxes.incidents import OUTAGE_REASONS, ProviderIncident
from mailbox_assistant.mailboxes.recent import RECENT
from mailbox_assistant.mailboxes.status import Mailbox, parse_time

MAX_HISTORY_READS = 5  # history reads per answer (one per disconnected mailbox the list did not count)


def active_incidents(source: MailboxSource, mailboxes: list[Mailbox]) -> list[ProviderIncident]:
    """Active provider incidents, fetched only when one could explain a disconnected mailbox; a source
    without incidents (the demo) or a failed fetch means none."""
    fetch = getattr(source, "incidents", None)
    if fetch is None or not any(m.is_disconnected and m.reason_code in OUTAGE_REASONS for m in mailboxes):
        return []
    try:
        return [ProviderIncident.from_json(item) for item in fetch()]
    except (StatusApiUnavailable, KeyError, TypeError, ValueError):
        return []


def with_recent_disconnects(source: MailboxSource, mailboxes: list[Mailbox], now: datetime) -> list[Mailbox]:
    """`mailboxes`, each disconnected one with how often it disconnected recently, so a mailbox that keeps
    disconnecting puts support first. The status API's list counts them; a mailbox without the count
    (an older status API) has its event history read instead."""
    events_of = getattr(source, "events", None)
    if events_of is None:
        return mailboxes
    out: list[Mailbox] = []
    reads = 0
    for mailbox in mailboxes:
        if mailbox.is_disconnected and mailbox.recent_disconnects is None and reads < MAX_HISTORY_READS:
            reads += 1
            mailbox = replace(
                mailbox, recent_disconnects=_recent_disconnects(events_of(mailbox.id, limit=10), now)
            )
        out.append(mailbox)
    return out


def _recent_disconnects(events: list[dict[str, Any]], now: datetime) -> int:
    """How many of `events` are disconnections within `RECENT` before `now`."""
    since = now - RECENT
    return sum(
        1
        for event in events
        if event.get("type") == "disconnected" and (parse_time(event.get("occurred_at")) or now) > since
    )


class ReadOnce:
    """A mailbox source that reads each owner's mailboxes once (an answer that reads them twice, e.g.
    to count candidates and then to open the case, makes one status API call), failures included."""

    def __init__(self, source: MailboxSource) -> None:
        self._source = source
        self._owned: dict[str, list[Mailbox] | StatusApiUnavailable] = {}

    def mailboxes_for(self, owner_email: str) -> list[Mailbox]:
        """The owner's mailboxes, read at most once."""
        if owner_email not in self._owned:
            try:
                self._owned[owner_email] = self._source.mailboxes_for(owner_email)
            except StatusApiUnavailable as unavailable:
                self._owned[owner_email] = unavailable
        found = self._owned[owner_email]
        if isinstance(found, StatusApiUnavailable):
            raise found
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._source, name)
