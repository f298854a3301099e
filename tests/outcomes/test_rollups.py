"""The report from the per-day rollups, the ledger's rows and the medians' indexes equals the figures
computed here from the definitions, straight from the recorded events, cases, votes, DMs and answers:
for a period of whole days, one with ends inside days, one inside a day, the whole history; after a
history recorded piece by piece with reports between (the ledger kept up to date), and after a rebuild."""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from mailbox_assistant.conversations.models import ConversationTurn
from mailbox_assistant.db import make_session_factory
from mailbox_assistant.escalation.models import Escalation
from mailbox_assistant.mailboxes.models import Event, Mailbox
from mailbox_assistant.mailboxes.status import parse_time
from mailbox_assistant.notices.models import Notification
from mailbox_assistant.notices.rules import DISCONNECTION_KINDS
from mailbox_assistant.outcomes import ledger
from mailbox_assistant.outcomes.models import FeedbackVote
from tests.outcomes.conftest import TOKEN_EXPIRED
from tests.outcomes.test_ledger import ledger_rows, rollup_sums, row_sums

START = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
ERRORS = (
    TOKEN_EXPIRED,
    "550 5.2.2 Mailbox full: quota exceeded",
    "AADSTS50173: The provided grant has expired due to it being revoked.",
    "550 5.4.5 Daily user sending limit exceeded.",
)
MINUTE = timedelta(minutes=1)


def record_history(fleet, rnd: random.Random, mailboxes: int = 24, days: int = 20) -> None:
    """Mailboxes disconnecting one to four times over `days`, some reported twice, most reconnected,
    some escalated, voted on (and the vote changed), DMed or answered; two disconnections recorded late
    (they occurred before ones recorded earlier). A report after every few mailboxes catches up."""
    providers = ("google", "microsoft", "imap")
    for number in range(mailboxes):
        mailbox = fleet.mailbox(f"rep{number}@acme.com", provider=providers[number % 3])
        began = START + timedelta(minutes=rnd.randint(0, 60 * 24 * 3))
        for _ in range(rnd.randint(1, 4)):
            event_id = fleet.disconnect(mailbox, began, error=rnd.choice(ERRORS))
            if rnd.random() < 0.2:
                fleet.disconnect(mailbox, began + MINUTE)  # reported again: the same one
            if rnd.random() < 0.5:
                fleet.notify(mailbox, event_id, began + timedelta(minutes=rnd.randint(0, 30)))
            elif rnd.random() < 0.3:
                fleet.notify(mailbox, event_id, None)  # never sent
            if rnd.random() < 0.5:  # the answer shows the mailbox as it is now: disconnected
                fleet.answer(mailbox, began + timedelta(minutes=rnd.randint(0, 60)), asker=f"U{number}")
            if rnd.random() < 0.3:
                fleet.escalate(mailbox, began + timedelta(minutes=rnd.randint(-60, 60 * 30)))
            if rnd.random() < 0.4:
                voted = began + timedelta(minutes=rnd.randint(1, 120))
                fleet.vote(mailbox, voted, helpful=rnd.random() < 0.6, voter=f"U{number}")
                if rnd.random() < 0.3:
                    fleet.report()  # counted once as it was …
                    fleet.vote(mailbox, voted + MINUTE, helpful=rnd.random() < 0.5, voter=f"U{number}")
            if rnd.random() < 0.85:
                minutes = rnd.choice((rnd.uniform(0, 20), rnd.uniform(20, 600), rnd.uniform(1400, 2000)))
                fleet.reconnect(mailbox, began + timedelta(minutes=minutes))
                if rnd.random() < 0.2:  # an answer after it reconnected tells of nothing
                    fleet.answer(mailbox, began + timedelta(minutes=minutes + 5), asker=f"V{number}")
            else:
                break  # still disconnected
            began += timedelta(minutes=rnd.randint(60, 60 * 24 * 5))
        if number in (5, 11):  # recorded late: it happened before everything recorded above
            fleet.reconnect(mailbox, START + timedelta(days=days))
            late = fleet.disconnect(mailbox, START - timedelta(hours=5))
            fleet.notify(mailbox, late, START - timedelta(hours=4))
        if number % 4 == 3:
            fleet.report()


@dataclass
class _Disconnection:
    mailbox_id: int
    provider: str
    reason: str
    event_id: int
    began: datetime
    order: int
    reconnect_seconds: float | None = None
    closes: datetime | None = None
    escalated: bool = False
    votes: list[bool] = field(default_factory=list)
    told: list[datetime] = field(default_factory=list)


