"""Feedback votes kept in the database: one per person per answer, a second click changes it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Insert
from sqlalchemy.dialects import postgresql, sqlite

from mailbox_assistant.db import single_statement_writes, write_lock
from mailbox_assistant.mailboxes.status import Mailbox
from mailbox_assistant.orm import utcnow
from mailbox_assistant.outcomes.feedback import Click, Comment
from mailbox_assistant.outcomes.models import FeedbackVote

MAX_ERROR_CHARS = 4000
MAX_ANSWER_CHARS = 4000
votes = FeedbackVote.__table__


class FeedbackVotes:
    """Records votes and their "what was wrong?" comments (each a single upsert statement)."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self._writes = single_statement_writes(engine)
        self._write_lock = write_lock(engine)
        self.clock = clock

    def record(self, click: Click, mailbox: Mailbox | None, answer_text: str | None = None) -> None:
        """Keep `click`, with what the answer was about (`mailbox` as the status API has it now, the
        cause as the answer gave it); the person's earlier vote on the same answer is replaced."""
        now = self.clock()
        failure = mailbox.last_failure if mailbox else None
        snapshot = {
            "helpful": click.helpful,
            "surface": click.surface,
            "mailbox_ref": click.mailbox_ref,
            "mailbox_id": _mailbox_id(mailbox.id if mailbox else click.mailbox_ref),
            "mailbox_email": mailbox.email if mailbox else None,
            "provider": mailbox.provider if mailbox else None,
            "reason": click.reason_shown or (mailbox.reason_code if mailbox else None),
            "confidence": failure.confidence if failure else None,
            "raw_error": (failure.error or "")[:MAX_ERROR_CHARS] or None if failure else None,
            "answer_text": (answer_text or "")[:MAX_ANSWER_CHARS] or None,
            "updated_at": now,
            "counted": False,  # for the ledger to count it again (outcomes.follow_ups)
        }
        row = {"voter_slack_id": click.voter_slack_id, "answer_ref": click.answer_ref, "created_at": now}
        self._upsert(row | snapshot, list(snapshot))

    def add_comment(self, comment: Comment) -> None:
        """Keep the "what was wrong?" of a 👎 (a vote is made 👎 if the click was not recorded)."""
        now = self.clock()
        values = {
            "voter_slack_id": comment.voter_slack_id,
            "answer_ref": comment.answer_ref,
            "surface": comment.surface,
            "helpful": False,
            "mailbox_ref": comment.mailbox_ref,
            "mailbox_id": _mailbox_id(comment.mailbox_ref),
            "comment": comment.text,
            "created_at": now,
            "updated_at": now,
            "counted": False,
        }
        self._upsert(values, ["helpful", "comment", "updated_at", "counted"])

    def _upsert(self, values: dict[str, Any], updated: list[str]) -> None:
        """INSERT … ON CONFLICT (voter, answer) DO UPDATE the `updated` columns."""
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        statement: Insert = dialect.insert(votes).values(values)
        statement = statement.on_conflict_do_update(
            index_elements=["voter_slack_id", "answer_ref"],
            set_={name: statement.excluded[name] for name in updated},
        )
        with self._write_lock, self._writes.begin() as connection:
            connection.execute(statement)


def _mailbox_id(ref: str | None) -> int | None:
    """The mailbox id a reference names, when it is one (a reference may be an email address)."""
    return int(ref) if ref and ref.isascii() and ref.isdigit() and len(ref) < 19 else None
