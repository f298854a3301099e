"""Hand a mailbox to support: open a case (or find the open one), snapshot what support needs, confirm.

A case is opened only about what the asker may see: a mailbox they own (or any, for an admin), their own
address, or their Slack account. A button's value is the asker's word, not ours, so a mailbox it names is
looked up and its owner checked; a mailbox that is someone else's gets the same polite refusal as one that
does not exist. Each person opens at most `daily_limit` cases in 24 hours (finding an open one is free).

The case row is committed before anything is sent; the worker's outbox (`worker/escalations.py`) emails
support and posts to the support channel. One open case per person and mailbox is enforced by the
database (a unique `open_key`), so double clicks and racing processes still make one case.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import knowledge
from mailbox_assistant.conversations.transcript import ConversationLog
from mailbox_assistant.conversations.types import Asker, Reply, SlackUser
from mailbox_assistant.db import begin_write
from mailbox_assistant.escalation.blocks import choose_mailbox, confirmation, refusal
from mailbox_assistant.escalation.models import Escalation
from mailbox_assistant.mailboxes.client import StatusApiUnavailable
from mailbox_assistant.mailboxes.status import Mailbox
from mailbox_assistant.orm import utcnow
from mailbox_assistant.redact import redact

logger = logging.getLogger(__name__)

HISTORY_LIMIT = 10
REOPEN_AFTER = timedelta(days=7)  # an open case older than this no longer blocks a new one
DAILY_LIMIT = 5  # cases one person may open in 24 hours (the bot takes ESCALATIONS_PER_DAY)
MAILBOX_ID = re.compile(r"[0-9]{1,18}")
ADDRESS = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}")
# PostgreSQL advisory lock class ("esca") of the per-person lock that makes the daily count exact.
ASKER_LOCK_KEY = 0x65736361


@dataclass(frozen=True)
class Opened:
    """The case the person now has, and whether this request created it."""

    case: Escalation
    created: bool


@dataclass(frozen=True)
class Refused:
    """No case was opened: the mailbox is not the asker's to hand over (nor, for all they learn, does it
    exist), or they opened `limit` cases in the last 24 hours already."""

    why: Literal["not_allowed", "daily_limit"]
    limit: int = 0


@dataclass(frozen=True)
class Snapshot:
    """What the case is about (`ref`: a mailbox id, an address or `slack:<user id>`) and what the status
    API said about it when the case was opened (partial when it was down)."""

    ref: str
    mailbox: Mailbox | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    unavailable: bool = False


class EscalationDesk:
    """Opens escalation cases in the database; the Slack-facing code asks it and confirms to the person."""

    def __init__(
        self,
        engine: Engine,
        source: Any,
        conversations: ConversationLog,
        clock: Callable[[], datetime] = utcnow,
        *,
        admin_ids: Collection[str] = (),
        daily_limit: int = DAILY_LIMIT,
    ) -> None:
        self.engine = engine
        self.source = source
        self.conversations = conversations
        self.clock = clock
        self.admin_ids = admin_ids  # read at each request (the demo toggles its admins)
        self.daily_limit = daily_limit

    def open_case(self, user: SlackUser, mailbox_ref: str, team_id: str | None = None) -> Opened | Refused:
        """The open case of `user` about `mailbox_ref` (a button's value); created and queued for the
        worker if none is open, refused when the mailbox is not theirs or their day's cases are used."""
        target = self._target(user, mailbox_ref)
        if target is None:
            logger.info("escalation refused to %s: not a mailbox of theirs (%.40r)", user.id, mailbox_ref)
            return Refused("not_allowed")
        snapshot = self._with_history(target)
        key = _open_key(user.id, snapshot.ref, snapshot.mailbox)
        fresh = self._case(user, snapshot, key, team_id)
        with Session(self.engine, expire_on_commit=False) as session:
            begin_write(session)
            _lock_asker(session, user.id)
            existing = session.scalars(select(Escalation).where(Escalation.open_key == key)).first()
            if existing is not None and not self._is_stale(existing, snapshot.mailbox):
                return Opened(existing, created=False)
            if self._opened_today(session, user.id) >= self.daily_limit:
                logger.info("escalation refused to %s: %d cases in 24 hours", user.id, self.daily_limit)
                return Refused("daily_limit", self.daily_limit)
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

    def is_admin(self, user: SlackUser) -> bool:
        """True when `user` may hand any mailbox to support (ADMIN_SLACK_IDS)."""
        return user.id in self.admin_ids

    def _target(self, user: SlackUser, value: str) -> Snapshot | None:
        """What a case asked for with `value` is about, when `user` may hand it to support; else None.

        A mailbox id is looked up and must be owned by the asker's Slack email (admins: any). An address
        must be the asker's own (admins: any); a mailbox under it is included only when theirs. When the
        status API is down nothing can be checked: the case is about the asker's own address instead."""
        ref = _normalise_ref(value, user)
        if ref is None:
            return None
        own_address = ref == user.email or ref == f"slack:{user.id}"
        if ref.startswith("slack:"):
            return Snapshot(ref)
        if not (own_address or self.is_admin(user) or MAILBOX_ID.fullmatch(ref)):
            return None  # another person's address: nothing to look up
        try:
            mailbox = self._find(ref)
        except StatusApiUnavailable:
            logger.warning("status API unavailable while opening an escalation for %s", user.id)
            if own_address or self.is_admin(user):
                return Snapshot(ref, unavailable=True)
            return Snapshot(user.email or f"slack:{user.id}", unavailable=True)
        if mailbox is not None and self._may_escalate(user, mailbox):
            return Snapshot(ref, mailbox)
        if own_address or (self.is_admin(user) and "@" in ref):
            return Snapshot(ref)  # no mailbox of theirs under the address: the case is about the address
        return None

    def _may_escalate(self, user: SlackUser, mailbox: Mailbox) -> bool:
        """True when `user` owns `mailbox` (by their Slack email) or is an admin."""
        owner = (mailbox.owner_email or "").lower()
        return self.is_admin(user) or bool(user.email and owner == user.email.lower())

    def _find(self, ref: str) -> Mailbox | None:
        """The mailbox with id or address `ref`, from the status API; None when there is none."""
        if MAILBOX_ID.fullmatch(ref):
            return self.source.mailbox(ref) if hasattr(self.source, "mailbox") else None
        return self.source.mailbox_by_email(ref)

    def _with_history(self, target: Snapshot) -> Snapshot:
        """`target` with the mailbox's recent events (none when the status API cannot say)."""
        if target.mailbox is None or not hasattr(self.source, "events"):
            return target
        try:
            events = self.source.events(target.mailbox.id, limit=HISTORY_LIMIT)
        except StatusApiUnavailable:
            return Snapshot(target.ref, target.mailbox, unavailable=True)
        return Snapshot(target.ref, target.mailbox, [_event(e) for e in events])

    def _opened_today(self, session: Session, asker_slack_id: str) -> int:
        """How many cases `asker_slack_id` opened in the last 24 hours."""
        since = self.clock() - timedelta(days=1)
        return session.scalar(
            select(func.count())
            .select_from(Escalation)
            .where(Escalation.asker_slack_id == asker_slack_id, Escalation.created_at >= since)
        )

    def _is_stale(self, case: Escalation, mailbox: Mailbox | None) -> bool:
        """True when the open case is out of date: too old, or opened before a newer disconnection."""
        if case.created_at < self.clock() - REOPEN_AFTER:
            return True
        return bool(mailbox and mailbox.disconnected_at and mailbox.disconnected_at > case.created_at)

    def _case(self, user: SlackUser, snapshot: Snapshot, key: str, team_id: str | None) -> Escalation:
        """The case row; every value in it comes from Slack's profile, the status API or this code."""
        ref, mailbox = snapshot.ref, snapshot.mailbox
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
) -> Opened | Refused | None:
    """Open (or find) the case of `user_id` about `mailbox_ref` and confirm it (or say why not) in place,
    or by DM."""
    user = services.identity.user(client, user_id)
    if user.is_bot:
        return None
    desk: EscalationDesk = services.escalations
    opened = desk.open_case(user, mailbox_ref, team_id=team_id or services.identity.team_id(client))
    text, blocks = _answer(opened, user)
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
    text, blocks = _answer(opened, user)
    return Reply(text=text, blocks=blocks, private=True)


