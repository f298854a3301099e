"""Slack event retries and replayed requests never produce a second reply: each is recorded once in the
database, whose unique key makes it hold across processes.

Events are keyed by their event_id, which Slack's retries share; the check runs in the listener's
thread, after Bolt has acknowledged the event, so that write is never on the 3-second path. Slash
commands and interactions are not retried by Slack, but a captured signed request can be sent again
while its timestamp is fresh (five minutes): they are keyed by a digest of their signature, which Slack
computes over the timestamp and the body (a new request has a new trigger_id and timestamp, so another
signature), and checked before their listener runs.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Mapping, Sequence
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
# Interactions a person starts (Slack gives each a trigger_id); options requests only read.
INTERACTIONS = frozenset({"block_actions", "view_submission", "view_closed", "shortcut", "message_action"})


def replay_key(body: Mapping[str, object], headers: Mapping[str, Sequence[str]]) -> str | None:
    """The key of a signed slash command or interaction (`req:` and a digest of its signature, within the
    table's 64 characters); None for events and for requests without a signature (Socket Mode)."""
    if "command" not in body and body.get("type") not in INTERACTIONS:
        return None
    signature = (headers.get("x-slack-signature") or [""])[0]
    if not signature:
        return None
    digest = hashlib.sha256(signature.encode("utf-8")).digest()
    return "req:" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


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

    def is_replay(self, body: Mapping[str, object], headers: Mapping[str, Sequence[str]]) -> bool:
        """True for a slash command or interaction some bot process already received byte for byte."""
        key = replay_key(body, headers)
        if key is None or self.first_delivery(key):
            return False
        kind = "command" if "command" in body else body.get("type")
        logger.info("dropping a replayed Slack %s", kind)
        return True

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
