"""Reads and writes of mailboxes and events; free of Flask so the worker can record events too."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Float,
    Row,
    Select,
    String,
    Text,
    bindparam,
    case,
    func,
    literal_column,
    null,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import Insert, psycopg2
from sqlalchemy.orm import Session

from knowledge import classify
from mailbox_assistant.db import begin_write
from mailbox_assistant.mailboxes.feed import EVENT_ORDER_LOCK_KEY, lock_event_order, settled_event_id
from mailbox_assistant.mailboxes.models import Event, Mailbox
from mailbox_assistant.mailboxes.raw_errors import stored_error
from mailbox_assistant.mailboxes.recent import RECENT
from mailbox_assistant.orm import MAX_ID, UtcDateTime, utcnow


class NotFound(LookupError):
    """The mailbox does not exist."""


class BadCursor(ValueError):
    """A paging cursor that this API did not produce."""


def upsert_mailbox(session: Session, email: str, provider: str, owner_email: str) -> tuple[Mailbox, bool]:
    """Create the mailbox, or update provider and owner of the one with this email; True if created."""
    begin_write(session)
    now = utcnow()
    statement = (
        _dialect_insert(session)(Mailbox)
        .values(
            email=email,
            provider=provider,
            owner_email=owner_email,
            status="connected",
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["email"])
        .returning(Mailbox.id)
    )
    created_id = session.execute(statement).scalar()
    if created_id is not None:
        return session.get_one(Mailbox, created_id), True
    mailbox = session.execute(select(Mailbox).where(Mailbox.email == email)).scalar_one()
    if (mailbox.provider, mailbox.owner_email) != (provider, owner_email):
        mailbox.provider, mailbox.owner_email, mailbox.updated_at = provider, owner_email, now
    return mailbox, False


def get_mailbox(session: Session, mailbox_id: int) -> Mailbox:
    """The mailbox with this id, or NotFound."""
    mailbox = session.get(Mailbox, mailbox_id) if mailbox_id <= MAX_ID else None
    if mailbox is None:
        raise NotFound(f"no mailbox with id {mailbox_id}")
    return mailbox


# Core statements of table columns, not ORM entities, on the hot read paths: their compiled forms are
# cached (and prepared by psycopg on PostgreSQL), and rows need no identity map. The rows have the
# Mailbox attributes that api.serialize.mailbox_out reads.
_MAILBOXES = Mailbox.__table__
_EVENTS = Event.__table__


def list_mailboxes(
    db: Session | Connection, owner_email: str | None, status: str | None, limit: int, cursor: str | None
) -> tuple[list[Row[Any]], str | None]:
    """A page of mailbox rows in id order, filtered; returns them and the next cursor (None at the end)."""
    query = _filtered(
        select(_MAILBOXES).order_by(_MAILBOXES.c.id).limit(limit + 1), owner_email, status, cursor
    )
    mailboxes = list(db.execute(query))
    if len(mailboxes) <= limit:
        return mailboxes, None
    return mailboxes[:limit], encode_cursor(mailboxes[limit - 1].id)


# A mailbox by its address with its count of recent disconnections, in one statement: the unique index
# on email (addresses are stored lower-case), then for a disconnected mailbox an index range of its
# `disconnected` events (ix_events_mailbox_id_type_occurred_at). Connected mailboxes are not counted.
_RECENT_OF_MAILBOX = (
    select(func.count())
    .where(
        _EVENTS.c.mailbox_id == _MAILBOXES.c.id,
        _EVENTS.c.type == "disconnected",
        _EVENTS.c.occurred_at > bindparam("since", type_=UtcDateTime()),
    )
    .correlate(_MAILBOXES)
    .scalar_subquery()
)
_BY_EMAIL = select(
    _MAILBOXES, case((_MAILBOXES.c.status == "disconnected", _RECENT_OF_MAILBOX)).label("recent_disconnects")
).where(_MAILBOXES.c.email == bindparam("email"))


def mailbox_by_email(
    db: Session | Connection,
    email: str,
    owner_email: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
    now: datetime | None = None,
) -> Row[Any] | None:
    """The mailbox whose address is `email` (any case) if it also passes the filters, else None; one
    indexed query. The row has the mailbox's columns and `recent_disconnects` (None when connected)."""
    query = _filtered(_BY_EMAIL, owner_email, status, cursor)
    return db.execute(query, {"email": email.lower(), "since": (now or utcnow()) - RECENT}).first()


