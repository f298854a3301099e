"""The outcomes ledger's job: catch the ledger up every few seconds (the events, and what followed them),
so a report read finds little left to apply."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from mailbox_assistant.db import make_engine, make_session_factory
from mailbox_assistant.orm import utcnow
from mailbox_assistant.outcomes.ledger import catch_up
from mailbox_assistant.settings import Settings
from worker.runner import Every

INTERVAL = timedelta(seconds=5)


class LedgerCatchUp:
    """A worker job: every `interval`, apply to the ledger all that is new (in batches, each its own
    transaction, so several workers and the reports can catch up at once); `run_once` returns how many
    events and follow-ups it applied."""

    name = "outcomes-ledger"

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        interval: timedelta = INTERVAL,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions, self.clock = sessions, clock
        self.schedule = Every(interval, clock)

    def run_once(self) -> int:
        """Catch up, if an interval has passed since the last time (the first turn always does)."""
        if self.schedule.due() is None:
            return 0
        with self.sessions() as session:
            return catch_up(session, clock=self.clock)


def build_ledger_job(settings: Settings, engine: Engine | None = None) -> LedgerCatchUp:
    """The ledger's job from the settings."""
    return LedgerCatchUp(make_session_factory(engine or make_engine(settings.database_url)))
