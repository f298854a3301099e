"""The outcomes report: what became of the disconnections of a period, by reason, by provider and in all.

Definitions (the README states them too):
- a *disconnection* of the period is one that began in [since, until) (see outcomes.ledger);
- *reconnected*: it has ended with a `reconnected` event, whenever that came; *within 24 h*: no more
  than 24 hours after it began;
- *escalated*: a support case about the mailbox was opened after it began and before it closed
  (24 hours after the reconnection); *votes* count the same way, the last vote of each person on each
  answer;
- *self-serve resolution*: reconnected within 24 hours with no escalation; `self_serve_rate` is their
  share of the disconnections (None when there are none);
- `median_minutes_to_reconnect`: over the reconnected ones.

A bounded number of statements whatever the volume: the ledger's catch-up (two reads when nothing is
new), the counts grouped by reason and provider, the escalations and votes attributed to them, and the
reconnection times (for exact medians).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from statistics import median
from typing import Any

from sqlalchemy import and_, bindparam, case, false, func, literal_column, or_, select, union_all
from sqlalchemy.orm import Session

from mailbox_assistant.escalation.models import Escalation
from mailbox_assistant.orm import UtcDateTime
from mailbox_assistant.outcomes.ledger import catch_up, ledger
from mailbox_assistant.outcomes.models import FeedbackVote

SELF_SERVE_TIME = timedelta(hours=24)
DEFAULT_PERIOD = timedelta(days=30)

_escalations = Escalation.__table__
_votes = FeedbackVote.__table__
_since = bindparam("since", type_=UtcDateTime())
_until = bindparam("until", type_=UtcDateTime())


@dataclass
class Outcomes:
    """The figures of one group of disconnections (a reason, a provider, or all of them)."""

    disconnections: int = 0
    reconnected: int = 0
    reconnected_within_24h: int = 0
    escalated: int = 0
    self_served: int = 0
    feedback_yes: int = 0
    feedback_no: int = 0
    reconnect_seconds: list[float] = field(default_factory=list, repr=False)

    @property
    def self_serve_rate(self) -> float | None:
        """Self-serve resolutions over disconnections; None when there were none."""
        return self.self_served / self.disconnections if self.disconnections else None

    @property
    def median_minutes_to_reconnect(self) -> float | None:
        """The median time from disconnection to reconnection, in minutes; None when none reconnected."""
        return median(self.reconnect_seconds) / 60 if self.reconnect_seconds else None

    def add(self, other: Outcomes) -> None:
        """Add the counts of `other` (not its reconnection times)."""
        self.disconnections += other.disconnections
        self.reconnected += other.reconnected
        self.reconnected_within_24h += other.reconnected_within_24h
        self.escalated += other.escalated
        self.self_served += other.self_served
        self.feedback_yes += other.feedback_yes
        self.feedback_no += other.feedback_no

    def as_dict(self) -> dict[str, Any]:
        """The figures as the report contract names them."""
        rate = self.self_serve_rate
        minutes = self.median_minutes_to_reconnect
        return {
            "disconnections": self.disconnections,
            "reconnected": self.reconnected,
            "reconnected_within_24h": self.reconnected_within_24h,
            "escalated": self.escalated,
            "feedback_yes": self.feedback_yes,
            "feedback_no": self.feedback_no,
            "self_serve_rate": None if rate is None else round(rate, 4),
            "median_minutes_to_reconnect": None if minutes is None else round(minutes, 1),
        }


@dataclass
class Report:
    """The outcomes of the disconnections that began in [since, until)."""

    since: datetime
    until: datetime
    reasons: dict[str, Outcomes]
    providers: dict[str, Outcomes]
    totals: Outcomes

    def as_dict(self) -> dict[str, Any]:
        """The report as the HTTP contract has it (groups with the most disconnections first)."""
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "reasons": [{"reason": key, **value.as_dict()} for key, value in _ordered(self.reasons)],
            "providers": [{"provider": key, **value.as_dict()} for key, value in _ordered(self.providers)],
            "totals": self.totals.as_dict(),
        }


_AGO = re.compile(r"^(\d{1,5})\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_moment(text: str, now: datetime) -> datetime:
    """`7d`, `24h`, `90m`, `2w` (that long before `now`), an ISO 8601 date (midnight UTC) or date-time
    (UTC unless it has an offset); ValueError for anything else."""
    text = text.strip()
    ago = _AGO.fullmatch(text.lower())
    if ago:
        return now - timedelta(**{_UNITS[ago.group(2)]: int(ago.group(1))})
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def period(since: datetime | None, until: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    """The report's period: until defaults to now, since to DEFAULT_PERIOD before until."""
    until = until or now
    return since or until - DEFAULT_PERIOD, until


