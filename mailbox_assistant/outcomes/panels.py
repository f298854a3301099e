"""What support's page shows, as tables: each panel's numbers are one `Table`, which the page renders
as a chart and a table and offers as CSV, so the three always agree.

Panels: disconnections per day by reason, self-serve rate by reason and by provider, time to
reconnect, open escalations with their age, active incidents, mailboxes that keep disconnecting, and
the answers voted down with the raw error and the cause they gave.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, false, func, select
from sqlalchemy.orm import Session

import knowledge
from mailbox_assistant.escalation.models import Escalation
from mailbox_assistant.mailboxes.models import Incident, Mailbox
from mailbox_assistant.orm import UtcDateTime
from mailbox_assistant.outcomes.ledger import catch_up, ledger
from mailbox_assistant.outcomes.models import FeedbackVote
from mailbox_assistant.outcomes.report import Outcomes, Report
from mailbox_assistant.providers import display_name

REPEAT_THRESHOLD = 3  # this many disconnections in the period: a mailbox that keeps disconnecting
LIST_LIMIT = 200
# Time to reconnect, in buckets (upper bounds in minutes; the last is open): the rollups' cumulative
# counts (outcomes.rollups.UNDER), and within 24 hours as the report counts it (no more than 24 h).
RECONNECT_BUCKETS = (
    (5, "< 5 min"),
    (30, "5–30 min"),
    (120, "30 min–2 h"),
    (24 * 60, "2–24 h"),
    (None, "> 24 h"),
)


@dataclass(frozen=True)
class Table:
    """One panel's numbers: a title, column names and rows of plain values (for HTML and CSV)."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def reason_title(code: str) -> str:
    """A reason code as support reads it (the knowledge base's title)."""
    try:
        return knowledge.get_reason(code).title
    except KeyError:
        return code


def daily_by_reason(
    session: Session, since: datetime, until: datetime
) -> tuple[list[date], dict[str, list[int]]]:
    """Every day of the period, and per reason its disconnections on each day (reasons by count)."""
    catch_up(session)
    rows = session.execute(_DAILY, {"since": since, "until": until}).all()
    last = (until - timedelta(microseconds=1)).date()
    days = [since.date() + timedelta(days=n) for n in range((last - since.date()).days + 1)]
    index = {day: n for n, day in enumerate(days)}
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
    for day, reason, count in rows:
        if day in index:
            counts[reason][index[day]] += count
    ordered = sorted(counts.items(), key=lambda item: (-sum(item[1]), item[0]))
    return days, dict(ordered)


def daily_table(days: list[date], counts: dict[str, list[int]]) -> Table:
    """Disconnections per day, a column per reason."""
    reasons = list(counts)
    rows = [
        (day.isoformat(), *(counts[r][n] for r in reasons), sum(counts[r][n] for r in reasons))
        for n, day in enumerate(days)
    ]
    return Table("daily", "Disconnections per day, by reason", ("day", *reasons, "all"), rows)


def outcome_table(
    name: str, title: str, key: str, groups: list[tuple[str, Outcomes]], totals: Outcomes
) -> Table:
    """The report's figures per reason or provider, with the totals last."""
    columns = (
        key,
        "disconnections",
        "reconnected",
        "reconnected_within_24h",
        "escalated",
        "feedback_yes",
        "feedback_no",
        "self_serve_rate",
        "median_minutes_to_reconnect",
        "notified",
        "median_minutes_to_first_notice",
    )
    rows = [(label, *_figures(outcomes)) for label, outcomes in groups]
    rows.append(("all", *_figures(totals)))
    return Table(name, title, columns, rows)


def reasons_table(report: Report) -> Table:
    """Self-serve rate and the other figures by reason."""
    groups = sorted(report.reasons.items(), key=lambda item: (-item[1].disconnections, item[0]))
    return outcome_table("reasons", "Outcomes by reason", "reason", groups, report.totals)


def providers_table(report: Report) -> Table:
    """Self-serve rate and the other figures by provider."""
    groups = sorted(report.providers.items(), key=lambda item: (-item[1].disconnections, item[0]))
    return outcome_table("providers", "Outcomes by provider", "provider", groups, report.totals)


def reconnect_times_table(report: Report) -> Table:
    """How long the period's disconnections took to reconnect, in buckets (and how many have not)."""
    totals = report.totals
    under = (
        totals.reconnected_under_5m,
        totals.reconnected_under_30m,
        totals.reconnected_under_2h,
        totals.reconnected_within_24h,
        totals.reconnected,
    )
    counts = [under[0], *(b - a for a, b in zip(under, under[1:], strict=False))]
    rows = [(label, count) for (_, label), count in zip(RECONNECT_BUCKETS, counts, strict=True)]
    rows.append(("not reconnected", totals.disconnections - totals.reconnected))
    return Table("reconnect-times", "Time to reconnect", ("time to reconnect", "disconnections"), rows)