def _filtered(
    query: Select[Any], owner_email: str | None, status: str | None, cursor: str | None
) -> Select[Any]:
    """`query` narrowed by the listing's filters: owner, status, and the ids after a cursor."""
    if owner_email is not None:
        query = query.where(_MAILBOXES.c.owner_email == owner_email)
    if status is not None:
        query = query.where(_MAILBOXES.c.status == status)
    if cursor is not None:
        query = query.where(_MAILBOXES.c.id > decode_cursor(cursor))
    return query


# How often each of some mailboxes disconnected recently: one grouped query over the events of those
# mailboxes, an index range each (ix_events_mailbox_id_type_occurred_at). Mailboxes with none are absent.
_RECENT_DISCONNECTS = (
    select(_EVENTS.c.mailbox_id, func.count())
    .where(
        _EVENTS.c.mailbox_id.in_(bindparam("mailbox_ids", expanding=True)),
        _EVENTS.c.type == "disconnected",
        _EVENTS.c.occurred_at > bindparam("since", type_=UtcDateTime()),
    )
    .group_by(_EVENTS.c.mailbox_id)
)


def recent_disconnects(
    db: Session | Connection, mailbox_ids: Sequence[int], now: datetime | None = None
) -> dict[int, int]:
    """How many `disconnected` events of each mailbox occurred within RECENT before `now`, by mailbox id
    (a mailbox with none is absent); no query at all for no ids."""
    if not mailbox_ids:
        return {}
    since = (now or utcnow()) - RECENT
    rows = db.execute(_RECENT_DISCONNECTS, {"mailbox_ids": list(mailbox_ids), "since": since})
    return {mailbox_id: count for mailbox_id, count in rows}


# A cursor is the last id as 8 big-endian bytes in url-safe base64 without padding: 11 characters, the
# last carrying 4 bits. The status API documents this pattern, so every string it allows is one we read.
CURSOR_LENGTH = 11
CURSOR_PATTERN = r"^[A-Za-z0-9_-]{10}[AEIMQUYcgkosw048]$"
_CURSOR = re.compile(CURSOR_PATTERN)


