"""The ledger of disconnections, kept up to date from the append-only events and from what followed them.

A disconnection starts with a `disconnected` event of a connected mailbox and ends with the next
`reconnected` event; a `disconnected` event of a mailbox that is still disconnected (a repeated report)
starts nothing, and `error` events are history only. This is how the mailbox's status follows its
events (mailboxes.store.apply_event), in the same order: event id.

`catch_up` works in batches, each one write transaction with the ledger's cursor (a row of
`worker_cursors`) locked first, so two processes catching up at once apply each event and follow-up
once: the follow-ups recorded since the last batch are copied (outcomes.follow_ups: support cases,
votes, proactive DMs, answers), the events past the cursor open and close disconnections, and every
disconnection the batch may have changed gets what it collected computed again from the follow-ups
(escalated, votes, first notice), its per-day rollup moved by the difference (outcomes.rollups). So
the rollups always sum the rows, in every committed state.

The worker catches up every few seconds (worker/outcomes.py); a report catches up too before it reads
(`max_batches` bounds what one read applies), so it counts what the worker has not applied yet. It
costs three small reads when there is nothing new. The ledger is derived data: `rebuild` empties it
and reads everything again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from mailbox_assistant.db import begin_write
from mailbox_assistant.mailboxes.feed import settled_event_id
from mailbox_assistant.mailboxes.models import Event, Mailbox
from mailbox_assistant.notices.models import WorkerCursor
from mailbox_assistant.orm import UtcDateTime, utcnow
from mailbox_assistant.outcomes import follow_ups, rollups
from mailbox_assistant.outcomes.follow_ups import Touched
from mailbox_assistant.outcomes.models import Disconnection

logger = logging.getLogger(__name__)

CURSOR_NAME = "outcomes-ledger"
BATCH_SIZE = 5000
# Escalations and votes about a mailbox count for its disconnection until this long after it reconnected
# (or until the mailbox's next disconnection begins, if that is sooner).
FOLLOW_UP_TIME = timedelta(hours=24)

_events = Event.__table__
_mailboxes = Mailbox.__table__
_cursors = WorkerCursor.__table__
ledger = Disconnection.__table__
_follow_ups = follow_ups.follow_ups

_MINE = or_(_cursors.c.name == CURSOR_NAME, _cursors.c.name.like(follow_ups.CURSOR_PREFIX + "%"))
_POSITIONS = select(_cursors.c.name, _cursors.c.position, _cursors.c.updated_at).where(_MINE)
# Every cursor of the ledger, the events' first: whoever holds them applies the next batch.
_LOCK_POSITIONS = _POSITIONS.order_by(_cursors.c.name).with_for_update()
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
    select(ledger)
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
# What a disconnection collected (computed from its follow-ups; see _collected).
COLLECTED = ("escalated", "feedback_yes", "feedback_no", "first_dm_at", "first_answer_at", "notice_seconds")
_SET_COLLECTED = (
    update(ledger)
    .where(ledger.c.id == bindparam("row_id"))
    .values({name: bindparam(f"new_{name}", type_=ledger.c[name].type) for name in COLLECTED})
)


@dataclass(frozen=True)
class _State:
    """The ledger's cursors as read: the events' position and each follow-up table's."""

    events: int
    tables: dict[str, follow_ups.Position]


def catch_up(
    session: Session,
    batch_size: int = BATCH_SIZE,
    max_batches: int | None = None,
    clock: Callable[[], datetime] = utcnow,
    settle: bool = True,
) -> int:
    """Apply every settled event and every follow-up recorded since the last catch-up; the number of
    state events and follow-ups applied. At most `max_batches` batches (None: until caught up).
    `settle`: also read again, when it is time to, the follow-ups that may have committed after rows
    read past them (PostgreSQL; the worker does, a report read leaves it to the worker).

    Commits what it applied (one transaction per batch). The session must have no pending changes.
    """
    applied, batches = 0, 0
    progress = follow_ups.Progress()
    while max_batches is None or batches < max_batches:
        state = _read_state(session)
        high = _high_water(session)
        anything_to_copy = follow_ups.pending(session, state.tables, clock(), settle)
        session.commit()  # the reads above hold no lock or snapshot while the batch is applied
        if high <= state.events and not anything_to_copy:
            return applied
        count, done = _apply_batch(session, state, high, batch_size, progress, clock(), settle)
        applied += count
        batches += 1
        if done:
            return applied
    logger.warning(
        "outcomes ledger: %d batches applied and still behind; the rest is left for later", batches
    )
    return applied


