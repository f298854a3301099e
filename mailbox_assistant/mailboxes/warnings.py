"""Warnings on connected mailboxes: the newest `error` event (history only, e.g. the token monitor's
notice that a refresh token lapses soon) recorded since the mailbox last connected or disconnected."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, bindparam, exists, select
from sqlalchemy.orm import Session, aliased

from mailbox_assistant.mailboxes.models import Event
from mailbox_assistant.orm import UtcDateTime, utcnow

WARNING_WINDOW = timedelta(days=7)  # an older warning has lapsed or been dealt with

_EVENTS = Event.__table__
_LATER = aliased(_EVENTS)
_NEWER = aliased(_EVENTS)


def _after(events, *, warning: bool):
    """An event of the same mailbox after the one considered: another warning, or a status event."""
    kind = events.c.type == "error" if warning else events.c.type != "error"
    return exists().where(and_(events.c.mailbox_id == _EVENTS.c.mailbox_id, kind, events.c.id > _EVENTS.c.id))


# Per mailbox an index range of its `error` events (ix_events_mailbox_id_type_occurred_at), the newest
# kept, and only while no status event came after it (ix_events_mailbox_id_id).
_LAST_WARNINGS = select(_EVENTS.c.mailbox_id, _EVENTS.c.error, _EVENTS.c.reason, _EVENTS.c.occurred_at).where(
    _EVENTS.c.mailbox_id.in_(bindparam("mailbox_ids", expanding=True)),
    _EVENTS.c.type == "error",
    _EVENTS.c.error.is_not(None),
    _EVENTS.c.occurred_at > bindparam("since", type_=UtcDateTime()),
    ~_after(_NEWER, warning=True),
    ~_after(_LATER, warning=False),
)


@dataclass(frozen=True)
class LastWarning:
    """The warning of one mailbox as the API tells it."""

    error: str
    reason: str | None
    occurred_at: datetime


def last_warnings(
    db: Session | Connection, mailbox_ids: Sequence[int], now: datetime | None = None
) -> dict[int, LastWarning]:
    """The newest warning of each of `mailbox_ids` recorded within WARNING_WINDOW and since its last status
    event, by mailbox id (a mailbox without one is absent); no query at all for no ids."""
    if not mailbox_ids:
        return {}
    since = (now or utcnow()) - WARNING_WINDOW
    rows = db.execute(_LAST_WARNINGS, {"mailbox_ids": list(mailbox_ids), "since": since})
    return {row.mailbox_id: LastWarning(row.error, row.reason, row.occurred_at) for row in rows}
