"""Slack event retries never produce a second reply: each event_id is recorded once in the database.

The check runs in the listener's thread, after Bolt has acknowledged the event, so the database write
is never on the 3-second acknowledgement path; the unique key makes it hold across processes.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from mailbox_assistant.conversations.models import SlackEventSeen
from mailbox_assistant.db import single_statement_writes, write_lock
from mailbox_assistant.settings import ConfigError

logger = logging.getLogger(__name__)

# Created by migration 0002; Core statements on the model's table are enough here.
slack_events_seen = SlackEventSeen.__table__


class EventDedupe:
    """Remembers which Slack events were already handled, in the database shared by all bot processes."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = single_statement_writes(engine)
        self._write_lock = write_lock(engine)
        dialect = sqlite if engine.dialect.name == "sqlite" else postgresql
        self._insert = (
            dialect.insert(slack_events_seen)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(slack_events_seen.c.event_id)
        )

    def first_delivery_of(self, body: dict[str, Any]) -> bool:
        """True for the first delivery of an Events API body (and for bodies without an event id)."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not event_id or self.first_delivery(event_id):
            return True
        logger.info("dropping repeated delivery of Slack event %s", event_id)
        return False

    def first_delivery(self, event_id: str) -> bool:
        """Record `event_id`; True when no process had recorded it before."""
        with self._write_lock, self.engine.begin() as connection:
            inserted = connection.execute(
                self._insert.values(event_id=event_id, received_at=datetime.now(UTC))
            ).first()
        return inserted is not None

    def purge(self, older_than: timedelta = timedelta(days=1)) -> int:
        """Forget events older than `older_than` (Slack stops retrying after minutes)."""
        cutoff = datetime.now(UTC) - older_than
        with self._write_lock, self.engine.begin() as connection:
            result = connection.execute(
                sa.delete(slack_events_seen).where(slack_events_seen.c.received_at < cutoff)
            )
            return result.rowcount

    def check_table(self) -> None:
        """Raise a clear error when the table is missing (run `mailbox-assistant db upgrade`)."""
        if not sa.inspect(self.engine).has_table("slack_events_seen"):
            raise ConfigError(
                "database not migrated (no slack_events_seen): run `mailbox-assistant db upgrade`"
            )