def rebuild(session: Session, batch_size: int = BATCH_SIZE) -> int:
    """Empty the ledger and its rollups, read the whole event history and every follow-up again; the
    number of state events and follow-ups applied."""
    begin_write(session)
    _ensure_cursor(session)
    session.execute(_LOCK_POSITIONS).all()
    session.execute(delete(ledger))
    session.execute(delete(rollups.days))
    follow_ups.reset(session)
    session.execute(update(_cursors).where(_cursors.c.name == CURSOR_NAME).values(position=0))
    session.commit()
    return catch_up(session, batch_size)


def _read_state(session: Session, statement: Any = _POSITIONS) -> _State:
    cursors = {row.name: (row.position, row.updated_at) for row in session.execute(statement)}
    return _State(cursors.get(CURSOR_NAME, (0, None))[0], follow_ups.positions(cursors))


def _high_water(session: Session) -> int:
    """The highest event id below which every event is settled (all of them on SQLite)."""
    settled = settled_event_id(session, _events)
    if settled is not None:
        return settled
    return session.execute(select(func.coalesce(func.max(_events.c.id), 0))).scalar_one()


def _apply_batch(
    session: Session,
    seen: _State,
    high: int,
    batch_size: int,
    progress: follow_ups.Progress,
    now: datetime,
    settle: bool,
) -> tuple[int, bool]:
    """Apply the next batch in one transaction with the cursors locked: the new follow-ups, the events
    after the cursor (up to `high`), and what the rows they change collected; (events and follow-ups
    applied, whether the ledger reached `high` and every follow-up)."""
    begin_write(session)
    _ensure_cursor(session)
    state = _read_state(session, _LOCK_POSITIONS)
    if state.events != seen.events:
        session.commit()  # another process applied this batch meanwhile: start again from its cursor
        return 0, False
    touched = Touched()
    copied, copied_all = follow_ups.copy_new(
        session, state.tables, batch_size, now, touched, progress, settle
    )
    rows = session.execute(_STATE_EVENTS, {"after": state.events, "high": high, "batch": batch_size}).all()
    done = len(rows) < batch_size
    before: dict[int, dict[str, Any]] = {}
    inserted: set[int] = set()
    if rows:
        _apply(session, rows, touched, before, inserted)
    _collect(session, touched, before, inserted)
    new_position = high if done else rows[-1].id
    session.execute(
        update(_cursors).where(_cursors.c.name == CURSOR_NAME).values(position=new_position, updated_at=now)
    )
    session.commit()
    return len(rows) + copied, done and copied_all


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


def _apply(
    session: Session,
    rows: list[Any],
    touched: Touched,
    before: dict[int, dict[str, Any]],
    inserted_events: set[int],
) -> None:
    """Open and close disconnections for `rows` (state events in id order), in three bulk writes; the
    rows they may change go to `touched` (as they were, to `before`; the new ones' events to
    `inserted_events`)."""
    latest: dict[int, _Latest] = {}
    parameters = {
        "mailbox_ids": sorted({row.mailbox_id for row in rows}),
        "earliest": min(r.occurred_at for r in rows),
    }
    for known in session.execute(_RECENT, parameters).mappings():
        before[known["id"]] = dict(known)
        touched.ids.add(known["id"])  # a new disconnection may take what this one collected
        latest[known["mailbox_id"]] = _Latest(
            known["disconnected_at"],
            known["reconnect_event_id"] is None,
            known["closes_at"],
            row_id=known["id"],
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
                "escalated": False,
                "feedback_yes": 0,
                "feedback_no": 0,
                "first_dm_at": None,
                "first_answer_at": None,
                "notice_seconds": None,
            }
            inserted.append(opened)
            inserted_events.add(row.id)
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
    touched.event_ids |= inserted_events


def _end_follow_up(disconnection: _Latest, at: datetime, cut_short: list[dict[str, Any]]) -> None:
    """End the time in which `disconnection` collects escalations and votes at `at` (the next began)."""
    disconnection.closes_at = at
    if disconnection.inserted is not None:
        disconnection.inserted["closes_at"] = at
    elif disconnection.closing is not None:
        disconnection.closing["closes"] = at
    else:
        cut_short.append({"row_id": disconnection.row_id, "at": at})