def encode_cursor(last_id: int) -> str:
    """An opaque cursor that resumes after `last_id`."""
    return base64.urlsafe_b64encode(last_id.to_bytes(8, "big")).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id a cursor resumes after (past MAX_ID: MAX_ID, an empty page); BadCursor if it is not of
    the documented form."""
    if not _CURSOR.fullmatch(cursor):
        raise BadCursor("cursor is not a next_cursor returned by this API")
    return min(int.from_bytes(base64.urlsafe_b64decode(cursor + "="), "big"), MAX_ID)


def classify_event(event_type: str, error: str | None) -> tuple[str | None, float | None]:
    """The reason and confidence of an event: failures are classified, reconnections have none."""
    if event_type == "reconnected":
        return None, None
    if error is None or not error.strip():
        return "unknown", 0.0
    return classify(error)


def record_event(
    session: Session,
    mailbox_id: int,
    event_type: str,
    error: str | None = None,
    occurred_at: datetime | None = None,
    idempotency_key: str | None = None,
) -> tuple[Event, bool]:
    """Append an event and update the mailbox in the same transaction; False if the key was seen before.

    An `error` of any length is classified whole (the classifier reads its head and tail) and stored
    cut to raw_errors.MAX_STORED_ERROR characters, head and tail kept around a marker.

    The caller commits. Until then the transaction holds the mailbox's row lock (the writers of one
    mailbox take turns, so its status follows their id order) and is an event writer for the feed
    (mailbox_assistant.db.lock_event_order, taken before the id is allocated).
    """
    reason, confidence = classify_event(event_type, error)  # before any lock: pure CPU work
    error = stored_error(error)
    if mailbox_id > MAX_ID:
        raise NotFound(f"no mailbox with id {mailbox_id}")
    begin_write(session)
    now = utcnow()
    values = {
        "mailbox_id": mailbox_id,
        "type": event_type,
        "error": error,
        "reason": reason,
        "confidence": confidence,
        "occurred_at": occurred_at or now,
        "recorded_at": now,
        "idempotency_key": idempotency_key,
    }
    if session.get_bind().dialect.name == "postgresql":
        return _record_event_postgresql(session, values)
    # SQLite: BEGIN IMMEDIATE (begin_write) already makes this the only writer until commit.
    if session.execute(select(Mailbox.id).where(Mailbox.id == mailbox_id)).scalar() is None:
        raise NotFound(f"no mailbox with id {mailbox_id}")
    lock_event_order(session)
    statement = sqlite.insert(Event).values(values).returning(Event.id)
    if idempotency_key is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["mailbox_id", "idempotency_key"])
    event_id = session.execute(statement).scalar()
    if event_id is None:  # the key was used before: nothing new is recorded
        session.rollback()
        return _earlier_event(session, mailbox_id, idempotency_key), False
    if event_type != "error":
        session.execute(_APPLY_EVENT, values)
        _expire_mailbox(session, mailbox_id)
    return Event(id=event_id, **values), True


# The one rule of what an event does to its mailbox, as SQL both databases run (SQLite after its insert,
# PostgreSQL inside _RECORD_EVENT_SQL): `disconnected` marks the mailbox down (keeping the first time
# it went down) and records the failure; `reconnected` marks it up and keeps the last failure, which
# the bot mentions; `error` events are history only and change nothing.
_COLUMNS = Mailbox.__table__.c
_EVENT_TYPE = bindparam("type", type_=String())
_DOWN = literal_column("'disconnected'") == _EVENT_TYPE


def _if_down(value: Any, column: Any) -> Any:
    """`value` for a disconnection, the column as it is otherwise."""
    return case((_DOWN, value), else_=column)


_TRANSITION = {
    "status": case((_DOWN, literal_column("'disconnected'")), else_=literal_column("'connected'")),
    "disconnected_at": case(
        (literal_column("'reconnected'") == _EVENT_TYPE, null()),
        (_COLUMNS.status == literal_column("'disconnected'"), _COLUMNS.disconnected_at),
        else_=bindparam("occurred_at", type_=UtcDateTime()),
    ),
    "last_failure_reason": _if_down(bindparam("reason", type_=String()), _COLUMNS.last_failure_reason),
    "last_failure_error": _if_down(bindparam("error", type_=Text()), _COLUMNS.last_failure_error),
    "last_failure_at": _if_down(bindparam("occurred_at", type_=UtcDateTime()), _COLUMNS.last_failure_at),
    "last_failure_confidence": _if_down(
        bindparam("confidence", type_=Float()), _COLUMNS.last_failure_confidence
    ),
    "updated_at": bindparam("recorded_at", type_=UtcDateTime()),
}
_APPLY_EVENT = (
    update(Mailbox.__table__)
    .where(_COLUMNS.id == bindparam("mailbox_id", type_=BigInteger()))
    .values(_TRANSITION)
)
# The SET list of that UPDATE, rendered for PostgreSQL with the :name placeholders text() binds.
_TRANSITION_SET_SQL = (
    str(_APPLY_EVENT.compile(dialect=psycopg2.dialect(paramstyle="named")))
    .split(" SET ", 1)[1]
    .split(" WHERE ", 1)[0]
)


def _expire_mailbox(session: Session, mailbox_id: int) -> None:
    """Make a mailbox already loaded in the session read its row again after the UPDATE."""
    loaded = session.identity_map.get(session.identity_key(Mailbox, mailbox_id))  # type: ignore[arg-type]
    if loaded is not None:
        session.expire(loaded)


# One statement, one round trip, in the caller's transaction:
# 1. `event_lock`: the event lock in SHARED mode (mailbox_assistant.db.lock_event_order), so a feed reader's
#    settled_event_id waits for this transaction to end. It comes first: `target` joins it, and a row is
#    locked (FOR UPDATE, on top of the join) only once the join has produced it; so a writer never waits
#    for the event lock while holding a mailbox row lock (no lock cycle with a waiting feed reader).
# 2. `target`: the mailbox's row lock; the writers of one mailbox take turns from here to commit.
# 3. `inserted`: the event; its id (the column default) is drawn for a row that `target` has produced,
#    so after both locks: the feed reader sees every id settled, and a mailbox's events are numbered in
#    the order its status changes. ON CONFLICT: a key seen before inserts nothing.
# 4. `updated`: the mailbox, by the one transition rule (_TRANSITION). An UPDATE of a row this
#    transaction has just locked applies to the row's latest committed version (READ COMMITTED), so the
#    CASEs read the current status.
_RECORD_EVENT_SQL = f"""
WITH event_lock AS (
    SELECT pg_advisory_xact_lock_shared({EVENT_ORDER_LOCK_KEY})
), target AS (
    SELECT mailboxes.id FROM mailboxes, event_lock WHERE mailboxes.id = :mailbox_id FOR UPDATE OF mailboxes
), inserted AS (
    INSERT INTO events
        (mailbox_id, type, error, reason, confidence, occurred_at, recorded_at, idempotency_key)
    SELECT id, :type, :error, :reason, :confidence, :occurred_at, :recorded_at, :idempotency_key FROM target
    ON CONFLICT (mailbox_id, idempotency_key) DO NOTHING
    RETURNING id
), updated AS (
    UPDATE mailboxes SET {_TRANSITION_SET_SQL}
    FROM inserted
    WHERE mailboxes.id = :mailbox_id AND :type <> 'error'
)
SELECT (SELECT count(*) FROM target) AS found, (SELECT id FROM inserted) AS id
"""
_RECORD_EVENT = text(_RECORD_EVENT_SQL).bindparams(
    bindparam("mailbox_id", type_=BigInteger()),
    bindparam("type", type_=String()),
    bindparam("error", type_=Text()),
    bindparam("reason", type_=String()),
    bindparam("confidence", type_=Float()),
    bindparam("occurred_at", type_=UtcDateTime()),
    bindparam("recorded_at", type_=UtcDateTime()),
    bindparam("idempotency_key", type_=String()),
)


def _record_event_postgresql(session: Session, values: dict[str, Any]) -> tuple[Event, bool]:
    """record_event's write on PostgreSQL: one statement (event lock, row lock, insert, update)."""
    found, event_id = session.execute(_RECORD_EVENT, values).one()
    if not found:
        raise NotFound(f"no mailbox with id {values['mailbox_id']}")
    if event_id is None:  # the key was used before: nothing new is recorded
        # A new statement sees the first event even if its writer committed while this one waited.
        return _earlier_event(session, values["mailbox_id"], values["idempotency_key"]), False
    return Event(id=event_id, **values), True


