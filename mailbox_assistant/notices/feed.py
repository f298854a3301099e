"""The feed consumer: reads the status API's event feed and queues proactive messages, page by page.

Each page is applied in ONE transaction together with the durable cursor, so a crash re-reads at
most one page, and the outbox's unique keys absorb that. The cursor row is locked first and must
still be where this worker started reading: when two workers read the same page, one applies it
and the other drops it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from mailbox_assistant.db import begin_write, session_scope
from mailbox_assistant.mailboxes.client import StatusApiUnavailable, StatusClient
from mailbox_assistant.notices.models import WorkerCursor
from mailbox_assistant.notices.rules import Rules, apply_feed_event, insert_ignoring_duplicates
from mailbox_assistant.orm import utcnow

logger = logging.getLogger(__name__)
CONSUMER_NAME = "proactive-dms"


class FeedConsumer:
    """Job: one feed page per turn turned into outbox rows, atomically with the cursor."""

    name = "notify-feed"

    def __init__(
        self,
        sessions: sessionmaker[Session],
        status: StatusClient,
        rules: Rules,
        page_size: int = 200,
        clock: Callable[[], datetime] = utcnow,
        consumer_name: str = CONSUMER_NAME,
    ) -> None:
        self.sessions, self.status, self.rules = sessions, status, rules
        self.page_size, self.clock, self.consumer_name = page_size, clock, consumer_name

    def run_once(self) -> int:
        """Read and apply the next page; the number of events applied (0 when caught up)."""
        after = self.position()
        try:
            items, next_after = self.status.event_page(after, self.page_size)
        except StatusApiUnavailable:
            return 0  # logged by the client; the next turn reads the same page again
        if not items:
            return 0
        with session_scope(self.sessions) as session:
            begin_write(session)
            cursor = session.get(
                WorkerCursor, self.consumer_name, with_for_update=True, populate_existing=True
            )
            if cursor is None or cursor.position != after:
                return 0  # another worker applied this page meanwhile
            now = self.clock()
            for item in items:
                apply_feed_event(session, item, self.rules, now)
            cursor.position, cursor.updated_at = next_after, now
        logger.debug("applied %d feed events up to %d", len(items), next_after)
        return len(items)

    def position(self) -> int:
        """The last event id applied (the cursor row is created at 0 on first use)."""
        with session_scope(self.sessions) as session:
            cursor = session.get(WorkerCursor, self.consumer_name)
            if cursor is not None:
                return cursor.position
            begin_write(session)
            values = {"name": self.consumer_name, "position": 0, "updated_at": self.clock()}
            insert_ignoring_duplicates(session, WorkerCursor, values, "name")
            return 0