def _answer(opened: Opened | Refused, user: SlackUser) -> tuple[str, list[dict[str, Any]]]:
    """The confirmation of the case, or the reason none was opened."""
    if isinstance(opened, Refused):
        return refusal(opened.why, limit=opened.limit, has_email=bool(user.email))
    return confirmation(opened.case, created=opened.created)


def _lock_asker(session: Session, asker_slack_id: str) -> None:
    """Serialise one person's case openings until the transaction ends, so the daily count is exact
    (PostgreSQL: an advisory lock per person; SQLite: begin_write's write lock already serialises)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(ASKER_LOCK_KEY, func.hashtext(asker_slack_id))))


def _normalise_ref(mailbox_ref: str, user: SlackUser) -> str | None:
    """The button's value as a mailbox id, an address or `slack:<the asker>`; an empty or `unknown`
    value means the person's own address; anything else (free text) is None."""
    ref = (mailbox_ref or "").strip().lower()
    if ref.startswith("slack:"):
        return f"slack:{user.id}"  # only ever the person themselves
    if not ref or ref == "unknown":
        return user.email or f"slack:{user.id}"
    if MAILBOX_ID.fullmatch(ref) or (len(ref) <= 320 and ADDRESS.fullmatch(ref)):
        return ref
    return None


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
