"""What a feed event means for proactive messages: a new disconnection, a flap, an incident, a resolution.

Pure database logic, applied by the feed consumer inside its one transaction per page, so the
mailbox states, the outbox rows and the cursor always move together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from mailbox_assistant.mailboxes.models import Incident
from mailbox_assistant.mailboxes.status import parse_time
from mailbox_assistant.notices.models import Notification, NotifyMailboxState, NotifyRecipient
from mailbox_assistant.settings import Settings

# Rows that stand for one new disconnection of a mailbox (flaps and incidents included).
DISCONNECTION_KINDS = ("disconnected", "flapping", "incident")
# Rows whose message shows a mailbox as disconnected, and so is updated when it reconnects.
OPEN_KINDS = ("disconnected", "incident", "reminder")


@dataclass(frozen=True)
class Rules:
    """The thresholds of the proactive messages."""

    flap_threshold: int = 3
    flap_window: timedelta = timedelta(hours=24)
    incident_threshold: int = 10
    incident_window: timedelta = timedelta(minutes=15)
    incident_quiet: timedelta = timedelta(hours=2)
    max_age: timedelta = timedelta(hours=24)
    reminder_after: timedelta = timedelta(hours=24)

    @classmethod
    def from_settings(cls, settings: Settings) -> Rules:
        """The rules as configured."""
        return cls(
            flap_threshold=settings.flap_threshold,
            flap_window=timedelta(hours=settings.flap_window_hours),
            incident_threshold=settings.incident_threshold,
            incident_window=timedelta(minutes=settings.incident_window_minutes),
            incident_quiet=timedelta(minutes=settings.incident_quiet_minutes),
            max_age=timedelta(hours=settings.notify_max_age_hours),
            reminder_after=timedelta(hours=settings.reminder_hours),
        )


def apply_feed_event(session: Session, item: dict[str, Any], rules: Rules, now: datetime) -> None:
    """Update the mailbox's state for one feed event and queue the messages it calls for."""
    mailbox_id = int(item["mailbox_id"])
    state = session.get(NotifyMailboxState, mailbox_id)
    if state is None:
        state = NotifyMailboxState(mailbox_id=mailbox_id, status="connected")
        session.add(state)
    if item["type"] == "disconnected":
        _on_disconnected(session, state, item, rules, now)
    elif item["type"] == "reconnected":
        _on_reconnected(session, state, item)


def _on_disconnected(
    session: Session, state: NotifyMailboxState, item: dict[str, Any], rules: Rules, now: datetime
) -> None:
    """A disconnection starts an episode, unless the mailbox is already disconnected (told once)."""
    if state.status == "disconnected":
        return  # the API records it too, without a second disconnection: nothing new to tell
    occurred = parse_time(item["occurred_at"]) or now
    recorded = parse_time(item.get("recorded_at")) or now
    previous = state.last_disconnected_at
    state.status, state.disconnected_at, state.last_disconnected_at = "disconnected", occurred, occurred
    state.incident_id = None
    if state.flapping_since and previous and occurred - previous >= rules.flap_window:
        state.flapping_since = None  # a full window without a new disconnection: the case is settled
    mailbox = item["mailbox"]
    values: dict[str, Any] = {
        "dedupe_key": f"disconnected:{item['id']}",
        "kind": "disconnected",
        "mailbox_id": state.mailbox_id,
        "owner_email": mailbox["owner_email"],
        "provider": mailbox.get("provider"),
        "reason": item.get("reason") or "unknown",
        "event_id": int(item["id"]),
        "occurred_at": occurred,
        "mailbox": mailbox,
        "status": "pending",
        "run_at": now,
        "created_at": now,
    }
    if state.flapping_since:
        values |= {"status": "skipped", "outcome": "flapping"}
    elif (
        _recent_disconnections(session, state.mailbox_id, occurred, rules.flap_window) + 1
        > rules.flap_threshold
    ):
        state.flapping_since = occurred
        values["kind"] = "flapping"
    elif values["reason"] == "provider_outage" and values["provider"]:
        incident = _track_incident(session, state, values["provider"], occurred, rules)
        if incident is not None:
            values |= {"kind": "incident", "incident_id": incident.id}
    if recorded < now - rules.max_age and values["status"] == "pending":
        values |= {"status": "skipped", "outcome": "too_old"}  # e.g. a first start over a long history
    insert_ignoring_duplicates(session, Notification, values, "dedupe_key")
    insert_ignoring_duplicates(
        session, NotifyRecipient, {"owner_email": values["owner_email"], "next_send_at": now}, "owner_email"
    )


