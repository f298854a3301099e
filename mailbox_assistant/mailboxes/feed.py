"""The event feed's protocol in one place: every event writer holds the order lock SHARED from before
its id is allocated until its transaction ends; a feed reader takes it EXCLUSIVE for a moment to read
the settled high-water mark, so a reader that resumes after the last id it saw misses none."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

# Key of the PostgreSQL advisory lock that keeps the event feed gap-free: every event writer holds it
# SHARED from before its id is allocated until its transaction ends (writers run and commit
# concurrently); a feed reader takes it EXCLUSIVE for a moment to read the settled high-water mark.
EVENT_ORDER_LOCK_KEY = 0x6D61696C


def lock_event_order(session: Session) -> None:
    """Mark this transaction as an event writer until it ends; call it before the event's id is allocated.

    PostgreSQL: the advisory lock in SHARED mode, so writers do not wait for each other (their commits
    are flushed together), but a feed reader's `settled_event_id` waits for them to finish.
    SQLite: nothing to do, the write lock taken by begin_write (BEGIN IMMEDIATE) serialises writers.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_LOCK_SHARED)


def settled_event_id(session: Session, table: Any) -> int | None:
    """The highest event id at or below which every id is settled (committed or rolled back for good).

    PostgreSQL: a short transaction takes the event lock EXCLUSIVE, which waits until every writer that
    already holds it SHARED (so every writer that has an id) has committed or rolled back, and keeps new
    writers from taking an id meanwhile; it reads max(id) of `table` (the events table) and commits.
    Ids above the mark belong to writers that started later. None on SQLite: one writer at a time,
    so ids become visible in id order and every visible id is already settled.
    """
    if session.get_bind().dialect.name != "postgresql":
        return None
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("settled_event_id needs a session without pending changes")
        session.commit()  # ends the autocommit read (e.g. the API-key lookup) and releases its connection
    session.connection(execution_options={"isolation_level": "READ COMMITTED"})
    try:
        session.execute(_LOCK_EXCLUSIVE)
        # A new statement, so a new snapshot (READ COMMITTED) taken after every earlier writer ended.
        high = session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return int(high)


_LOCK_SHARED = select(func.pg_advisory_xact_lock_shared(EVENT_ORDER_LOCK_KEY))
_LOCK_EXCLUSIVE = select(func.pg_advisory_xact_lock(EVENT_ORDER_LOCK_KEY))
