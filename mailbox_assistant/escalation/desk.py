"""Hand a mailbox to support: open a case (or find the open one), snapshot what support needs, confirm.

The case row is committed before anything is sent; the worker's outbox (`worker/escalations.py`) emails
support and posts to the support channel. One open case per person and mailbox is enforced by the
database (a unique `open_key`), so double clicks and racing processes still make one case.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import knowledge
from bot.transcript import ConversationLog
from mailbox_assistant.conversations.types import Asker, Reply, SlackUser
from mailbox_assistant.db import begin_write
from mailbox_assistant.escalation.blocks import choose_mailbox, confirmation
from mailbox_assistant.escalation.models import Escalation
from mailbox_assistant.mailboxes.client import StatusApiUnavailable
from mailbox_assistant.mailboxes.status import Mailbox
from mailbox_assistant.orm import utcnow
from mailbox_assistant.redact import redact

logger = logging.getLogger(__name__)

HISTORY_LIMIT = 10
REOPEN_AFTER = timedelta(days=7)  # an open case older than this no longer blocks a new one


@dataclass(frozen=True)
class Opened:
    """The case the person now has, and whether this request created it."""

    case: Escalation
    created: bool


@dataclass(frozen=True)
class Snapshot:
    """What the status API said about the mailbox when the case was opened (partial when it was down)."""

    mailbox: Mailbox | None
    history: list[dict[str, Any]]
    unavailable: bool = False


class EscalationDesk:
    """Opens escalation cases in the database; the Slack-facing code asks it and confirms to the person."""

    def __init__(
        self,
        engine: Engine,
        source: Any,
        conversations: ConversationLog,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.source = source
        self.conversations = conversations
        self.clock = clock

    def open_case(self, user: SlackUser, mailbox_ref: str, team_id: str | None = None) -> Opened:
        """The open case of `user` about `mailbox_ref`; created and queued for the worker if none is open."""
        ref = _normalise_ref(mailbox_ref, user)
        snapshot = self._snapshot(ref)
        key = _open_key(user.id, ref, snapshot.mailbox)
        fresh = self._case(user, ref, key, snapshot, team_id)
        with Session(self.engine, expire_on_commit=False) as session:
            begin_write(session)
            existing = session.scalars(select(Escalation).where(Escalation.open_key == key)).first()
            if existing is not None and not self._is_stale(existing, snapshot.mailbox):
                return Opened(existing, created=False)
            if existing is not None:
                session.execute(
                    update(Escalation)
                    .where(Escalation.id == existing.id, Escalation.open_key == key)
                    .values(open_key=None, closed_at=self.clock())
                )
            session.add(fresh)
            try:
                session.commit()
            except IntegrityError:  # another process opened it between our read and our insert
                session.rollback()
                winner = session.scalars(select(Escalation).where(Escalation.open_key == key)).one()
                return Opened(winner, created=False)
        logger.info("escalation %s opened by %s for %s", fresh.id, user.id, key)
        return Opened(fresh, created=True)

    def _is_stale(self, case: Escalation, mailbox: Mailbox | None) -> bool:
        """True when the open case is out of date: too old, or opened before a newer disconnection."""
        if case.created_at < self.clock() - REOPEN_AFTER:
            return True
        return bool(mailbox and mailbox.disconnected_at and mailbox.disconnected_at > case.created_at)

    def _snapshot(self, ref: str) -> Snapshot:
        """The mailbox and its recent events from the status API; whatever it can tell while up."""
        mailbox: Mailbox | None = None
        history: list[dict[str, Any]] = []
        try:
            if ref.isdigit() and hasattr(self.source, "mailbox"):
                mailbox = self.source.mailbox(ref)
            elif "@" in ref:
                found = [m for m in self.source.find_by_email(ref) if m.email.lower() == ref]
                mailbox = found[0] if len(found) == 1 else None
            if mailbox is not None and hasattr(self.source, "events"):
                history = [_event(e) for e in self.source.events(mailbox.id, limit=HISTORY_LIMIT)]
        except StatusApiUnavailable:
            logger.warning("status API unavailable while opening an escalation about %s", ref)
            return Snapshot(mailbox, history, unavailable=True)
        return Snapshot(mailbox, history)

    def _case(
        self, user: SlackUser, ref: str, key: str, snapshot: Snapshot, team_id: str | None
    ) -> Escalation:
        mailbox = snapshot.mailbox
        failure = mailbox.last_failure if mailbox else None
        reason = knowledge.get_reason(failure.reason if failure else "unknown")
        if failure:
            title = failure.title or reason.title
        elif mailbox:
            title = "No failure recorded"
        elif snapshot.unavailable:
            title = "Details unavailable (status service unreachable)"
        elif "@" in ref:
            title = "No mailbox found under this address"
        else:
            title = "Mailbox details unavailable"
        now = self.clock()
        return Escalation(
            open_key=key,
            asker_slack_id=user.id,
            asker_team_id=team_id,
            asker_name=user.name[:200],
            asker_email=user.email,
            mailbox_ref=ref[:320],
            mailbox_id=int(mailbox.id) if mailbox and mailbox.id.isdigit() else None,
            mailbox_email=mailbox.email if mailbox else (ref if "@" in ref else None),
            provider=mailbox.provider if mailbox else None,
            mailbox_status=mailbox.status if mailbox else None,
            reason=reason.code,
            reason_title=title[:200],
            raw_error=redact(failure.error) if failure else None,
            failed_at=failure.occurred_at if failure else None,
            history=snapshot.history,
            transcript=self.conversations.recent(user.id),
            status="queued",
            attempts=0,
            run_at=now,
            created_at=now,
        )


def request_escalation(
    client: WebClient,
    services: Any,
    *,
    user_id: str,
    mailbox_ref: str,
    respond: Respond | None = None,
    team_id: str | None = None,
) -> Opened | None:
    """Open (or find) the case of `user_id` about `mailbox_ref` and confirm it in place, or by DM."""
    user = services.identity.user(client, user_id)
    if user.is_bot:
        return None
    desk: EscalationDesk = services.escalations
    opened = desk.open_case(user, mailbox_ref, team_id=team_id or services.identity.team_id(client))
    text, blocks = confirmation(opened.case, created=opened.created)
    services.conversations.record(user_id, "bot", text)
    if respond is not None:
        respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
    else:
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        client.chat_postMessage(channel=channel, text=text, blocks=blocks)
    return opened


def answer_contact_support(
    desk: EscalationDesk, source: Any, user: SlackUser, asker: Asker, team_id: str | None = None
) -> Reply:
    """ "Can I talk to a human?": open the case for the person's disconnected mailbox, or ask which one."""
    mailboxes: list[Mailbox] = []
    if asker.email:
        # When the status API is down the case is opened on the person's address with what is known.
        with contextlib.suppress(StatusApiUnavailable):
            mailboxes = source.mailboxes_for(asker.email)
    candidates = [m for m in mailboxes if m.is_disconnected] or mailboxes
    if len(candidates) > 1:
        text, blocks = choose_mailbox(candidates)
        return Reply(text=text, blocks=blocks, private=True)
    ref = candidates[0].id if candidates else (asker.email or f"slack:{user.id}")
    opened = desk.open_case(user, ref, team_id=team_id)
    text, blocks = confirmation(opened.case, created=opened.created)
    return Reply(text=text, blocks=blocks, private=True)


def _normalise_ref(mailbox_ref: str, user: SlackUser) -> str:
    """The button's value, cleaned; an empty or `unknown` value means the person's own address."""
    ref = (mailbox_ref or "").strip().lower()
    if ref.startswith("slack:"):
        return f"slack:{user.id}"  # only ever the person themselves
    if not ref or ref == "unknown":
        return user.email or f"slack:{user.id}"
    return ref


def _open_key(user_id: str, ref: str, mailbox: Mailbox | None) -> str:
    """One open case per person and mailbox: the mailbox id when known, else the address or Slack id."""
    target = f"mailbox:{mailbox.id}" if mailbox else (f"mailbox:{ref}" if ref.isdigit() else ref)
    return f"{user_id}|{target}"[:400]


def _event(event: dict[str, Any]) -> dict[str, Any]:
    """The parts of a status API event support reads, with secrets redacted and the error trimmed."""
    error = redact(event.get("error"))
    return {
        "id": event.get("id"),
        "type": event.get("type"),
        "reason": event.get("reason"),
        "error": error[:500] if error else None,
        "occurred_at": event.get("occurred_at"),
    }
