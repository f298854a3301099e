"""The periodic part of proactive messages: one reminder per long disconnection; quiet incidents end."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from mailbox_assistant.db import begin_write, session_scope
from mailbox_assistant.mailboxes.models import Incident
from mailbox_assistant.notices.models import Notification, NotifyMailboxState
from mailbox_assistant.notices.rules import Rules, insert_ignoring_duplicates
from mailbox_assistant.orm import utcnow


class ReminderJob:
    """Job: queue a reminder for DMs older than REMINDER_HOURS whose mailbox is still disconnected
    (exactly one: its unique key is the first DM's id), and close incidents that went quiet."""

    name = "notify-reminders"

    def __init__(
        self,
        sessions: sessionmaker[Session],
        rules: Rules,
        clock: Callable[[], datetime] = utcnow,
        every: timedelta = timedelta(seconds=30),
    ) -> None:
        self.sessions, self.rules, self.clock, self.every = sessions, rules, clock, every
        self._last_run: datetime | None = None

    def run_once(self) -> int:
        """Do the periodic checks when due; the number of reminders queued and incidents closed."""
        now = self.clock()
        if self._last_run is not None and now - self._last_run < self.every:
            return 0
        self._last_run = now
        with session_scope(self.sessions) as session:
            begin_write(session)
            return queue_reminders(session, self.rules, now) + close_quiet_incidents(session, self.rules, now)


def queue_reminders(session: Session, rules: Rules, now: datetime) -> int:
    """Insert one reminder row per first DM that is older than the reminder delay and still open."""
    reminder = aliased(Notification)
    due = session.execute(
        select(Notification)
        .join(NotifyMailboxState, NotifyMailboxState.mailbox_id == Notification.mailbox_id)
        .where(
            Notification.kind == "disconnected",
            Notification.status == "sent",
            Notification.resolved_at.is_(None),
            Notification.sent_at <= now - rules.reminder_after,
            NotifyMailboxState.status == "disconnected",
            ~exists().where(and_(reminder.refers_to_id == Notification.id, reminder.kind == "reminder")),
        )
        .limit(500)
    ).scalars()
    queued = 0
    for first in due:
        values = {
            "dedupe_key": f"reminder:{first.id}",
            "kind": "reminder",
            "mailbox_id": first.mailbox_id,
            "owner_email": first.owner_email,
            "provider": first.provider,
            "reason": first.reason,
            "occurred_at": first.occurred_at,
            "mailbox": first.mailbox,
            "refers_to_id": first.id,
            "status": "pending",
            "run_at": now,
            "created_at": now,
        }
        insert_ignoring_duplicates(session, Notification, values, "dedupe_key")
        queued += 1
    return queued


def close_quiet_incidents(session: Session, rules: Rules, now: datetime) -> int:
    """End incidents with no new disconnection for the quiet period."""
    result = session.execute(
        update(Incident)
        .where(Incident.ended_at.is_(None), Incident.last_disconnected_at < now - rules.incident_quiet)
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
