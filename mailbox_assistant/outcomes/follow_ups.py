"""What followed the disconnections, copied into the ledger's own table (`disconnection_follow_ups`) from
the durable records of the features that made them, by the ledger's catch-up (the bot's path writes
nothing more for it: a vote's own statement clears its `counted` flag):

- `escalation`: a support case about a mailbox (`escalations`, as the escalation desk opened it);
- `vote`: a "Did this help?" vote (`feedback_votes`), copied again whenever it is changed;
- `notice`: a proactive DM about one disconnection that Slack accepted (`notifications` of the kinds that
  announce a disconnection, `status = 'sent'`), with the event of the disconnection it was about;
- `answer`: a bot answer that showed a mailbox disconnected (`conversation_turns.about`), with the
  `disconnected_at` it showed, which names the disconnection (the mailbox's status keeps the time of
  the event that began it).

Cases, DMs and answers are found by id past a cursor per table (`worker_cursors`, named
`outcomes-ledger:<kind>`, with `:read` and `:seen`), the rows already copied skipped; a DM not yet sent
or given up holds its table's cursor. On PostgreSQL an id is drawn before its row commits, so a row with
a lower id can appear after a higher one: there the cursor settles past an id only `SETTLE_TIME` after a
catch-up had read past it, and the rows from where it had settled are read again first (those copied
cost an index lookup), so a row that committed late is copied within `SETTLE_TIME`. Votes change in
place, so they carry a `counted` flag instead: every write of a vote clears it, and the catch-up sets it
once the vote is copied as it is (only if the vote is still as it was read).

Each copy names the ledger rows it may change (`Touched`), which the ledger then recomputes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Text,
    and_,
    bindparam,
    cast,
    delete,
    exists,
    false,
    func,
    null,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from mailbox_assistant.conversations.models import ConversationTurn
from mailbox_assistant.escalation.models import Escalation
from mailbox_assistant.mailboxes.status import parse_time
from mailbox_assistant.notices.models import Notification, WorkerCursor
from mailbox_assistant.notices.rules import DISCONNECTION_KINDS
from mailbox_assistant.outcomes.models import DisconnectionFollowUp, FeedbackVote

# How long a PostgreSQL transaction may hold an id it has drawn before it commits (far longer than any
# of the writers of these tables takes); rows with ids below one read this long ago are all visible.
SETTLE_TIME = timedelta(minutes=2)
CURSOR_PREFIX = "outcomes-ledger:"

follow_ups = DisconnectionFollowUp.__table__
_escalations = Escalation.__table__
_notifications = Notification.__table__
_turns = ConversationTurn.__table__
_votes = FeedbackVote.__table__
_cursors = WorkerCursor.__table__


@dataclass
class Touched:
    """What a batch may have changed in the ledger: rows by id, rows by their disconnection event, and
    the rows of a mailbox from `earliest` on (those whose follow-ups changed)."""

    ids: set[int] = field(default_factory=set)
    event_ids: set[int] = field(default_factory=set)
    mailboxes: set[int] = field(default_factory=set)
    earliest: datetime | None = None

    def mailbox_from(self, mailbox_id: int, at: datetime) -> None:
        """Rows of `mailbox_id` that `at` may fall in."""
        self.mailboxes.add(mailbox_id)
        self.earliest = at if self.earliest is None or at < self.earliest else self.earliest

    def __bool__(self) -> bool:
        return bool(self.ids or self.event_ids or self.mailboxes)


@dataclass(frozen=True)
class Position:
    """A table's cursor: its rows are read up to `read` (those to copy, copied; a DM not yet sent or given
    up keeps it below itself), and every row up to `settled` is known to be there. On SQLite they are
    the same. On PostgreSQL `settled` moves up to where `read` was at `seen_at` once SETTLE_TIME has
    passed, after reading again from `settled` for rows that committed late (`seen` is that `read`)."""

    settled: int = 0
    read: int = 0
    seen: int = 0
    seen_at: datetime | None = None

    def due(self, now: datetime) -> bool:
        """Whether rows read but not yet settled should be read again and the cursor moved (PostgreSQL)."""
        return self.settled < self.read and (self.seen_at is None or now - self.seen_at >= SETTLE_TIME)


@dataclass(frozen=True)
class _Source:
    """A table whose rows are copied by id past a cursor."""

    kind: str
    table: Any
    # The rows to copy (the others are passed over).
    relevant: Any
    # Rows that may still become relevant hold the cursor (DMs not yet sent or given up).
    unsettled: Any = None

    @property
    def cursor(self) -> str:
        return CURSOR_PREFIX + self.kind

    def not_copied(self) -> Any:
        """The rows with no copy yet (an answer about several mailboxes has a copy for each)."""
        return ~exists().where(follow_ups.c.kind == self.kind, follow_ups.c.source_id == self.table.c.id)


_SOURCES = (
    _Source("escalation", _escalations, _escalations.c.mailbox_id.is_not(None)),
    _Source(
        "notice",
        _notifications,
        and_(_notifications.c.kind.in_(DISCONNECTION_KINDS), _notifications.c.status == "sent"),
        unsettled=and_(
            _notifications.c.kind.in_(DISCONNECTION_KINDS),
            _notifications.c.status.in_(("pending", "sending")),
        ),
    ),
    _Source(
        "answer",
        _turns,
        # A prefilter read in SQL on either database (`about` is JSON text as json.dumps wrote it);
        # the mailboxes shown disconnected are read from it in Python.
        and_(
            _turns.c.role == "bot",
            _turns.c.about.is_not(None),
            cast(_turns.c.about, Text).like('%"disconnected"%'),
        ),
    ),
)
_COLUMNS = {
    "escalation": (_escalations.c.id, _escalations.c.mailbox_id, _escalations.c.created_at),
    "notice": (
        _notifications.c.id,
        _notifications.c.mailbox_id,
        _notifications.c.sent_at,
        _notifications.c.event_id,
    ),
    "answer": (_turns.c.id, _turns.c.created_at, _turns.c.about),
}
CURSOR_NAMES = tuple(name for s in _SOURCES for name in (s.cursor, s.cursor + ":read", s.cursor + ":seen"))


def positions(cursors: dict[str, tuple[int, datetime | None]]) -> dict[str, Position]:
    """Each table's Position from the cursor rows (name → (position, updated_at)); 0 when missing."""
    found = {}
    for source in _SOURCES:
        settled = cursors.get(source.cursor, (0, None))[0]
        read = cursors.get(source.cursor + ":read", (settled, None))[0]
        seen, seen_at = cursors.get(source.cursor + ":seen", (settled, None))
        found[source.kind] = Position(settled, max(settled, read), seen, seen_at)
    return found


