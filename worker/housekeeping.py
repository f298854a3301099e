"""The housekeeping job: forget what is only kept for a while (seen Slack events, old transcripts and
the copies support's cases took of them, expired OAuth flows), once an hour, so no table grows without
bound."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Engine, Text, cast, delete, update

from mailbox_assistant.conversations.models import SlackEventSeen
from mailbox_assistant.conversations.transcript import prune_transcripts
from mailbox_assistant.db import make_engine, write_transaction
from mailbox_assistant.escalation.models import Escalation
from mailbox_assistant.orm import utcnow
from mailbox_assistant.reconnect.models import OAuthState
from mailbox_assistant.settings import Settings
from worker.runner import Every

logger = logging.getLogger(__name__)

# Slack retries an event for minutes and replays a signed request for at most 5 minutes: a day is ample.
SEEN_EVENTS_KEPT = timedelta(days=1)


class Housekeeping:
    """A worker job: every `interval`, delete the rows whose time is up; `run_once` returns how many."""

    name = "housekeeping"

    def __init__(
        self,
        engine: Engine,
        *,
        transcript_retention: timedelta,
        interval: timedelta = timedelta(hours=1),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine, self.transcript_retention = engine, transcript_retention
        self.schedule = Every(interval, clock)

    def run_once(self) -> int:
        """Prune, if an interval has passed since the last time (the first turn always prunes)."""
        now = self.schedule.due()
        if now is None:
            return 0
        pruned = {
            "seen Slack events": self._delete(
                SlackEventSeen, SlackEventSeen.received_at < now - SEEN_EVENTS_KEPT
            ),
            "conversation turns": prune_transcripts(self.engine, now, self.transcript_retention),
            "expired OAuth flows": self._delete(OAuthState, OAuthState.expires_at < now),
            "case transcripts": self._forget_case_transcripts(now - self.transcript_retention),
        }
        if any(pruned.values()):
            logger.info(
                "housekeeping: deleted %s", ", ".join(f"{n} {what}" for what, n in pruned.items() if n)
            )
        return sum(pruned.values())

    def _forget_case_transcripts(self, cutoff: datetime) -> int:
        """Empty the transcript copy of cases opened before `cutoff` whose delivery has ended.

        The copy is what support's email showed; once the email is sent (or has failed for good) and
        the conversation itself would be forgotten, the case keeps no more of it than the transcript does.
        """
        with write_transaction(self.engine) as connection:
            return connection.execute(
                update(Escalation)
                .where(
                    Escalation.created_at < cutoff,
                    Escalation.status.in_(("sent", "failed")),
                    cast(Escalation.transcript, Text) != "[]",
                )
                .values(transcript=[])
            ).rowcount

    def _delete(self, model: type, expired: ColumnElement[bool]) -> int:
        """Delete the rows of `model` that are `expired`, in one write transaction."""
        with write_transaction(self.engine) as connection:
            return connection.execute(delete(model).where(expired)).rowcount


def build_housekeeping(settings: Settings, engine: Engine | None = None) -> Housekeeping:
    """The housekeeping job from the settings."""
    return Housekeeping(
        engine or make_engine(settings.database_url),
        transcript_retention=timedelta(days=settings.transcript_retention_days),
    )