def _on_reconnected(session: Session, state: NotifyMailboxState, item: dict[str, Any]) -> None:
    """A reconnection resolves the open messages of the mailbox; sent ones get updated in Slack."""
    if state.status != "disconnected":
        return
    occurred = parse_time(item["occurred_at"])
    state.status, state.disconnected_at = "connected", None
    if state.incident_id is not None:
        incident = session.get(Incident, state.incident_id)
        if incident is not None and incident.ended_at is None:
            incident.reconnected_count += 1
            if incident.reconnected_count * 2 >= incident.mailbox_count:
                incident.ended_at = occurred  # most affected mailboxes are back
    open_rows = (
        Notification.mailbox_id == state.mailbox_id,
        Notification.kind.in_(OPEN_KINDS),
        Notification.resolved_at.is_(None),
        Notification.status.in_(("pending", "sending", "sent")),
    )
    shown = session.execute(select(func.count()).where(*open_rows)).scalar_one()
    if not shown:
        return
    session.execute(
        update(Notification)
        .where(*open_rows)
        .values(resolved_at=occurred, resolved_by_event_id=int(item["id"]))
        .execution_options(synchronize_session=False)
    )
    mailbox = item["mailbox"]
    values = {
        "dedupe_key": f"reconnected:{item['id']}",
        "kind": "resolved",
        "mailbox_id": state.mailbox_id,
        "owner_email": mailbox["owner_email"],
        "provider": mailbox.get("provider"),
        "event_id": int(item["id"]),
        "occurred_at": occurred,
        "mailbox": mailbox,
        "status": "pending",
        "run_at": parse_time(item.get("recorded_at")) or occurred,
    }
    insert_ignoring_duplicates(session, Notification, values, "dedupe_key")


def _recent_disconnections(session: Session, mailbox_id: int, occurred: datetime, window: timedelta) -> int:
    """How many disconnections of the mailbox were recorded in the window before `occurred`."""
    query: Select[tuple[int]] = select(func.count()).where(
        Notification.mailbox_id == mailbox_id,
        Notification.kind.in_(DISCONNECTION_KINDS),
        Notification.occurred_at > occurred - window,
    )
    return session.execute(query).scalar_one()


def _track_incident(
    session: Session, state: NotifyMailboxState, provider: str, occurred: datetime, rules: Rules
) -> Incident | None:
    """The provider's active incident (opened now if this disconnection reaches the threshold)."""
    incident = session.execute(
        select(Incident).where(Incident.provider == provider, Incident.ended_at.is_(None))
    ).scalar_one_or_none()
    if incident is not None:
        incident.mailbox_count += 1
        incident.last_disconnected_at = max(incident.last_disconnected_at, occurred)
        state.incident_id = incident.id
        return incident
    in_window = (
        Notification.provider == provider,
        Notification.reason == "provider_outage",
        Notification.kind.in_(DISCONNECTION_KINDS),
        Notification.occurred_at > occurred - rules.incident_window,
        Notification.mailbox_id != state.mailbox_id,
    )
    others, first = session.execute(
        select(func.count(func.distinct(Notification.mailbox_id)), func.min(Notification.occurred_at)).where(
            *in_window
        )
    ).one()
    if others + 1 < rules.incident_threshold:
        return None
    incident = Incident(
        provider=provider,
        started_at=min(first or occurred, occurred),
        last_disconnected_at=occurred,
        mailbox_count=others + 1,
        reconnected_count=0,
    )
    session.add(incident)
    session.flush()
    state.incident_id = incident.id
    # Owners not told yet hear about the incident instead of being nudged to reconnect.
    earlier = select(Notification.mailbox_id).where(*in_window)
    session.execute(
        update(Notification)
        .where(*in_window, Notification.status == "pending", Notification.kind == "disconnected")
        .values(kind="incident", incident_id=incident.id)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(NotifyMailboxState)
        .where(NotifyMailboxState.mailbox_id.in_(earlier), NotifyMailboxState.status == "disconnected")
        .values(incident_id=incident.id)
        .execution_options(synchronize_session=False)
    )
    return incident


def insert_ignoring_duplicates(session: Session, model: type, values: dict[str, Any], key: str) -> None:
    """INSERT … ON CONFLICT (key) DO NOTHING, on PostgreSQL and SQLite."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(model).values(values).on_conflict_do_nothing(index_elements=[key]))
