"""Slack event retries never produce a second reply: each event_id is recorded once in the database."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from slack_bolt import BoltResponse
from sqlalchemy.dialects import postgresql, sqlite

from api.models import SlackEventSeen
from mailbox_assistant.settings import ConfigError

logger = logging.getLogger(__name__)

# Created by migration 0002; Core statements on the model's table are enough here.
slack_events_seen = SlackEventSeen.__table__


class EventDedupe:
    """A Bolt middleware: the first delivery of an event goes on, any repeat is answered 200 and dropped."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine.execution_options(sqlite_write=True)  # BEGIN IMMEDIATE on SQLite
        is_sqlite = engine.dialect.name == "sqlite"
        # SQLite has one writer: queue this process's inserts here rather than in SQLite's busy handler,
        # which sleeps in steps of up to 100 ms. PostgreSQL takes concurrent inserts as they come.
        self._write_lock = threading.Lock() if is_sqlite else contextlib.nullcontext()
        dialect = sqlite if is_sqlite else postgresql
        self._insert = (
            dialect.insert(slack_events_seen)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(slack_events_seen.c.event_id)
        )

    def __call__(self, body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
        """Bolt middleware entry point."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not self.first_delivery(event_id):
            logger.info("dropping repeated delivery of Slack event %s", event_id)
            return BoltResponse(status=200, body="")
        next()
        return None

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
        with self.engine.begin() as connection:
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