def _earlier_event(session: Session, mailbox_id: int, idempotency_key: str | None) -> Event:
    """The event recorded before with this idempotency key."""
    earlier = select(Event).where(Event.mailbox_id == mailbox_id, Event.idempotency_key == idempotency_key)
    return session.execute(earlier).scalar_one()


def _dialect_insert(session: Session) -> Callable[..., Insert]:
    """The INSERT construct of the session's dialect (both have ON CONFLICT)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def mailbox_history(session: Session, mailbox_id: int, before: int | None, limit: int) -> list[Event]:
    """The mailbox's events, newest first, with ids below `before`; NotFound if no such mailbox."""
    get_mailbox(session, mailbox_id)
    query = select(Event).where(Event.mailbox_id == mailbox_id).order_by(Event.id.desc()).limit(limit)
    if before is not None:
        query = query.where(Event.id < before)
    return list(session.execute(query).scalars())


def event_feed(session: Session, after: int, limit: int) -> tuple[list[Event], dict[int, Mailbox]]:
    """Events with ids above `after` in id order, and their mailboxes by id; never skips an event.

    Only settled ids are returned (db.settled_event_id): an id that a writer still holds, and every
    id above it, waits for a later page, so a consumer that resumes after the last id it saw misses none.
    """
    query = select(Event).where(Event.id > after).order_by(Event.id).limit(limit)
    high = settled_event_id(session, Event.__table__)
    if high is not None:
        if high <= after:
            return [], {}
        query = query.where(Event.id <= high)
    events = list(session.execute(query).scalars())
    mailboxes = _mailboxes_by_id(session, {event.mailbox_id for event in events})
    return events, mailboxes


def _mailboxes_by_id(session: Session, ids: Sequence[int] | set[int]) -> dict[int, Mailbox]:
    """The mailboxes with these ids, in one query."""
    if not ids:
        return {}
    return {m.id: m for m in session.execute(select(Mailbox).where(Mailbox.id.in_(ids))).scalars()}
