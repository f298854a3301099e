"""The recent conversation with each person, kept in the database (the bot is stateless across processes)
and bounded in size and in time, so an escalation can hand support what was said; secrets and links are
never stored."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, Delete, Engine, delete, insert, or_, select
from sqlalchemy.exc import SQLAlchemyError

from mailbox_assistant.conversations.models import ConversationTurn
from mailbox_assistant.db import single_statement_writes, write_lock
from mailbox_assistant.orm import utcnow
from mailbox_assistant.redact import redact
from mailbox_assistant.settings import Settings

logger = logging.getLogger(__name__)

MAX_TURNS = 20  # per person
MAX_TURN_CHARS = 1000
MAX_TRANSCRIPT_CHARS = 8000
RETENTION = timedelta(days=Settings.model_fields["transcript_retention_days"].default)

# A link in Slack's markup (`<https://…|label>`, whose label is often the address again) or a bare one.
_SLACK_LINK = re.compile(r"<((?:https?|ftp)://[^\s<>|]+)(?:\|[^<>]{0,500})?>", re.I)
_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>|()\[\]\"'`]+", re.I)

turns = ConversationTurn.__table__


class ConversationLog:
    """Records what each person said and what the bot answered; keeps only the last `MAX_TURNS`, and
    none older than `retention` (TRANSCRIPT_RETENTION_DAYS): they are not read, and `prune_transcripts`
    deletes them."""

    def __init__(
        self, engine: Engine, clock: Callable[[], datetime] = utcnow, retention: timedelta = RETENTION
    ) -> None:
        self.engine = engine
        self._write_engine = single_statement_writes(engine)
        self._write_lock = write_lock(engine)
        self.clock = clock
        self.retention = retention

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
        """Append turns (role, text; links replaced by what they were, secrets redacted, trimmed) in one
        write and forget the person's older and expired turns; `about` goes with the last turn (what that
        answer showed, for a follow-up). A database failure is logged and swallowed: the answer matters
        more than its transcript."""
        now = self.clock()
        cleaned = ((role, _clean(text or "")) for role, text in new_turns)
        rows = [
            {
                "slack_user_id": slack_user_id,
                "channel": channel,
                "role": role,
                "text": text,
                "created_at": now,
                "about": None,
            }
            for role, text in cleaned
            if text
        ]
        if not rows:
            return
        rows[-1]["about"] = about
        try:
            with self._write_lock, self._write_engine.begin() as connection:
                _append(connection, slack_user_id, rows, now - self.retention)
        except SQLAlchemyError:
            logger.warning("could not record a conversation turn of %s", slack_user_id, exc_info=True)

    def last_answer(self, slack_user_id: str) -> tuple[datetime, dict[str, Any]] | None:
        """When the person's last answer about mailboxes was given and what it showed; None if none is
        kept (a database failure reads as none: the question is then answered in full)."""
        try:
            with self.engine.connect() as connection:
                row = connection.execute(
                    select(turns.c.created_at, turns.c.about)
                    .where(
                        turns.c.slack_user_id == slack_user_id,
                        turns.c.about.is_not(None),
                        turns.c.created_at >= self.clock() - self.retention,
                    )
                    .order_by(turns.c.id.desc())
                    .limit(1)
                ).first()
        except SQLAlchemyError:
            logger.warning("could not read the last answer to %s", slack_user_id, exc_info=True)
            return None
        return (row.created_at, row.about) if row else None

    def recent(self, slack_user_id: str) -> list[dict[str, Any]]:
        """The person's recent turns, oldest first, at most `MAX_TRANSCRIPT_CHARS` of text in all and none
        older than the retention."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(turns.c.role, turns.c.text, turns.c.created_at)
                .where(
                    turns.c.slack_user_id == slack_user_id,
                    turns.c.created_at >= self.clock() - self.retention,
                )
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


def prune_transcripts(engine: Engine, now: datetime, retention: timedelta = RETENTION) -> int:
    """Delete every turn older than `retention` at `now` (the worker's housekeeping); the number deleted.

    One statement, so it needs no transaction of its own beside the bot's writes (which also forget
    their person's expired turns as they append)."""
    with write_lock(engine), single_statement_writes(engine).begin() as connection:
        return connection.execute(delete(turns).where(turns.c.created_at < now - retention)).rowcount


def without_links(text: str) -> str:
    """`text` with every web link replaced by what it was: `[reconnect link]` for a reconnect page (its
    path holds a signed token), `[link to <host>]` for the rest, whose query or path may hold one too."""
    return _URL.sub(_describe_link, _SLACK_LINK.sub(_describe_link, text))


def _describe_link(match: re.Match[str]) -> str:
    """What the matched link was, without the link."""
    try:
        parts = urlsplit(match.group(1) if match.re is _SLACK_LINK else match.group(0))
        host = parts.hostname
    except ValueError:  # not a URL after all ("http://[" …)
        return "[link]"
    if "/reconnect/" in parts.path or parts.path.endswith("/reconnect"):
        return "[reconnect link]"
    return f"[link to {host}]" if host else "[link]"


def _append(
    connection: Connection, slack_user_id: str, rows: list[dict[str, Any]], expired: datetime
) -> None:
    """Insert `rows` and forget the person's turns older than the last `MAX_TURNS` or than `expired`.
    PostgreSQL: one statement (the insert a data-modifying CTE of the delete, which sees the turns as
    they were before it, so it keeps `MAX_TURNS - len(rows)` of them); SQLite: an insert and a delete."""
    if connection.dialect.name == "postgresql":
        new_turns = insert(turns).values(rows).cte("new_turns")
        connection.execute(_forget_older(slack_user_id, MAX_TURNS - len(rows), expired).add_cte(new_turns))
        return
    connection.execute(insert(turns), rows)
    connection.execute(_forget_older(slack_user_id, MAX_TURNS, expired))


def _forget_older(slack_user_id: str, keep: int, expired: datetime) -> Delete:
    """Delete the person's turns but the newest `keep`, and those made before `expired`."""
    kept = (
        select(turns.c.id)
        .where(turns.c.slack_user_id == slack_user_id)
        .order_by(turns.c.id.desc())
        .limit(max(0, keep))
    )
    return delete(turns).where(
        turns.c.slack_user_id == slack_user_id, or_(turns.c.id.not_in(kept), turns.c.created_at < expired)
    )


def _clean(text: str) -> str:
    """A turn's text as it is kept: on one line, links described, secrets redacted, trimmed."""
    return _trim(redact(without_links(" ".join(text.split()))) or "", MAX_TURN_CHARS)


def _trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
