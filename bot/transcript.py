"""The recent conversation with each person, kept in the database (the bot is stateless across processes)
and bounded, so an escalation can hand support what was said."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Delete, Engine, delete, insert, select
from sqlalchemy.exc import SQLAlchemyError

from mailbox_assistant.conversations.models import ConversationTurn
from mailbox_assistant.db import single_statement_writes, write_lock
from mailbox_assistant.orm import utcnow
from mailbox_assistant.redact import redact

logger = logging.getLogger(__name__)

MAX_TURNS = 20  # per person
MAX_TURN_CHARS = 1000
MAX_TRANSCRIPT_CHARS = 8000

turns = ConversationTurn.__table__


class ConversationLog:
    """Records what each person said and what the bot answered; keeps only the last `MAX_TURNS`."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self._write_engine = single_statement_writes(engine)
        self._write_lock = write_lock(engine)
        self.clock = clock

    def record(self, slack_user_id: str, role: str, text: str, channel: str | None = None) -> None:
        """Append one turn; see `record_many`."""
        self.record_many(slack_user_id, [(role, text)], channel)

    def record_many(
        self,
        slack_user_id: str,
        new_turns: list[tuple[str, str]],
        channel: str | None = None,
        about: dict[str, Any] | None = None,
    ) -> None:
        """Append turns (role, text; secrets redacted, trimmed) in one write and forget the person's older
        turns; `about` goes with the last turn (what that answer showed, for a follow-up). A database
        failure is logged and swallowed: the answer matters more than its transcript."""
        rows = [
            {
                "slack_user_id": slack_user_id,
                "channel": channel,
                "role": role,
                "text": text,
                "created_at": now,
                "about": None,
            }
            for role, text, now in (
                (role, _trim(redact(" ".join((text or "").split())) or "", MAX_TURN_CHARS), self.clock())
                for role, text in new_turns
            )
            if text
        ]
        if not rows:
            return
        rows[-1]["about"] = about
        try:
            with self._write_lock, self._write_engine.begin() as connection:
                _append(connection, slack_user_id, rows)
        except SQLAlchemyError:
            logger.warning("could not record a conversation turn of %s", slack_user_id, exc_info=True)

    def last_answer(self, slack_user_id: str) -> tuple[datetime, dict[str, Any]] | None:
        """When the person's last answer about mailboxes was given and what it showed; None if none is
        kept (a database failure reads as none: the question is then answered in full)."""
        try:
            with self.engine.connect() as connection:
                row = connection.execute(
                    select(turns.c.created_at, turns.c.about)
                    .where(turns.c.slack_user_id == slack_user_id, turns.c.about.is_not(None))
                    .order_by(turns.c.id.desc())
                    .limit(1)
                ).first()
        except SQLAlchemyError:
            logger.warning("could not read the last answer to %s", slack_user_id, exc_info=True)
            return None
        return (row.created_at, row.about) if row else None

    def recent(self, slack_user_id: str) -> list[dict[str, Any]]:
        """The person's recent turns, oldest first, at most `MAX_TRANSCRIPT_CHARS` of text in all."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(turns.c.role, turns.c.text, turns.c.created_at)
                .where(turns.c.slack_user_id == slack_user_id)
                .order_by(turns.c.id.desc())
                .limit(MAX_TURNS)
            ).all()
        kept: list[dict[str, Any]] = []
        total = 0
        for role, text, created_at in rows:  # newest first, so the oldest are dropped when over budget
            if total + len(text) > MAX_TRANSCRIPT_CHARS:
                break
            total += len(text)
            kept.append({"role": role, "text": text, "at": created_at.isoformat()})
        return kept[::-1]


def _append(connection: Connection, slack_user_id: str, rows: list[dict[str, Any]]) -> None:
    """Insert `rows` and forget the person's turns older than the last `MAX_TURNS`. PostgreSQL: one
    statement (the insert a data-modifying CTE of the delete, which sees the turns as they were before
    it, so it keeps `MAX_TURNS - len(rows)` of them); SQLite: an insert and a delete."""
    if connection.dialect.name == "postgresql":
        new_turns = insert(turns).values(rows).cte("new_turns")
        connection.execute(_forget_older(slack_user_id, MAX_TURNS - len(rows)).add_cte(new_turns))
        return
    connection.execute(insert(turns), rows)
    connection.execute(_forget_older(slack_user_id, MAX_TURNS))


def _forget_older(slack_user_id: str, keep: int) -> Delete:
    """Delete the person's turns but the newest `keep`."""
    kept = (
        select(turns.c.id)
        .where(turns.c.slack_user_id == slack_user_id)
        .order_by(turns.c.id.desc())
        .limit(max(0, keep))
    )
    return delete(turns).where(turns.c.slack_user_id == slack_user_id, turns.c.id.not_in(kept))


def _trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
