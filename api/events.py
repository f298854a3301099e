"""Events: record a mailbox's status event, read its history, and the feed of all events."""

from __future__ import annotations

from flask import Blueprint

from api.auth import requires
from api.openapi import responses, spec
from api.schemas import (
    MAILBOX_ID_RULE,
    EventCreate,
    EventOut,
    FeedPage,
    FeedQuery,
    HistoryPage,
    HistoryQuery,
)
from api.serialize import event_out, feed_event_out
from api.web import get_session, require_json_body
from mailbox_assistant.mailboxes import store

bp = Blueprint("events", __name__, url_prefix="/api/v1")
bp.before_request(require_json_body)


@bp.post(f"/mailboxes/{MAILBOX_ID_RULE}/events")
@spec.validate(resp=responses(HTTP_200=EventOut, HTTP_201=EventOut), tags=["events"])
@requires("write")
def create_event(mailbox_id: int, json: EventCreate) -> tuple[EventOut, int]:
    """Record an event (classified) and update the mailbox; a repeated idempotency key returns 200."""
    session = get_session()
    event, created = store.record_event(
        session, mailbox_id, json.type, json.error, json.occurred_at, json.idempotency_key
    )
    session.commit()
    return event_out(event), 201 if created else 200


@bp.get(f"/mailboxes/{MAILBOX_ID_RULE}/events")
@spec.validate(resp=responses(HTTP_200=HistoryPage), tags=["events"])
@requires("read")
def list_mailbox_events(mailbox_id: int, query: HistoryQuery) -> HistoryPage:
    """A mailbox's recent events, newest first."""
    events = store.mailbox_history(get_session(), mailbox_id, query.before, query.limit)
    next_before = events[-1].id if len(events) == query.limit else None
    return HistoryPage(items=[event_out(e) for e in events], next_before=next_before)


@bp.get("/events")
@spec.validate(resp=responses(HTTP_200=FeedPage), tags=["events"])
@requires("read")
def list_events(query: FeedQuery) -> FeedPage:
    """The event feed in id order, each event with its mailbox; no event is ever skipped."""
    events, mailboxes = store.event_feed(get_session(), query.after, query.limit)
    items = [feed_event_out(e, mailboxes[e.mailbox_id]) for e in events]
    return FeedPage(items=items, next_after=events[-1].id if events else query.after)