def outcomes_report(session: Session, since: datetime, until: datetime) -> Report:
    """The report of the disconnections that began in [since, until), the ledger caught up first."""
    catch_up(session)
    params = {"since": since, "until": until}
    groups: dict[tuple[str, str], Outcomes] = defaultdict(Outcomes)
    for row in session.execute(_COUNTS, params):
        group = groups[(row.reason, row.provider)]
        group.disconnections = row.disconnections
        group.reconnected = row.reconnected
        group.reconnected_within_24h = group.self_served = int(row.within_24h or 0)
    for row in session.execute(_FOLLOW_UPS, params):
        group = groups[(row.reason, row.provider)]
        if row.kind == "escalation":
            group.escalated += row.count
            group.self_served -= int(row.within_24h or 0)
        else:
            group.feedback_yes += int(row.yes or 0)
            group.feedback_no += row.count - int(row.yes or 0)
    reasons: dict[str, Outcomes] = defaultdict(Outcomes)
    providers: dict[str, Outcomes] = defaultdict(Outcomes)
    totals = Outcomes()
    for (reason, provider), outcomes in groups.items():
        reasons[reason].add(outcomes)
        providers[provider].add(outcomes)
        totals.add(outcomes)
    for reason, provider, seconds in session.execute(_RECONNECT_TIMES, params):
        reasons[reason].reconnect_seconds.append(seconds)
        providers[provider].reconnect_seconds.append(seconds)
        totals.reconnect_seconds.append(seconds)
    session.commit()
    return Report(since=since, until=until, reasons=dict(reasons), providers=dict(providers), totals=totals)


def _ordered(groups: dict[str, Outcomes]) -> list[tuple[str, Outcomes]]:
    return sorted(groups.items(), key=lambda item: (-item[1].disconnections, item[0]))


def _follow_ups(table: Any, kind: str) -> Any:
    """Escalations or votes counted for the period's disconnections, grouped by their reason and provider.

    Each counts for its mailbox's latest disconnection begun when it was made, unless that one had
    closed by then (see outcomes.models.Disconnection): one at most, whatever order the events were
    recorded in. Only those made since the period began can count, and they are few beside
    disconnections, so they are matched from their side, an index lookup each. Escalations count once
    per disconnection; votes each (one per person per answer).
    """
    latest = ledger.alias(f"{kind}_latest")
    latest_begun = (
        select(latest.c.id)
        .where(latest.c.mailbox_id == table.c.mailbox_id, latest.c.disconnected_at <= table.c.created_at)
        .order_by(latest.c.disconnected_at.desc(), latest.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    about = ledger.alias(f"{kind}_about")
    helpful = table.c.helpful if kind == "vote" else false()
    within_24h = about.c.reconnect_seconds <= SELF_SERVE_TIME.total_seconds()
    if kind == "escalation":
        counted = func.count(about.c.id.distinct())
        counted_within_24h = func.count(case((within_24h, about.c.id)).distinct())
    else:
        counted = func.count()
        counted_within_24h = func.sum(case((within_24h, 1), else_=0))
    return (
        select(
            literal_column(f"'{kind}'").label("kind"),
            about.c.reason,
            about.c.provider,
            counted.label("count"),
            counted_within_24h.label("within_24h"),
            func.sum(case((helpful, 1), else_=0)).label("yes"),
        )
        .select_from(table)
        .join(about, about.c.id == latest_begun)
        .where(
            table.c.mailbox_id.is_not(None),
            table.c.created_at >= _since,
            or_(about.c.closes_at.is_(None), table.c.created_at < about.c.closes_at),
            about.c.disconnected_at >= _since,
            about.c.disconnected_at < _until,
        )
        .group_by(about.c.reason, about.c.provider)
    )


_in_period = and_(ledger.c.disconnected_at >= _since, ledger.c.disconnected_at < _until)
# Counts per (reason, provider) of the period's disconnections, read from the covering index.
_COUNTS = (
    select(
        ledger.c.reason,
        ledger.c.provider,
        func.count().label("disconnections"),
        func.count(ledger.c.reconnect_seconds).label("reconnected"),
        func.sum(case((ledger.c.reconnect_seconds <= SELF_SERVE_TIME.total_seconds(), 1), else_=0)).label(
            "within_24h"
        ),
    )
    .where(_in_period)
    .group_by(ledger.c.reason, ledger.c.provider)
)
_FOLLOW_UPS = union_all(_follow_ups(_escalations, "escalation"), _follow_ups(_votes, "vote"))
# The reconnection times, for exact medians (statistics.median sorts them, cheaper than the database).
_RECONNECT_TIMES = select(ledger.c.reason, ledger.c.provider, ledger.c.reconnect_seconds).where(
    _in_period, ledger.c.reconnect_seconds.is_not(None)
)
