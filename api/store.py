"""Reads and writes of mailboxes and events; free of Flask so the worker can record events too."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import Insert
from sqlalchemy.orm import Session

from api.db import begin_write, lock_event_order
from api.models import MAX_ID, Event, Mailbox, utcnow
from knowledge import classify


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


def list_mailboxes(
    session: Session, owner_email: str | None, status: str | None, limit: int, cursor: str | None
) -> tuple[list[Mailbox], str | None]:
    """A page of mailboxes in id order, filtered; returns the items and the next cursor (None at the end)."""
    query: Select[tuple[Mailbox]] = select(Mailbox).order_by(Mailbox.id).limit(limit + 1)
    if owner_email is not None:
        query = query.where(Mailbox.owner_email == owner_email)
    if status is not None:
        query = query.where(Mailbox.status == status)
    if cursor is not None:
        query = query.where(Mailbox.id > decode_cursor(cursor))
    mailboxes = list(session.execute(query).scalars())
    if len(mailboxes) <= limit:
        return mailboxes, None
    return mailboxes[:limit], encode_cursor(mailboxes[limit - 1].id)


def encode_cursor(last_id: int) -> str:
    """An opaque cursor that resumes after `last_id`."""
    return base64.urlsafe_b64encode(f"mailbox:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id a cursor resumes after; BadCursor if it was not made by encode_cursor."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, last_id = text.partition(":")
        if kind != "mailbox" or not last_id.isascii() or not last_id.isdigit():
            raise ValueError(text)
        return int(last_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadCursor("cursor is not a next_cursor returned by this API") from None


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

    The caller commits. Until then event writers are serialised, so event ids commit in id order.
    """
    reason, confidence = classify_event(event_type, error)  # before any lock: pure CPU work
    begin_write(session)
    # The mailbox's row lock serialises the writers of one mailbox (its status, its idempotency keys).
    mailbox = None
    if mailbox_id <= MAX_ID:
        mailbox = session.get(Mailbox, mailbox_id, with_for_update=True, populate_existing=True)
    if mailbox is None:
        raise NotFound(f"no mailbox with id {mailbox_id}")
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
    # From the id's allocation (the INSERT) to the caller's commit, event writers take turns.
    lock_event_order(session)
    statement = _dialect_insert(session)(Event).values(values).returning(Event.id)
    if idempotency_key is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["mailbox_id", "idempotency_key"])
    event_id = session.execute(statement).scalar()
    if event_id is None:  # the key was used before: nothing new is recorded
        session.rollback()
        earlier = select(Event).where(
            Event.mailbox_id == mailbox_id, Event.idempotency_key == idempotency_key
        )
        return session.execute(earlier).scalar_one(), False
    event = Event(id=event_id, **values)
    if apply_event(mailbox, event):
        mailbox.updated_at = now
        session.flush()
    return event, True


def _dialect_insert(session: Session) -> Callable[..., Insert]:
    """The INSERT construct of the session's dialect (both have ON CONFLICT)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def apply_event(mailbox: Mailbox, event: Event) -> bool:
    """Change the mailbox's status for an event; False for `error` events, which are history only."""
    if event.type == "disconnected":
        if mailbox.status != "disconnected":
            mailbox.status = "disconnected"
            mailbox.disconnected_at = event.occurred_at
        mailbox.last_failure_reason = event.reason
        mailbox.last_failure_error = event.error
        mailbox.last_failure_at = event.occurred_at
        mailbox.last_failure_confidence = event.confidence
        return True
    if event.type == "reconnected":
        # last_failure is kept: the bot tells users about a recent past disconnection.
        mailbox.status = "connected"
        mailbox.disconnected_at = None
        return True
    return False


def mailbox_history(session: Session, mailbox_id: int, before: int | None, limit: int) -> list[Event]:
    """The mailbox's events, newest first, with ids below `before`; NotFound if no such mailbox."""
    get_mailbox(session, mailbox_id)
    query = select(Event).where(Event.mailbox_id == mailbox_id).order_by(Event.id.desc()).limit(limit)
    if before is not None:
        query = query.where(Event.id < before)
    return list(session.execute(query).scalars())


def event_feed(session: Session, after: int, limit: int) -> tuple[list[Event], dict[int, Mailbox]]:
    """Events with ids above `after` in id order, and their mailboxes by id."""
    events = list(
        session.execute(select(Event).where(Event.id > after).order_by(Event.id).limit(limit)).scalars()
    )
    mailboxes = _mailboxes_by_id(session, {event.mailbox_id for event in events})
    return events, mailboxes


def _mailboxes_by_id(session: Session, ids: Sequence[int] | set[int]) -> dict[int, Mailbox]:
    """The mailboxes with these ids, in one query."""
    if not ids:
        return {}
    return {m.id: m for m in session.execute(select(Mailbox).where(Mailbox.id.in_(ids))).scalars()}