def pending(session: Session, where: dict[str, Position], now: datetime, settle: bool) -> bool:
    """Whether there is anything to copy (one read: the rows past each table's `read`, a few index
    lookups), or (`settle`) a cursor to settle."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    if settle and postgresql and any(p.due(now) for p in where.values()):
        return True
    checks = [exists().where(s.table.c.id > where[s.kind].read, s.relevant, s.not_copied()) for s in _SOURCES]
    checks.append(exists().where(_votes.c.counted == false()))
    return any(session.execute(select(*checks)).one())


@dataclass
class Progress:
    """How far one catch_up call has copied each table (so its next batch does not read those again)."""

    after: dict[str, int] = field(default_factory=dict)


def copy_new(
    session: Session,
    where: dict[str, Position],
    limit: int,
    now: datetime,
    touched: Touched,
    progress: Progress,
    settle: bool,
) -> tuple[int, bool]:
    """Copy up to `limit` new rows of each table (in the caller's write transaction, the ledger's cursor
    locked) and move the cursors; with `settle`, first read again what may have committed late if it is
    time to (PostgreSQL). (Rows copied, whether every table was read to its end.)"""
    copied, done = 0, True
    moved: list[dict[str, Any]] = []
    copies: list[dict[str, Any]] = []
    postgresql = session.get_bind().dialect.name == "postgresql"
    stats = session.execute(_stats(where)).one()._mapping  # each table's highest id and lowest unsettled one
    for source in _SOURCES:
        position = where[source.kind]
        again = settle and postgresql and position.due(now)  # read again from `settled`: late commits
        after = max(position.settled if again else position.read, progress.after.get(source.kind, 0))
        rows = session.execute(
            select(*_COLUMNS[source.kind])
            .where(source.table.c.id > after, source.relevant, source.not_copied())
            .order_by(source.table.c.id)
            .limit(limit)
        ).all()
        copies.extend(_copies(source.kind, rows, touched))
        full = len(rows) >= limit
        done = done and not full
        copied += len(rows)
        reached = rows[-1].id if full else max(after, stats[f"{source.kind}_highest"] or 0)
        progress.after[source.kind] = max(after, rows[-1].id if rows else after)
        moved.extend(_moved(source, position, reached, stats[f"{source.kind}_hold"], again, now, postgresql))
    copied_votes, votes_done = _copy_votes(session, limit, touched, copies)
    if copies:  # all the tables' copies in one statement
        session.execute(_insert_ignoring(session, follow_ups, ["kind", "source_id", "mailbox_id"]), copies)
    session.execute(_upsert_cursor(session), moved)
    return copied + copied_votes, done and votes_done


def _copies(kind: str, rows: Iterable[Any], touched: Touched) -> Iterable[dict[str, Any]]:
    """The follow-ups of `rows` of table `kind`, each naming the ledger rows it may change."""
    for row in rows:
        if kind == "escalation":
            touched.mailbox_from(row.mailbox_id, row.created_at)
            yield _copy(kind, row.id, row.mailbox_id, row.created_at)
        elif kind == "notice":
            touched.event_ids.add(row.event_id)
            yield _copy(kind, row.id, row.mailbox_id, row.sent_at, event_id=row.event_id)
        else:
            for mailbox_id, shown_at in _shown_disconnected(row.about):
                touched.mailbox_from(mailbox_id, shown_at)
                yield _copy(kind, row.id, mailbox_id, row.created_at, shown_at=shown_at)


def _copy(kind: str, source_id: int, mailbox_id: int, at: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "source_id": source_id,
        "mailbox_id": mailbox_id,
        "at": at,
        "helpful": None,
        "event_id": None,
        "shown_at": None,
        **extra,
    }


def _shown_disconnected(about: Any) -> list[tuple[int, datetime]]:
    """The mailboxes an answer showed disconnected, with the `disconnected_at` it showed (what
    bot/follow_up.py's about_of remembers); what cannot be read is passed over."""
    found = []
    try:
        for mailbox in about.get("mailboxes") or ():
            if mailbox.get("status") != "disconnected":
                continue
            shown_at = parse_time(mailbox.get("disconnected_at"))
            mailbox_id = str(mailbox.get("id"))
            if (
                shown_at is not None
                and mailbox_id.isascii()
                and mailbox_id.isdigit()
                and len(mailbox_id) < 19
            ):
                found.append((int(mailbox_id), shown_at))
    except (AttributeError, TypeError, ValueError):
        return found
    return found


def _stats(where: dict[str, Position]) -> Any:
    """Each table's highest id, and its lowest unsettled one past its cursor (if any), in one row."""
    columns = []
    for source in _SOURCES:
        columns.append(select(func.max(source.table.c.id)).scalar_subquery().label(f"{source.kind}_highest"))
        hold = None
        if source.unsettled is not None:
            hold = (
                select(func.min(source.table.c.id))
                .where(source.table.c.id > where[source.kind].settled, source.unsettled)
                .scalar_subquery()
            )
        columns.append((hold if hold is not None else null()).label(f"{source.kind}_hold"))
    return select(*columns)


def _moved(
    source: _Source,
    position: Position,
    reached: int,
    hold: int | None,
    again: bool,
    now: datetime,
    postgresql: bool,
) -> list[dict[str, Any]]:
    """The cursor rows of `source` once a batch has read it through `reached` (from `settled` when
    `again`) at `now`; `hold`: its lowest row past `settled` that may still change (written every batch,
    moved or not: one statement for all the tables)."""
    read = max(position.read, reached)
    if hold is not None:
        read = min(read, hold - 1)
    settled, seen, seen_at = position.settled, position.seen, position.seen_at
    if not postgresql:  # one writer at a time: rows appear in id order
        settled = seen = read
        seen_at = now
    elif seen_at is None:  # the first batch: what it has read settles SETTLE_TIME from now
        seen, seen_at = read, now
    elif again:
        settled = max(settled, min(seen, reached, read))
        if reached >= position.read:  # read again to the end: what is read now settles next
            seen, seen_at = read, now
    return [
        {"name": source.cursor, "position": settled, "updated_at": now},
        {"name": source.cursor + ":read", "position": read, "updated_at": now},
        {"name": source.cursor + ":seen", "position": seen, "updated_at": seen_at},
    ]


def _copy_votes(
    session: Session, limit: int, touched: Touched, copies: list[dict[str, Any]]
) -> tuple[int, bool]:
    """Copy (to `copies`) the votes cast or changed since they were last counted, forgetting their
    earlier copies, and mark them counted."""
    rows = session.execute(
        select(_votes.c.id, _votes.c.mailbox_id, _votes.c.created_at, _votes.c.helpful, _votes.c.updated_at)
        .where(_votes.c.counted == false())
        .order_by(_votes.c.id)
        .limit(limit)
    ).all()
    if not rows:
        return 0, True
    ids = [row.id for row in rows]
    forgotten = session.execute(
        delete(follow_ups)
        .where(follow_ups.c.kind == "vote", follow_ups.c.source_id.in_(ids))
        .returning(follow_ups.c.mailbox_id, follow_ups.c.at)
    )
    for before in forgotten:
        touched.mailbox_from(before.mailbox_id, before.at)  # what it counted for until now
    for row in rows:
        if row.mailbox_id is not None:
            touched.mailbox_from(row.mailbox_id, row.created_at)
            copies.append(_copy("vote", row.id, row.mailbox_id, row.created_at, helpful=row.helpful))
    session.execute(
        _MARK_COUNTED,
        [
            {"b_id": row.id, "b_helpful": row.helpful, "b_mailbox": row.mailbox_id, "b_at": row.updated_at}
            for row in rows
        ],
    )
    return len(rows), len(rows) < limit


# Only if the vote is still as it was read: a vote changed meanwhile stays to be counted again.
_MARK_COUNTED = (
    update(_votes)
    .where(
        _votes.c.id == bindparam("b_id"),
        _votes.c.helpful == bindparam("b_helpful"),
        _votes.c.mailbox_id.is_not_distinct_from(bindparam("b_mailbox")),
        _votes.c.updated_at == bindparam("b_at", type_=_votes.c.updated_at.type),
    )
    .values(counted=true())
)


def reset(session: Session) -> None:
    """Forget what was copied (the answers excepted: the transcripts they came from forget them), and
    count every vote again (for ledger.rebuild, in its transaction)."""
    session.execute(delete(follow_ups).where(follow_ups.c.kind != "answer"))
    session.execute(update(_votes).values(counted=false()))
    session.execute(delete(_cursors).where(_cursors.c.name.in_(CURSOR_NAMES)))


def _insert_ignoring(session: Session, table: Any, keys: list[str]) -> Any:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing(index_elements=keys)


def _upsert_cursor(session: Session) -> Any:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(_cursors)
    return statement.on_conflict_do_update(
        index_elements=["name"],
        set_={"position": statement.excluded.position, "updated_at": statement.excluded.updated_at},
    )