def by_the_definitions(engine) -> list[_Disconnection]:
    """Every disconnection and what followed it, from the recorded rows and the README's definitions."""
    with engine.connect() as connection:
        providers = dict(connection.execute(select(Mailbox.id, Mailbox.provider)).all())
        events = connection.execute(
            select(Event.id, Event.mailbox_id, Event.type, Event.reason, Event.occurred_at).order_by(Event.id)
        ).all()
        cases = connection.execute(select(Escalation.mailbox_id, Escalation.created_at)).all()
        votes = connection.execute(
            select(FeedbackVote.mailbox_id, FeedbackVote.created_at, FeedbackVote.helpful)
        ).all()
        dms = connection.execute(
            select(Notification.event_id, Notification.sent_at).where(
                Notification.status == "sent", Notification.kind.in_(DISCONNECTION_KINDS)
            )
        ).all()
        answers = connection.execute(
            select(ConversationTurn.created_at, ConversationTurn.about).where(
                ConversationTurn.role == "bot", ConversationTurn.about.is_not(None)
            )
        ).all()
    found: list[_Disconnection] = []
    latest: dict[int, _Disconnection] = {}
    for event in events:
        current = latest.get(event.mailbox_id)
        is_open = current is not None and current.reconnect_seconds is None
        if event.type == "disconnected" and not is_open:
            current = _Disconnection(
                event.mailbox_id,
                providers[event.mailbox_id],
                event.reason or "unknown",
                event.id,
                event.occurred_at,
                len(found),
            )
            found.append(current)
            latest[event.mailbox_id] = current
        elif event.type == "reconnected" and is_open:
            current.reconnect_seconds = max(0.0, (event.occurred_at - current.began).total_seconds())
            current.closes = event.occurred_at + timedelta(hours=24)
    of_mailbox = defaultdict(list)
    for disconnection in found:
        of_mailbox[disconnection.mailbox_id].append(disconnection)

    def about(mailbox_id: int, at: datetime) -> _Disconnection | None:
        """The mailbox's latest disconnection begun at `at`, if it still collected then."""
        begun = [d for d in of_mailbox[mailbox_id] if d.began <= at]
        if not begun:
            return None
        chosen = max(begun, key=lambda d: (d.began, d.order))
        return chosen if chosen.closes is None or at < chosen.closes else None

    for mailbox_id, at in cases:
        if mailbox_id is not None and (chosen := about(mailbox_id, at)) is not None:
            chosen.escalated = True
    for mailbox_id, at, helpful in votes:
        if mailbox_id is not None and (chosen := about(mailbox_id, at)) is not None:
            chosen.votes.append(helpful)
    by_event = {d.event_id: d for d in found}
    for event_id, sent_at in dms:
        if event_id in by_event:
            by_event[event_id].told.append(sent_at)
    for said_at, shown in answers:
        for mailbox in shown["mailboxes"]:
            if mailbox["status"] != "disconnected":
                continue
            for d in of_mailbox[int(mailbox["id"])]:
                if d.began == parse_time(mailbox["disconnected_at"]):
                    d.told.append(said_at)
    return found


def expected_report(found: list[_Disconnection], since: datetime, until: datetime) -> dict:
    """The report's groups as the contract has them, from `found`."""
    groups: dict[str, dict[str, list[_Disconnection]]] = {
        "reason": defaultdict(list),
        "provider": defaultdict(list),
    }
    chosen = [d for d in found if since <= d.began < until]
    for d in chosen:
        groups["reason"][d.reason].append(d)
        groups["provider"][d.provider].append(d)

    def figures(ds: list[_Disconnection]) -> dict:
        times = [d.reconnect_seconds for d in ds if d.reconnect_seconds is not None]
        within = [d for d in ds if d.reconnect_seconds is not None and d.reconnect_seconds <= 24 * 3600]
        notices = [max(0.0, (min(d.told) - d.began).total_seconds()) for d in ds if d.told]
        return {
            "disconnections": len(ds),
            "reconnected": len(times),
            "reconnected_within_24h": len(within),
            "escalated": sum(d.escalated for d in ds),
            "feedback_yes": sum(v for d in ds for v in d.votes),
            "feedback_no": sum(not v for d in ds for v in d.votes),
            "self_serve_rate": round(sum(not d.escalated for d in within) / len(ds), 4) if ds else None,
            "median_minutes_to_reconnect": round(statistics.median(times) / 60, 1) if times else None,
            "notified": len(notices),
            "median_minutes_to_first_notice": round(statistics.median(notices) / 60, 1) if notices else None,
        }

    def ordered(name: str) -> list[dict]:
        rows = [{name: key, **figures(ds)} for key, ds in groups[name].items()]
        return sorted(rows, key=lambda row: (-row["disconnections"], row[name]))

    return {"reasons": ordered("reason"), "providers": ordered("provider"), "totals": figures(chosen)}


PERIODS = {
    "the whole history": (START - timedelta(days=2), START + timedelta(days=40)),
    "whole days": (START + timedelta(days=2), START + timedelta(days=9)),
    "ends inside days": (START + timedelta(days=1, hours=7, minutes=13), START + timedelta(days=8, hours=3)),
    "inside one day": (START + timedelta(days=3, hours=2), START + timedelta(days=3, hours=20)),
    "a day and a bit": (START + timedelta(days=4), START + timedelta(days=5, seconds=1)),
}


def assert_report_follows_the_definitions(fleet, engine) -> None:
    found = by_the_definitions(engine)
    for name, (since, until) in PERIODS.items():
        report = fleet.report(since=since, until=until)
        assert {key: report[key] for key in ("reasons", "providers", "totals")} == expected_report(
            found, since, until
        ), name


def test_the_report_follows_the_definitions_for_any_period_and_after_a_rebuild(fleet, engine):
    record_history(fleet, random.Random(16))
    fleet.report()  # caught up

    assert_report_follows_the_definitions(fleet, engine)
    assert rollup_sums(engine) == row_sums(engine)
    kept = ledger_rows(engine), rollup_sums(engine)

    with make_session_factory(engine)() as session:
        ledger.rebuild(session, batch_size=7)  # in many batches: each row's changes over several

    assert (ledger_rows(engine), rollup_sums(engine)) == kept
    assert_report_follows_the_definitions(fleet, engine)
