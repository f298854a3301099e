"""The ledger of disconnections, kept up to date from the append-only events.

A disconnection starts with a `disconnected` event of a connected mailbox and ends with the next
`reconnected` event; a `disconnected` event of a mailbox that is still disconnected (a repeated report)
starts nothing, and `error` events are history only. This is how the mailbox's status follows its
events (mailboxes.store.apply_event), in the same order: event id.

`catch_up` reads the events past its cursor in batches, each applied in one transaction with the cursor
(a row of `worker_cursors`, locked first), so two processes catching up at once apply each event once.
Reports call it before reading, so they count every event recorded before they started; it costs two
small reads when there is nothing new. The ledger is derived data: `rebuild` empties it and reads the
whole history again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from mailbox_assistant.db import begin_write
from mailbox_assistant.mailboxes.feed import settled_event_id
from mailbox_assistant.mailboxes.models import Event, Mailbox
from mailbox_assistant.notices.models import WorkerCursor
from mailbox_assistant.orm import UtcDateTime, utcnow
from mailbox_assistant.outcomes.models import Disconnection

CURSOR_NAME = "outcomes-ledger"
BATCH_SIZE = 5000
# Escalations and votes about a mailbox count for its disconnection until this long after it reconnected
# (or until the mailbox's next disconnection begins, if that is sooner).
FOLLOW_UP_TIME = timedelta(hours=24)

_events = Event.__table__
_mailboxes = Mailbox.__table__
_cursors = WorkerCursor.__table__
ledger = Disconnection.__table__

_POSITION = select(_cursors.c.position).where(_cursors.c.name == CURSOR_NAME)
_LOCK_POSITION = _POSITION.with_for_update()
_STATE_EVENTS = (
    select(
        _events.c.id,
        _events.c.mailbox_id,
        _events.c.type,
        _events.c.reason,
        _events.c.occurred_at,
        _mailboxes.c.provider,
    )
    .join(_mailboxes, _mailboxes.c.id == _events.c.mailbox_id)
    .where(
        _events.c.id > bindparam("after"),
        _events.c.id <= bindparam("high"),
        _events.c.type.in_(("disconnected", "reconnected")),
    )
    .order_by(_events.c.id)
    .limit(bindparam("batch"))
)
# The mailboxes' disconnections that a batch may change: the open ones, and those still collecting
# escalations and votes at the batch's earliest event (a new disconnection ends that time early).
_RECENT = (
    select(
        ledger.c.id,
        ledger.c.mailbox_id,
        ledger.c.disconnected_at,
        ledger.c.reconnect_event_id,
        ledger.c.closes_at,
    )
    .where(
        ledger.c.mailbox_id.in_(bindparam("mailbox_ids", expanding=True)),
        or_(
            ledger.c.reconnect_event_id.is_(None),
            ledger.c.closes_at > bindparam("earliest", type_=UtcDateTime()),
        ),
    )
    .order_by(ledger.c.mailbox_id, ledger.c.disconnect_event_id)
)
_CUT_SHORT = update(ledger).where(ledger.c.id == bindparam("row_id")).values(closes_at=bindparam("at"))
_CLOSE = (
    update(ledger)
    .where(ledger.c.id == bindparam("row_id"))
    .values(
        reconnect_event_id=bindparam("event_id"),
        reconnected_at=bindparam("at"),
        reconnect_seconds=bindparam("seconds"),
        closes_at=bindparam("closes"),
    )
)


def catch_up(session: Session, batch_size: int = BATCH_SIZE) -> int:
    """Apply every settled event past the cursor to the ledger; the number of state events applied.

    Commits what it applied (one transaction per batch). The session must have no pending changes.
    """
    applied = 0
    while True:
        position = session.execute(_POSITION).scalar() or 0
        high = _high_water(session)
        session.commit()  # the reads above hold no lock or snapshot while the batch is applied
        if high <= position:
            return applied
        count, done = _apply_batch(session, position, high, batch_size)
        applied += count
        if done:
            return applied


def rebuild(session: Session, batch_size: int = BATCH_SIZE) -> int:
    """Empty the ledger and read the whole event history again; the number of state events applied."""
    begin_write(session)
    session.execute(delete(ledger))
    session.execute(update(_cursors).where(_cursors.c.name == CURSOR_NAME).values(position=0))
    session.commit()
    return catch_up(session, batch_size)


def _high_water(session: Session) -> int:
    """The highest event id below which every event is settled (all of them on SQLite)."""
    settled = settled_event_id(session, _events)
    if settled is not None:
        return settled
    return session.execute(select(func.coalesce(func.max(_events.c.id), 0))).scalar_one()


def _apply_batch(session: Session, position: int, high: int, batch_size: int) -> tuple[int, bool]:
    """Apply the next batch of events after `position` (up to `high`) in one transaction with the cursor;
    (state events applied, whether the ledger reached `high`)."""
    begin_write(session)
    _ensure_cursor(session)
    if (session.execute(_LOCK_POSITION).scalar() or 0) != position:
        session.commit()  # another process applied this batch meanwhile: start again from its cursor
        return 0, False
    rows = session.execute(_STATE_EVENTS, {"after": position, "high": high, "batch": batch_size}).all()
    done = len(rows) < batch_size
    if rows:
        _apply(session, rows)
    new_position = high if done else rows[-1].id
    session.execute(
        update(_cursors)
        .where(_cursors.c.name == CURSOR_NAME)
        .values(position=new_position, updated_at=utcnow())
    )
    session.commit()
    return len(rows), done


@dataclass
class _Latest:
    """A mailbox's latest disconnection as a batch knows it, and the write that carries its changes:
    the row the batch inserts, the update closing an existing row, or (else) an update of its own."""

    disconnected_at: datetime
    open: bool
    closes_at: datetime | None
    row_id: int | None = None
    inserted: dict[str, Any] | None = None
    closing: dict[str, Any] | None = None


def _apply(session: Session, rows: list[Any]) -> None:
    """Open and close disconnections for `rows` (state events in id order), in three bulk writes."""
    latest: dict[int, _Latest] = {}
    parameters = {
        "mailbox_ids": sorted({row.mailbox_id for row in rows}),
        "earliest": min(r.occurred_at for r in rows),
    }
    for known in session.execute(_RECENT, parameters):
        latest[known.mailbox_id] = _Latest(
            known.disconnected_at, known.reconnect_event_id is None, known.closes_at, row_id=known.id
        )
    inserted: list[dict[str, Any]] = []
    closed: list[dict[str, Any]] = []
    cut_short: list[dict[str, Any]] = []
    for row in rows:
        current = latest.get(row.mailbox_id)
        if row.type == "disconnected":
            if current is not None and current.open:
                continue  # reported again while disconnected: the same disconnection
            if (
                current is not None
                and current.closes_at is not None
                and current.disconnected_at < row.occurred_at < current.closes_at
            ):
                _end_follow_up(current, row.occurred_at, cut_short)
            opened = {
                "mailbox_id": row.mailbox_id,
                "provider": row.provider,
                "reason": row.reason or "unknown",
                "disconnect_event_id": row.id,
                "disconnected_at": row.occurred_at,
                "day": row.occurred_at.date(),
                "reconnect_event_id": None,
                "reconnected_at": None,
                "reconnect_seconds": None,
                "closes_at": None,
            }
            inserted.append(opened)
            latest[row.mailbox_id] = _Latest(row.occurred_at, True, None, inserted=opened)
        elif current is not None and current.open:
            # A reconnection recorded with an earlier time than its disconnection took no time at all.
            seconds = max(0.0, (row.occurred_at - current.disconnected_at).total_seconds())
            closes = row.occurred_at + FOLLOW_UP_TIME
            if current.inserted is not None:
                current.inserted.update(
                    reconnect_event_id=row.id,
                    reconnected_at=row.occurred_at,
                    reconnect_seconds=seconds,
                    closes_at=closes,
                )
            else:
                current.closing = {
                    "row_id": current.row_id,
                    "event_id": row.id,
                    "at": row.occurred_at,
                    "seconds": seconds,
                    "closes": closes,
                }
                closed.append(current.closing)
            current.open, current.closes_at = False, closes
    if inserted:
        session.execute(insert(ledger), inserted)
    if closed:
        session.execute(_CLOSE, closed)
    if cut_short:
        session.execute(_CUT_SHORT, cut_short)


def _end_follow_up(disconnection: _Latest, at: datetime, cut_short: list[dict[str, Any]]) -> None:
    """End the time in which `disconnection` collects escalations and votes at `at` (the next began)."""
    disconnection.closes_at = at
    if disconnection.inserted is not None:
        disconnection.inserted["closes_at"] = at
    elif disconnection.closing is not None:
        disconnection.closing["closes"] = at
    else:
        cut_short.append({"row_id": disconnection.row_id, "at": at})


def _ensure_cursor(session: Session) -> None:
    """Create the cursor row at 0 unless it exists (INSERT … ON CONFLICT DO NOTHING)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(_cursors).values(name=CURSOR_NAME, position=0, updated_at=utcnow())
    session.execute(statement.on_conflict_do_nothing(index_elements=["name"]))