def open_escalations(session: Session, now: datetime) -> Table:
    """Open support cases, oldest first, with their age in hours."""
    rows = session.execute(_OPEN_ESCALATIONS, {"limit": LIST_LIMIT}).all()
    return Table(
        "escalations",
        "Open escalations",
        ("case", "opened", "age_hours", "asker", "mailbox", "provider", "reason", "delivery"),
        [
            (
                row.id,
                row.created_at.isoformat(timespec="minutes"),
                round((now - row.created_at).total_seconds() / 3600, 1),
                row.asker_email or row.asker_name,
                row.mailbox_email or row.mailbox_ref,
                display_name(row.provider) if row.provider else "",
                row.reason,
                row.status,
            )
            for row in rows
        ],
    )


def active_incidents(session: Session, now: datetime) -> Table:
    """Provider outages going on now."""
    rows = session.execute(_ACTIVE_INCIDENTS).all()
    return Table(
        "incidents",
        "Active incidents",
        ("provider", "started", "age_hours", "mailboxes", "reconnected"),
        [
            (
                display_name(row.provider),
                row.started_at.isoformat(timespec="minutes"),
                round((now - row.started_at).total_seconds() / 3600, 1),
                row.mailbox_count,
                row.reconnected_count,
            )
            for row in rows
        ],
    )


def repeat_disconnections(session: Session, since: datetime, until: datetime) -> Table:
    """Mailboxes with REPEAT_THRESHOLD or more disconnections in the period, the most first."""
    catch_up(session)
    rows = session.execute(
        _REPEATS, {"since": since, "until": until, "at_least": REPEAT_THRESHOLD, "limit": LIST_LIMIT}
    ).all()
    return Table(
        "repeats",
        "Mailboxes that keep disconnecting",
        ("mailbox", "provider", "disconnections", "last_disconnected", "status", "latest_reason"),
        [
            (
                row.email,
                display_name(row.provider),
                row.disconnections,
                row.last_disconnected_at.isoformat(timespec="minutes"),
                row.status,
                row.last_failure_reason or "unknown",
            )
            for row in rows
        ],
    )


def voted_down(session: Session, since: datetime, until: datetime) -> Table:
    """The answers voted 👎 in the period, newest first: what support learns from."""
    rows = session.execute(_VOTED_DOWN, {"since": since, "until": until, "limit": LIST_LIMIT}).all()
    return Table(
        "feedback",
        "Answers voted down",
        (
            "voted",
            "voter",
            "surface",
            "mailbox",
            "provider",
            "reason_given",
            "confidence",
            "raw_error",
            "what_was_wrong",
        ),
        [
            (
                row.updated_at.isoformat(timespec="minutes"),
                row.voter_slack_id,
                row.surface,
                row.mailbox_email or row.mailbox_ref or "",
                display_name(row.provider) if row.provider else "",
                row.reason or "",
                "" if row.confidence is None else round(row.confidence, 2),
                row.raw_error or "",
                row.comment or "",
            )
            for row in rows
        ],
    )


def _figures(outcomes: Outcomes) -> tuple[Any, ...]:
    figures = outcomes.as_dict()
    return tuple(figures[name] for name in figures)


_since = bindparam("since", type_=UtcDateTime())
_until = bindparam("until", type_=UtcDateTime())
_limit = bindparam("limit")
_DAILY = (
    select(ledger.c.day, ledger.c.reason, func.count())
    .where(ledger.c.disconnected_at >= _since, ledger.c.disconnected_at < _until)
    .group_by(ledger.c.day, ledger.c.reason)
)
_escalations = Escalation.__table__
_OPEN_ESCALATIONS = (
    select(_escalations)
    .where(_escalations.c.closed_at.is_(None))
    .order_by(_escalations.c.created_at, _escalations.c.id)
    .limit(_limit)
)
_incidents = Incident.__table__
_ACTIVE_INCIDENTS = (
    select(_incidents).where(_incidents.c.ended_at.is_(None)).order_by(_incidents.c.started_at)
)
_mailboxes = Mailbox.__table__
_repeats = (
    select(
        ledger.c.mailbox_id,
        func.count().label("disconnections"),
        func.max(ledger.c.disconnected_at).label("last_disconnected_at"),
    )
    .where(ledger.c.disconnected_at >= _since, ledger.c.disconnected_at < _until)
    .group_by(ledger.c.mailbox_id)
    .having(func.count() >= bindparam("at_least"))
    .subquery()
)
_REPEATS = (
    select(
        _mailboxes.c.email,
        _mailboxes.c.provider,
        _mailboxes.c.status,
        _mailboxes.c.last_failure_reason,
        _repeats.c.disconnections,
        _repeats.c.last_disconnected_at.label("last_disconnected_at"),
    )
    .join(_mailboxes, _mailboxes.c.id == _repeats.c.mailbox_id)
    .order_by(_repeats.c.disconnections.desc(), _repeats.c.last_disconnected_at.desc())
    .limit(_limit)
)
_votes = FeedbackVote.__table__
_VOTED_DOWN = (
    select(_votes)
    .where(_votes.c.helpful == false(), _votes.c.updated_at >= _since, _votes.c.updated_at < _until)
    .order_by(_votes.c.updated_at.desc(), _votes.c.id.desc())
    .limit(_limit)
)
