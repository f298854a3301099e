"""The notification outbox in the database: lease an owner, read their due rows, record what happened.

Claiming is per owner (one Slack DM channel), with the one queue primitive (mailbox_assistant.outbox)
on `notify_recipients`: one owner's rows are sent by one worker at a time and can be grouped into one
message. A killed worker's lease simply expires; its rows are still there, their attempt counted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from mailbox_assistant.db import begin_write, session_scope
from mailbox_assistant.mailboxes.incidents import ProviderIncident
from mailbox_assistant.mailboxes.models import Incident
from mailbox_assistant.notices.models import Notification, NotifyRecipient, SendPacing
from mailbox_assistant.notices.rules import DISCONNECTION_KINDS, insert_ignoring_duplicates
from mailbox_assistant.orm import utcnow
from mailbox_assistant.outbox import Lease, LeasedTable, RetryPolicy

MAX_ROWS_PER_TURN = 50
# Owners are leased (one DM channel each, served by one worker at a time); attempts count on their rows.
RECIPIENTS = LeasedTable(
    NotifyRecipient.owner_email, NotifyRecipient.lease_token, NotifyRecipient.locked_until
)


class Outbox:
    """Reads and writes of the outbox for the delivery job."""

    def __init__(
        self, sessions: sessionmaker[Session], lease: timedelta, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.sessions, self.lease, self.clock = sessions, lease, clock

    def lease_owners(self, limit: int) -> list[tuple[str, str]]:
        """Lease up to `limit` owners with due rows, oldest first; returns (owner, lease token) pairs.

        The attempt is counted on the owner's due rows in the same transaction, so a turn that dies
        or fails still uses one, and a row that always fails gives up after the policy's attempts.
        """
        now = self.clock()
        with session_scope(self.sessions) as session:
            begin_write(session)
            due = session.execute(
                select(Notification.owner_email)
                .where(_due_row(now))
                .group_by(Notification.owner_email)
                .order_by(func.min(Notification.id))
                .limit(limit * 4)
            ).scalars()
            candidates = list(due)
            if not candidates:
                return []
            leases = RECIPIENTS.claim(
                session, due=NotifyRecipient.next_send_at <= now, now=now, lease=self.lease, limit=limit,
                among=candidates,
            )  # fmt: skip
            owners = [lease.key for lease in leases]
            if owners:
                session.execute(
                    update(Notification)
                    .where(Notification.owner_email.in_(owners), _due_row(now))
                    .values(attempts=Notification.attempts + 1)
                    .execution_options(synchronize_session=False)
                )
            return [(lease.key, lease.token) for lease in leases]

    def release(self, owner: str, token: str, next_send_at: datetime | None = None) -> None:
        """Give the owner back (if the lease is still ours), not to be served before `next_send_at`."""
        values: dict[str, Any] = {"locked_until": None, "lease_token": None}
        if next_send_at is not None:
            values["next_send_at"] = next_send_at
        held = RECIPIENTS.held(Lease(owner, token, self.clock()))
        self._update(NotifyRecipient, [held], values)

    def due_rows(self, owner: str) -> list[Notification]:
        """The owner's rows to act on now, oldest first."""
        with session_scope(self.sessions) as session:
            query = (
                select(Notification)
                .where(
                    Notification.owner_email == owner,
                    Notification.status.in_(("pending", "sending")),
                    Notification.run_at <= self.clock(),
                )
                .order_by(Notification.id)
                .limit(MAX_ROWS_PER_TURN)
            )
            return list(session.execute(query).scalars())

    def recipient(self, owner: str) -> NotifyRecipient | None:
        """The owner's DM target as last looked up."""
        with session_scope(self.sessions) as session:
            return session.get(NotifyRecipient, owner)

    def save_lookup(self, owner: str, status: str, user_id: str | None, channel: str | None) -> None:
        """Remember what Slack said about the owner."""
        values = {"lookup_status": status, "slack_user_id": user_id, "slack_channel": channel}
        self._update(
            NotifyRecipient, [NotifyRecipient.owner_email == owner], values | {"looked_up_at": self.clock()}
        )

    def mark_sending(self, ids: Sequence[int]) -> None:
        """Record that a Slack call for these rows starts now: if we die, the next try checks Slack first."""
        self._update_rows(ids, {"status": "sending", "attempt_started_at": self.clock()})

    def mark_sent(self, ids: Sequence[int], channel: str, ts: str) -> None:
        """Store where the message went (for chat.update) the moment Slack accepted it."""
        values = {"status": "sent", "slack_channel": channel, "slack_ts": ts, "sent_at": self.clock()}
        # `attempts` counts the attempts that did not succeed: the one counted at lease did.
        self._update_rows(ids, values | {"last_error": None, "attempts": _ONE_GIVEN_BACK})

    def mark_skipped(self, ids: Sequence[int], outcome: str) -> None:
        """Record why these rows need no message (no Slack user, mailbox gone, already reconnected…)."""
        self.finish(ids, "skipped", outcome)

    def finish(self, ids: Sequence[int], status: str, outcome: str) -> None:
        """Close these rows with a final status and what happened."""
        self._update_rows(ids, {"status": status, "outcome": outcome[:64]})

    def mark_pending(self, ids: Sequence[int]) -> None:
        """An in-doubt attempt turned out not to have reached Slack: send these rows normally."""
        self._update_rows(ids, {"status": "pending"})

    def defer(self, ids: Sequence[int]) -> None:
        """Slack asked us to wait (429): not a failed attempt, so the one counted at lease is given back."""
        if ids:
            self._update(
                Notification,
                [Notification.id.in_(ids)],
                {
                    "status": "pending",
                    "attempts": case((Notification.attempts > 0, Notification.attempts - 1), else_=0),
                },
            )

    def reschedule(
        self, ids: Sequence[int], error: str, max_attempts: int, backoff: timedelta, in_doubt: bool = False
    ) -> None:
        """A failed attempt (counted when the owner was leased): try again after the policy's wait, or
        give up as failed once the attempts reach `max_attempts`.

        `in_doubt` (a timeout) keeps the rows `sending`, so the next attempt first looks for the message.
        """
        now = self.clock()
        policy = RetryPolicy(first=backoff, cap=timedelta(hours=1), max_attempts=max_attempts)
        with session_scope(self.sessions) as session:
            begin_write(session)
            for row in session.execute(select(Notification).where(Notification.id.in_(ids))).scalars():
                retry = policy.next_try(max(row.attempts, 1), now)
                row.last_error = error[:500]
                if retry.gave_up:
                    row.status, row.outcome = "failed", "gave_up"
                else:
                    row.status = "sending" if in_doubt else "pending"
                    row.run_at = retry.run_at

    def message_rows(self, channel: str, ts: str) -> list[Notification]:
        """Every row shown in one Slack message (a grouped DM holds several)."""
        with session_scope(self.sessions) as session:
            query = select(Notification).where(
                Notification.slack_ts == ts,
                Notification.slack_channel == channel,
                Notification.kind != "resolved",
            )
            return list(session.execute(query.order_by(Notification.id)).scalars())

    def messages_resolved_by(self, mailbox_id: int, event_id: int) -> list[tuple[str, str]]:
        """The Slack messages (channel, ts) that showed the disconnection this reconnection ends."""
        with session_scope(self.sessions) as session:
            query = (
                select(Notification.slack_channel, Notification.slack_ts)
                .where(
                    Notification.mailbox_id == mailbox_id,
                    Notification.resolved_by_event_id == event_id,
                    Notification.status == "sent",
                )
                .distinct()
            )
            return [(channel, ts) for channel, ts in session.execute(query) if channel and ts]

    def recent_disconnections(
        self, mailbox_id: int, until: datetime | None, window: timedelta = timedelta(hours=24)
    ) -> int:
        """How many times the mailbox disconnected in the `window` up to `until` (for the flapping notice)."""
        until = until or self.clock()
        with session_scope(self.sessions) as session:
            query = select(func.count()).where(
                Notification.mailbox_id == mailbox_id,
                Notification.kind.in_(DISCONNECTION_KINDS),
                Notification.occurred_at > until - window,
                Notification.occurred_at <= until,
            )
            return session.execute(query).scalar_one()

    def incident(self, incident_id: int) -> ProviderIncident | None:
        """The incident a notice is about, as the bot's messages describe incidents."""
        with session_scope(self.sessions) as session:
            row = session.get(Incident, incident_id)
            if row is None:
                return None
            return ProviderIncident(row.id, row.provider, row.started_at, row.mailbox_count)

    def _update_rows(self, ids: Sequence[int], values: dict[str, Any]) -> None:
        if ids:
            self._update(Notification, [Notification.id.in_(ids)], values)

    def _update(self, model: type, where: list[Any], values: dict[str, Any]) -> None:
        with session_scope(self.sessions) as session:
            begin_write(session)
            session.execute(
                update(model).where(*where).values(values).execution_options(synchronize_session=False)
            )