_later = ledger.alias("later")
# When the mailbox's next disconnection began (the next in time, ties by id): no escalation or vote
# from then on counts for this one.
_NEXT_BEGUN = (
    select(func.min(_later.c.disconnected_at))
    .where(
        _later.c.mailbox_id == ledger.c.mailbox_id,
        or_(
            _later.c.disconnected_at > ledger.c.disconnected_at,
            and_(_later.c.disconnected_at == ledger.c.disconnected_at, _later.c.id > ledger.c.id),
        ),
    )
    .scalar_subquery()
)
_about = ledger.alias("about")
# What followed each of the rows: escalations and votes made while it collected them, DMs about its
# event, answers that showed it (its disconnected_at).
_FOLLOWED = (
    select(_about.c.id.label("row_id"), _follow_ups.c.kind, _follow_ups.c.at, _follow_ups.c.helpful)
    .join(_follow_ups, _follow_ups.c.mailbox_id == _about.c.mailbox_id)
    .where(
        _about.c.id.in_(bindparam("row_ids", expanding=True)),
        or_(
            and_(
                _follow_ups.c.kind.in_(("escalation", "vote")),
                _follow_ups.c.at >= _about.c.disconnected_at,
                or_(_about.c.closes_at.is_(None), _follow_ups.c.at < _about.c.closes_at),
            ),
            and_(_follow_ups.c.kind == "notice", _follow_ups.c.event_id == _about.c.disconnect_event_id),
            and_(_follow_ups.c.kind == "answer", _follow_ups.c.shown_at == _about.c.disconnected_at),
        ),
    )
)


def _collect(
    session: Session, touched: Touched, before: dict[int, dict[str, Any]], inserted: set[int]
) -> None:
    """Compute again what the touched rows collected; write the rows that changed and move the rollups
    by the difference of every touched row (its events may have changed it too)."""
    if not touched:
        return
    which = [
        ledger.c.id.in_(sorted(touched.ids)),
        ledger.c.disconnect_event_id.in_(sorted(touched.event_ids)),
    ]
    if touched.mailboxes:
        which.append(
            and_(
                ledger.c.mailbox_id.in_(sorted(touched.mailboxes)),
                or_(ledger.c.closes_at.is_(None), ledger.c.closes_at > touched.earliest),
            )
        )
    rows = (
        session.execute(select(ledger, _NEXT_BEGUN.label("next_begun")).where(or_(*which))).mappings().all()
    )
    if not rows:
        return
    followed: dict[int, list[Any]] = defaultdict(list)
    for item in session.execute(_FOLLOWED, {"row_ids": [row["id"] for row in rows]}):
        followed[item.row_id].append(item)
    moves = rollups.Moves()
    changed = []
    for row in rows:
        collected = _collected(row, followed.get(row["id"], ()))
        now = {**row, **collected}
        if row["id"] in before:
            was = rollups.contribution(before[row["id"]])
        elif row["disconnect_event_id"] in inserted:
            was = None
        else:
            was = rollups.contribution(row)
        moves.move(rollups.key(row), was, rollups.contribution(now))
        if any(collected[name] != row[name] for name in COLLECTED):
            changed.append({"row_id": row["id"], **{f"new_{name}": collected[name] for name in COLLECTED}})
    if changed:
        session.execute(_SET_COLLECTED, changed)
    moves.write(session)


def _collected(row: Any, followed: Any) -> dict[str, Any]:
    """What a disconnection collected from what followed it (COLLECTED's columns)."""
    escalated, yes, no = False, 0, 0
    first_dm = first_answer = None
    next_begun = row["next_begun"]
    for item in followed:
        if item.kind in ("escalation", "vote") and next_begun is not None and item.at >= next_begun:
            continue  # made once the next disconnection had begun: about that one
        if item.kind == "escalation":
            escalated = True
        elif item.kind == "vote":
            yes, no = (yes + 1, no) if item.helpful else (yes, no + 1)
        elif item.kind == "notice":
            first_dm = item.at if first_dm is None else min(first_dm, item.at)
        else:
            first_answer = item.at if first_answer is None else min(first_answer, item.at)
    told = [at for at in (first_dm, first_answer) if at is not None]
    notice_seconds = max(0.0, (min(told) - row["disconnected_at"]).total_seconds()) if told else None
    return {
        "escalated": escalated,
        "feedback_yes": yes,
        "feedback_no": no,
        "first_dm_at": first_dm,
        "first_answer_at": first_answer,
        "notice_seconds": notice_seconds,
    }


def _ensure_cursor(session: Session) -> None:
    """Create the events' cursor row at 0 unless it exists (INSERT … ON CONFLICT DO NOTHING)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(_cursors).values(name=CURSOR_NAME, position=0, updated_at=utcnow())
    session.execute(statement.on_conflict_do_nothing(index_elements=["name"]))
