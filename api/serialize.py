"""Models to response schemas: the mailbox JSON and the event JSON of the HTTP contract."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from api.schemas import EventOut, FeedEvent, LastFailure, LastWarning, MailboxListItem, MailboxOut
from knowledge import get_reason
from mailbox_assistant.mailboxes import warnings as stored
from mailbox_assistant.mailboxes.models import Event, Mailbox


def reason_title(code: str) -> str:
    """The knowledge base's title of a reason code (the 'unknown' title if the code is not known)."""
    try:
        return get_reason(code).title
    except LookupError:
        return get_reason("unknown").title


def mailbox_out(mailbox: Mailbox | Row[Any]) -> MailboxOut:
    """The mailbox JSON (of a Mailbox or a row of its table), with last_failure when it ever failed."""
    return MailboxOut(**_mailbox_fields(mailbox))


def mailbox_list_item(
    mailbox: Row[Any],
    recent_disconnects: dict[int, int],
    warnings: dict[int, stored.LastWarning] | None = None,
) -> MailboxListItem:
    """The mailbox JSON of the list: a disconnected mailbox with its count of recent disconnections
    (`recent_disconnects`: counts by mailbox id, a mailbox absent from it had none), a connected one with
    its warning (`warnings`: by mailbox id, a mailbox absent from it had none)."""
    counted = recent_disconnects.get(mailbox.id, 0) if mailbox.status == "disconnected" else None
    warning = (warnings or {}).get(mailbox.id) if mailbox.status == "connected" else None
    last_warning = LastWarning(**vars(warning)) if warning is not None else None
    return MailboxListItem(**_mailbox_fields(mailbox), recent_disconnects=counted, last_warning=last_warning)


def _mailbox_fields(mailbox: Mailbox | Row[Any]) -> dict[str, Any]:
    """The fields of the mailbox JSON, each read once from the model or row."""
    last_failure = None
    if mailbox.last_failure_reason is not None and mailbox.last_failure_at is not None:
        last_failure = LastFailure(
            reason=mailbox.last_failure_reason,
            title=reason_title(mailbox.last_failure_reason),
            error=mailbox.last_failure_error,
            occurred_at=mailbox.last_failure_at,
            confidence=mailbox.last_failure_confidence or 0.0,
        )
    return {
        "id": mailbox.id,
        "email": mailbox.email,
        "provider": mailbox.provider,
        "owner_email": mailbox.owner_email,
        "status": mailbox.status,
        "disconnected_at": mailbox.disconnected_at,
        "last_failure": last_failure,
        "created_at": mailbox.created_at,
        "updated_at": mailbox.updated_at,
    }


def _event_fields(event: Event) -> dict[str, object]:
    """The event JSON fields."""
    return {
        "id": event.id,
        "mailbox_id": event.mailbox_id,
        "type": event.type,
        "error": event.error,
        "reason": event.reason,
        "confidence": event.confidence,
        "occurred_at": event.occurred_at,
        "recorded_at": event.recorded_at,
        "idempotency_key": event.idempotency_key,
    }


def event_out(event: Event) -> EventOut:
    """The event JSON."""
    return EventOut.model_validate(_event_fields(event))


def feed_event_out(event: Event, mailbox: Mailbox) -> FeedEvent:
    """The event JSON with its mailbox as it is now."""
    return FeedEvent.model_validate(_event_fields(event) | {"mailbox": mailbox_out(mailbox)})