_ONE_GIVEN_BACK = case((Notification.attempts > 0, Notification.attempts - 1), else_=0)


def _due_row(now: datetime) -> Any:
    """A row to act on now: not yet sent, and its time has come."""
    return and_(Notification.status.in_(("pending", "sending")), Notification.run_at <= now)


class SendPacer:
    """A rate shared by every worker (Slack's per-workspace message allowance): slots reserved in the DB."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        per_second: float,
        clock: Callable[[], datetime] = utcnow,
        name: str = "slack:messages",
    ) -> None:
        self.sessions, self.interval, self.clock, self.name = (
            sessions,
            timedelta(seconds=1 / per_second),
            clock,
            name,
        )

    def reserve(self) -> datetime:
        """The time at which the caller may send (now, or later when others took the next slots)."""
        now = self.clock()
        with session_scope(self.sessions) as session:
            begin_write(session)
            row = session.get(SendPacing, self.name, with_for_update=True, populate_existing=True)
            if row is None:
                insert_ignoring_duplicates(
                    session, SendPacing, {"name": self.name, "next_slot_at": now}, "name"
                )
                row = session.get_one(SendPacing, self.name, with_for_update=True, populate_existing=True)
            slot = max(row.next_slot_at, now)
            row.next_slot_at = slot + self.interval
            return slot

    def pause(self, seconds: float) -> None:
        """Slack said 429: nobody sends before `seconds` from now."""
        until = self.clock() + timedelta(seconds=seconds)
        with session_scope(self.sessions) as session:
            begin_write(session)
            row = session.get(SendPacing, self.name, with_for_update=True, populate_existing=True)
            if row is not None and row.next_slot_at < until:
                row.next_slot_at = until
