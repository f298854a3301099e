"""The delivery job: sends the outbox's proactive DMs, one Slack write per owner per turn.

Per turn it leases owners with due rows (see notices.outbox), and for each: looks the owner up
in Slack (cached in the database), settles an attempt left in doubt by a dead worker (by finding our
own message in the DM through its metadata), drops rows that no longer need a message, then posts
one message for everything due (grouped) or updates a message whose mailbox reconnected. The result
is stored the moment Slack answers.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient

from mailbox_assistant.mailboxes.client import StatusClient
from mailbox_assistant.mailboxes.models import MAILBOX_STATUSES
from mailbox_assistant.mailboxes.status import Mailbox
from mailbox_assistant.notices.messages import Message, Notice, build_message, smallest_message
from mailbox_assistant.notices.models import Notification
from mailbox_assistant.notices.outbox import Outbox, SendPacer
from mailbox_assistant.notices.slack import (
    Lookup,
    find_posted,
    is_permanent,
    is_refused_message,
    look_up_owner,
    notice_metadata,
    slack_error,
)
from mailbox_assistant.orm import utcnow

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryPolicy:
    """How the delivery job paces and retries."""

    concurrency: int = 8
    channel_interval: timedelta = timedelta(seconds=1)
    lookup_ttl: timedelta = timedelta(hours=24)
    max_attempts: int = 8
    backoff: timedelta = timedelta(seconds=5)
    doubt_margin: timedelta = timedelta(seconds=5)
    snapshot_ttl: timedelta = timedelta(seconds=60)


class DeliveryJob:
    """Job: send what is due, for up to `concurrency` owners at once."""

    name = "notify-delivery"

    def __init__(
        self,
        outbox: Outbox,
        slack: WebClient,
        status: StatusClient,
        pacer: SendPacer,
        reconnect_url: Callable[[Mailbox], str],
        policy: DeliveryPolicy = DeliveryPolicy(),
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        home_url: str | None = None,
    ) -> None:
        self.outbox, self.slack, self.status, self.pacer = outbox, slack, status, pacer
        self.reconnect_url, self.policy, self.clock, self.sleep = reconnect_url, policy, clock, sleep
        self.home_url = home_url  # the App Home tab, where a DM about many mailboxes points for all of them
        self.pool = ThreadPoolExecutor(policy.concurrency, "notify") if policy.concurrency > 1 else None
        self._in_flight: set[Future[int]] = set()

    def run_once(self) -> int:
        """Start serving the owners due now; the number of owners taken on.

        With a pool, owners are served in the background (up to `concurrency` at once) so the feed
        consumer keeps its pace while messages wait for their send slots; without one, inline.
        """
        if self.pool is None:
            return sum(self.serve(owner, token) for owner, token in self.outbox.lease_owners(1))
        # Refill in batches (half the pool at least): each lease scans the due rows once.
        refill = max(1, self.policy.concurrency // 2)
        self._in_flight = {future for future in self._in_flight if not future.done()}
        while self._in_flight and self.policy.concurrency - len(self._in_flight) < refill:
            finished, _ = futures_wait(self._in_flight, timeout=0.25, return_when=FIRST_COMPLETED)
            if not finished:
                return 0  # busy sending: let the feed consumer have its turn
            self._in_flight -= finished
        free = self.policy.concurrency - len(self._in_flight)
        leased = self.outbox.lease_owners(free)
        self._in_flight |= {self.pool.submit(self.serve, owner, token) for owner, token in leased}
        return len(leased)

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the owners being served in the background (tests, shutdown)."""
        futures_wait(self._in_flight, timeout)

    def serve(self, owner: str, token: str) -> int:
        """Do one owner's turn and give the owner back; a failure is logged and retried later."""
        next_send_at = None
        try:
            next_send_at = self._serve(owner)
        except Exception as exc:
            logger.exception("delivery to %s failed; the attempt is counted", owner)
            self._count_failed_turn(owner, exc)
            next_send_at = self.clock() + self.policy.backoff
        finally:
            self.outbox.release(owner, token, next_send_at)
        return 1

    def _count_failed_turn(self, owner: str, exc: Exception) -> None:
        """A turn that failed in our own code counts an attempt on the owner's due rows, with the error,
        so a row that always fails gives up after `max_attempts` instead of being retried for ever."""
        try:
            ids = [row.id for row in self.outbox.due_rows(owner)]
            error = f"{type(exc).__name__}: {exc}"[:200]
            self.outbox.reschedule(ids, error, self.policy.max_attempts, self.policy.backoff)
        except Exception:
            logger.exception("could not count the failed attempt of %s", owner)

    def _serve(self, owner: str) -> datetime | None:
        rows = self.outbox.due_rows(owner)
        if not rows:
            return None
        lookup = self._look_up(owner)
        if lookup.status != "found" or not lookup.channel:
            self.outbox.mark_skipped([row.id for row in rows], lookup.status)
            return None
        rows = self._settle_doubts(lookup.channel, rows)
        notices = [row for row in rows if row.kind != "resolved"]
        if notices and (sendable := self._still_relevant(owner, notices)):
            return self._post(lookup.channel, sendable)
        resolved = [row for row in rows if row.kind == "resolved"]
        if resolved:
            return self._update(resolved[0])
        return None

    def _look_up(self, owner: str) -> Lookup:
        """The owner in Slack, from the database when looked up recently, else from Slack."""
        known = self.outbox.recipient(owner)
        fresh = known and known.looked_up_at and self.clock() - known.looked_up_at < self.policy.lookup_ttl
        if known and known.lookup_status and fresh:
            return Lookup(known.lookup_status, known.slack_user_id, known.slack_channel)
        lookup = look_up_owner(self.slack, owner)
        self.outbox.save_lookup(owner, lookup.status, lookup.user_id, lookup.channel)
        if lookup.status != "found":
            logger.info("owner %s: %s; their notices are recorded, not sent", owner, lookup.status)
        return lookup

    def _settle_doubts(self, channel: str, rows: list[Notification]) -> list[Notification]:
        """Rows whose last attempt may have reached Slack: marked sent if our message is in the DM."""
        in_doubt = [row for row in rows if row.status == "sending"]
        if not in_doubt:
            return rows
        started = min(row.attempt_started_at or row.created_at for row in in_doubt)
        oldest = (started - self.policy.doubt_margin).timestamp()
        found = find_posted(self.slack, channel, oldest, {row.id for row in in_doubt})
        for ts, ids in found.items():
            self.outbox.mark_sent(sorted(ids), channel, ts)
            logger.info("notices %s had reached Slack before a worker stopped; not sent again", sorted(ids))
        posted = {row_id for ids in found.values() for row_id in ids}
        self.outbox.mark_pending([row.id for row in in_doubt if row.id not in posted])
        return [row for row in rows if row.id not in posted]

    def _still_relevant(self, owner: str, rows: list[Notification]) -> list[tuple[Notification, Mailbox]]:
        """The rows still worth a message, with the mailbox as it is now; the others are recorded.

        A row read from the feed moments ago carries the mailbox as it was then; older rows (reminders,
        retries after backoff) ask the status API again, which also finds deleted mailboxes.
        """
        recent = self.clock() - self.policy.snapshot_ttl
        snapshots = {
            row.id: _snapshot(row) for row in rows if row.kind != "reminder" and row.created_at >= recent
        }
        stale = any(snapshots.get(row.id) is None for row in rows)
        current = {mailbox.id: mailbox for mailbox in self.status.mailboxes_for(owner)} if stale else {}
        keep, outcomes = [], {}
        for row in rows:
            mailbox = snapshots.get(row.id) or current.get(str(row.mailbox_id))
            if mailbox is None:
                gone = self.status.mailbox(str(row.mailbox_id)) is None
                outcomes[row.id] = "mailbox_deleted" if gone else "owner_changed"
            elif row.resolved_at is not None or not mailbox.is_disconnected:
                outcomes[row.id] = "reconnected_before_sent"
            else:
                keep.append((row, mailbox))
        for outcome in set(outcomes.values()):
            self.outbox.mark_skipped([i for i, o in outcomes.items() if o == outcome], outcome)
        return keep

    def _post(self, channel: str, items: list[tuple[Notification, Mailbox]]) -> datetime | None:
        """One message for these rows; the rows it names or counts are stored as sent right after Slack
        accepts it, the others stay due. A message Slack refuses goes again in its smallest form."""
        notices = [self._notice(row, mailbox) for row, mailbox in items]

        def ids(message: Message) -> list[int]:
            return [items[index][0].id for index in sorted(message.covered)]

        def post(message: Message) -> Any:
            return self.slack.chat_postMessage(
                channel=channel,
                text=message.reply.text,
                blocks=message.reply.blocks or None,
                metadata=notice_metadata(ids(message)),
                unfurl_links=False,
                unfurl_media=False,
            )

        full = build_message(notices, self.reconnect_url, self.home_url)
        self._wait_for_slot()
        self.outbox.mark_sending(ids(full))
        try:
            sent, response = self._send(
                post, full, smallest_message(notices, self.reconnect_url, self.home_url)
            )
        except Exception as exc:
            return self._failed(ids(full), exc)
        self.outbox.mark_sent(ids(sent), str(response["channel"]), str(response["ts"]))
        self.outbox.defer(sorted(set(ids(full)) - set(ids(sent))))  # not in what was sent: still due
        return self.clock() + self.policy.channel_interval

    def _update(self, resolved: Notification) -> datetime | None:
        """Rewrite the messages that showed this mailbox as disconnected, now showing it reconnected."""
        messages = self.outbox.messages_resolved_by(resolved.mailbox_id, resolved.event_id or 0)
        if not messages:
            self.outbox.mark_skipped([resolved.id], "nothing_to_update")
            return None
        for channel, ts in messages:
            rows = self.outbox.message_rows(channel, ts)
            notices = [self._notice(row, Mailbox.from_json(row.mailbox)) for row in rows]

            def update(message: Message, channel: str = channel, ts: str = ts) -> Any:
                # An empty list removes the blocks of the message being rewritten (omitted, they stay).
                blocks = message.reply.blocks
                return self.slack.chat_update(channel=channel, ts=ts, text=message.reply.text, blocks=blocks)

            full = build_message(notices, self.reconnect_url, self.home_url)
            self._wait_for_slot()
            try:
                self._send(update, full, smallest_message(notices, self.reconnect_url, self.home_url))
            except Exception as exc:
                return self._failed([resolved.id], exc, may_have_posted=False)
        self.outbox.finish([resolved.id], "sent", "updated")
        return self.clock() + self.policy.channel_interval

    def _send(
        self, call: Callable[[Message], Any], message: Message, smallest: Message
    ) -> tuple[Message, Any]:
        """Make the Slack call with `message`; if Slack refuses its content, once more with the smallest
        form (its limits may change, or a builder may err: the notice must still go out). Returns the
        message that was accepted and Slack's response; raises what the last call raised."""
        try:
            return message, call(message)
        except Exception as exc:
            if not is_refused_message(exc):
                raise
            logger.warning("Slack refused a notice (%s); sending its smallest form", slack_error(exc)[0])
        self._wait_for_slot()
        return smallest, call(smallest)

    def _notice(self, row: Notification, mailbox: Mailbox) -> Notice:
        flaps = (
            self.outbox.recent_disconnections(row.mailbox_id, row.occurred_at)
            if row.kind == "flapping"
            else 0
        )
        incident = self.outbox.incident(row.incident_id) if row.incident_id else None
        return Notice(row.kind, mailbox, resolved_at=row.resolved_at, flaps=flaps, incident=incident)

    def _wait_for_slot(self) -> None:
        """Keep the workspace-wide pace shared by all workers."""
        delay = (self.pacer.reserve() - self.clock()).total_seconds()
        if delay > 0:
            self.sleep(delay)

    def _failed(self, ids: list[int], exc: Exception, may_have_posted: bool = True) -> datetime | None:
        """Record a failed Slack call: permanent refusals are final, the rest are retried with backoff."""
        error, wait = slack_error(exc)
        if is_permanent(exc):
            logger.warning("Slack refused notices %s for good: %s", ids, error)
            self.outbox.finish(ids, "skipped", error)
            return None
        if wait is not None:  # 429 beyond what the client waits in place: pause everyone
            logger.warning("Slack rate limit: pausing sends for %.1fs", wait)
            self.pacer.pause(wait)
            self.outbox.defer(ids)
            return self.clock() + timedelta(seconds=wait)
        in_doubt = may_have_posted and _timed_out(exc)
        logger.warning("sending notices %s failed (%s); will retry", ids, error)
        self.outbox.reschedule(ids, error, self.policy.max_attempts, self.policy.backoff, in_doubt=in_doubt)
        return None


def _snapshot(row: Notification) -> Mailbox | None:
    """The mailbox as the row stored it, or None when there is none or it cannot be read (then the
    status API is asked: a damaged snapshot must not stop the notice, nor the owner's other ones)."""
    if not row.mailbox:
        return None
    data = row.mailbox
    sound = (
        isinstance(data, dict)
        and isinstance(data.get("id"), int | str)
        and isinstance(data.get("email"), str)
        and data.get("status") in MAILBOX_STATUSES
    )
    try:
        if sound:
            return Mailbox.from_json(data)
    except (KeyError, TypeError, ValueError, AttributeError):
        pass
    logger.warning("notice %s: its stored mailbox cannot be read; using the live status", row.id)
    return None


def _timed_out(exc: BaseException) -> bool:
    """A timeout: Slack may have posted the message, so the next attempt checks the DM first."""
    if isinstance(exc, URLError):
        exc = exc.reason if isinstance(exc.reason, BaseException) else exc
    return isinstance(exc, (TimeoutError, socket.timeout))
