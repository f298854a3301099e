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
- *notified*: the owner was told of it, by a proactive DM or an answer of the bot that showed it;
  *time to first notice* runs from the disconnection to the first of them;
- `median_minutes_to_reconnect` and `median_minutes_to_first_notice`: exact medians, over the
  reconnected and the notified ones.

A bounded number of statements whatever the volume or the period: the ledger's catch-up (three small
reads when nothing is new), the figures (the period's whole days from the per-day rollups, its ends from
the ledger's rows, in one statement), and the medians (one statement: for each group, the middle one or
two values read in order from an index, see `_medians`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from statistics import median
from typing import Any

from sqlalchemy import Float, String, and_, column, literal, or_, select, text, union_all
from sqlalchemy.orm import Session

from mailbox_assistant.orm import UtcDateTime
from mailbox_assistant.outcomes import rollups
from mailbox_assistant.outcomes.ledger import catch_up, ledger

DEFAULT_PERIOD = timedelta(days=30)
# What one report read applies of the ledger's catch-up itself, at most (the worker applies the rest):
# two batches, 10,000 state events (weeks of a 100,000-a-year fleet's), so a report is up to date with
# the worker down, and a read after a long outage or the upgrade takes a second or two, not minutes.
READ_BATCHES = 2
# A period that holds more than this share of the ledger's days reads its medians by walking the indexes
# ordered by time (cost: the ledger's size); a shorter one reads its own rows' times (cost: its size).
WALK_SHARE = 0.25
MEASURES = {"reconnect": "reconnect_seconds", "notice": "notice_seconds"}  # measure → the ledger's column
_COUNTED_BY = {"reconnect": "reconnected", "notice": "notified"}  # measure → how many have a value
_CUSTOM_PLANS = text("SET LOCAL plan_cache_mode = force_custom_plan")


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
    notified: int = 0
    # Reconnected in under 5 minutes, 30 minutes, 2 hours (support's time-to-reconnect chart).
    reconnected_under_5m: int = 0
    reconnected_under_30m: int = 0
    reconnected_under_2h: int = 0
    median_seconds: dict[str, float | None] = field(default_factory=dict)  # by measure (MEASURES)

    @property
    def self_serve_rate(self) -> float | None:
        """Self-serve resolutions over disconnections; None when there were none."""
        return self.self_served / self.disconnections if self.disconnections else None

    @property
    def median_minutes_to_reconnect(self) -> float | None:
        """The median time from disconnection to reconnection, in minutes; None when none reconnected."""
        return _minutes(self.median_seconds.get("reconnect"))

    @property
    def median_minutes_to_first_notice(self) -> float | None:
        """The median time from disconnection to the owner's first notice, in minutes; None if none."""
        return _minutes(self.median_seconds.get("notice"))

    def add(self, figures: dict[str, int]) -> None:
        """Add the counts of `figures` (rollups.FIGURES by name; not the medians)."""
        for name, value in figures.items():
            setattr(self, name, getattr(self, name) + value)

    def count(self, measure: str) -> int:
        """How many of the group have a value of `measure` (reconnect / notice)."""
        return getattr(self, _COUNTED_BY[measure])

    def as_dict(self) -> dict[str, Any]:
        """The figures as the report contract names them."""
        rate = self.self_serve_rate
        minutes = self.median_minutes_to_reconnect
        notice = self.median_minutes_to_first_notice
        return {
            "disconnections": self.disconnections,
            "reconnected": self.reconnected,
            "reconnected_within_24h": self.reconnected_within_24h,
            "escalated": self.escalated,
            "feedback_yes": self.feedback_yes,
            "feedback_no": self.feedback_no,
            "self_serve_rate": None if rate is None else round(rate, 4),
            "median_minutes_to_reconnect": None if minutes is None else round(minutes, 1),
            "notified": self.notified,
            "median_minutes_to_first_notice": None if notice is None else round(notice, 1),
        }


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60


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


def outcomes_report(
    session: Session, since: datetime, until: datetime, catch_up_batches: int | None = READ_BATCHES
) -> Report:
    """The report of the disconnections that began in [since, until), the ledger caught up first (at most
    `catch_up_batches` batches; None: all there is)."""
    catch_up(session, max_batches=catch_up_batches, settle=False)  # settling: the worker's
    if session.get_bind().dialect.name == "postgresql":
        # The figures and the medians of one snapshot, each planned for this period: psycopg prepares a
        # statement run five times, and PostgreSQL may then plan it once for any period and offset (a
        # long period's medians would sort the period's rows instead of walking an index to the middle).
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        session.execute(_CUSTOM_PLANS)
    sums, first_day = rollups.period_sums(session, since, until)
    reasons: dict[str, Outcomes] = defaultdict(Outcomes)
    providers: dict[str, Outcomes] = defaultdict(Outcomes)
    totals = Outcomes()
    for (reason, provider), figures in sums.items():
        named = dict(zip(rollups.FIGURES, figures, strict=True))
        for group in (reasons[reason], providers[provider], totals):
            group.add(named)
    walk = _walks(session, since, until, first_day)
    _medians(session, since, until, {"reason": reasons, "provider": providers, None: {"": totals}}, walk)
    session.commit()
    return Report(since=since, until=until, reasons=dict(reasons), providers=dict(providers), totals=totals)


def _ordered(groups: dict[str, Outcomes]) -> list[tuple[str, Outcomes]]:
    return sorted(groups.items(), key=lambda item: (-item[1].disconnections, item[0]))


def _walks(session: Session, since: datetime, until: datetime, first_day: Any) -> bool:
    """Whether the period holds enough of the ledger for its medians to be walked from the indexes
    (more than WALK_SHARE of the ledger's days), rather than read from its own rows."""
    if first_day is None:  # no whole day in the period: a short one
        return False
    history = (until - rollups.midnight(first_day)).total_seconds()
    return history <= 0 or (until - since).total_seconds() >= WALK_SHARE * history


def _medians(
    session: Session,
    since: datetime,
    until: datetime,
    groupings: dict[str | None, dict[str, Outcomes]],
    walk: bool,
) -> None:
    """Set each group's exact medians, in one statement whatever the number of groups or of rows.

    A short period reads its rows' times (the period's covering index) and takes the medians here. A
    long one (`walk`) reads, for a group of n values, its ((n + 1) // 2)-th and, when n is even, the
    next: one subquery each, `ORDER BY <time> LIMIT 1 or 2 OFFSET (n - 1) // 2` over the group's rows of
    the period, each from an index in that order with the period in it (the group's column, the time,
    `disconnected_at`), read from its start up to the middle without a sort: the cost follows the
    ledger's size, not the period's. PostgreSQL's planner picks those indexes itself; SQLite is told.
    """
    if not walk:
        _medians_of_rows(session, since, until, groupings)
        return
    parts, wanted = [], {}
    for group, groups in groupings.items():
        for name, outcomes in groups.items():
            for measure, time_column in MEASURES.items():
                n = outcomes.count(measure)
                if not n:
                    continue
                label = f"{len(wanted)}"
                wanted[label] = (outcomes, measure)
                value = column(time_column, Float())
                began = column("disconnected_at", UtcDateTime())
                where = [value.is_not(None), began >= since, began < until]
                if group is not None:
                    where.append(column(group, String()) == name)
                middle = (
                    select(value.label("value"))
                    .select_from(_source(session, _index(group, time_column)))
                    .where(and_(*where))
                    .order_by(value)
                    .limit(1 if n % 2 else 2)
                    .offset((n - 1) // 2)
                    .subquery()
                )
                parts.append(select(literal(label).label("part"), middle.c.value))
    if not parts:
        return
    found: dict[str, list[float]] = defaultdict(list)
    for part, value in session.execute(union_all(*parts) if len(parts) > 1 else parts[0]):
        found[part].append(value)
    for label, (outcomes, measure) in wanted.items():
        values = found.get(label)
        outcomes.median_seconds[measure] = sum(values) / len(values) if values else None


def _medians_of_rows(
    session: Session, since: datetime, until: datetime, groupings: dict[str | None, dict[str, Outcomes]]
) -> None:
    """The medians of a short period, from its rows' times."""
    times: dict[tuple[str | None, str, str], list[float]] = defaultdict(list)
    rows = session.execute(
        select(ledger.c.reason, ledger.c.provider, ledger.c.reconnect_seconds, ledger.c.notice_seconds).where(
            ledger.c.disconnected_at >= since,
            ledger.c.disconnected_at < until,
            or_(ledger.c.reconnect_seconds.is_not(None), ledger.c.notice_seconds.is_not(None)),
        )
    )
    for reason, provider, *values in rows:
        for measure, value in zip(MEASURES, values, strict=True):
            if value is not None:
                for key in (
                    ("reason", reason, measure),
                    ("provider", provider, measure),
                    (None, "", measure),
                ):
                    times[key].append(value)
    for group, groups in groupings.items():
        for name, outcomes in groups.items():
            for measure in MEASURES:
                values = times.get((group, name, measure))
                outcomes.median_seconds[measure] = median(values) if values else None


def _index(group: str | None, time_column: str) -> str:
    """The index ordered by `time_column` within `group`'s column (None: all), then disconnected_at."""
    return f"ix_disconnections_{group}_{time_column}" if group else f"ix_disconnections_{time_column}"


def _source(session: Session, index: str) -> Any:
    """The ledger in a FROM clause; on SQLite read through `index` (SQLAlchemy renders no index hint
    for SQLite, so the clause is written out)."""
    if session.get_bind().dialect.name == "sqlite":
        return text(f"{ledger.name} INDEXED BY {index}")
    return text(ledger.name)
