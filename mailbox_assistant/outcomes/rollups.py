"""The ledger's per-day rollups (`disconnection_days`): what each disconnection adds to the figures of its
UTC day, reason and provider, moved by the difference whenever the ledger's catch-up changes a row (in
the same transaction), and a period's sums: its whole days from the rollups, the hours at either end
from the ledger's rows, with the one definition of each figure below (in Python for the rollups, in SQL
for the ends).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, and_, case, cast, func, null, or_, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from mailbox_assistant.outcomes.models import Disconnection, DisconnectionDay

SELF_SERVE_SECONDS = timedelta(hours=24).total_seconds()
# Support's time-to-reconnect buckets (cumulative: reconnected in less than this many seconds).
UNDER = {"reconnected_under_5m": 5 * 60, "reconnected_under_30m": 30 * 60, "reconnected_under_2h": 2 * 3600}
FIGURES = (
    "disconnections",
    "reconnected",
    *UNDER,
    "reconnected_within_24h",
    "escalated",
    "self_served",
    "feedback_yes",
    "feedback_no",
    "notified",
)

days = DisconnectionDay.__table__
ledger = Disconnection.__table__
Key = tuple[date, str, str]


def key(row: Mapping[str, Any]) -> Key:
    """The rollup a ledger row counts in."""
    return row["day"], row["reason"], row["provider"]


def contribution(row: Mapping[str, Any]) -> tuple[int, ...]:
    """What one ledger row adds to its rollup, in the order of FIGURES."""
    seconds = row["reconnect_seconds"]
    reconnected = seconds is not None
    within = reconnected and seconds <= SELF_SERVE_SECONDS
    escalated = bool(row["escalated"])
    return (
        1,
        int(reconnected),
        *(int(reconnected and seconds < bound) for bound in UNDER.values()),
        int(within),
        int(escalated),
        int(within and not escalated),
        int(row["feedback_yes"]),
        int(row["feedback_no"]),
        int(row["notice_seconds"] is not None),
    )


class Moves:
    """The rollup changes of one batch: the difference of each changed row, summed by rollup."""

    def __init__(self) -> None:
        self._deltas: dict[Key, list[int]] = defaultdict(lambda: [0] * len(FIGURES))

    def move(self, at: Key, before: tuple[int, ...] | None, after: tuple[int, ...]) -> None:
        """A row of rollup `at` counted `before` (None: a new row) and now counts `after`."""
        if before == after:
            return
        delta = self._deltas[at]
        for n, value in enumerate(after):
            delta[n] += value - (before[n] if before else 0)

    def write(self, session: Session) -> None:
        """Add the differences to the rollups (one upsert statement)."""
        rows = [
            {"day": day, "reason": reason, "provider": provider, **dict(zip(FIGURES, delta, strict=True))}
            for (day, reason, provider), delta in self._deltas.items()
            if any(delta)
        ]
        if not rows:
            return
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        statement = dialect.insert(days)
        statement = statement.on_conflict_do_update(
            index_elements=["day", "reason", "provider"],
            set_={name: days.c[name] + statement.excluded[name] for name in FIGURES},
        )
        session.execute(statement, rows)


def _row_figures() -> list[Any]:
    """FIGURES as SQL aggregates over ledger rows (the definitions of `contribution`)."""
    seconds = ledger.c.reconnect_seconds
    within = seconds <= SELF_SERVE_SECONDS

    def count_if(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    return [
        func.count().label("disconnections"),
        func.count(seconds).label("reconnected"),
        *(count_if(seconds < bound).label(name) for name, bound in UNDER.items()),
        count_if(within).label("reconnected_within_24h"),
        count_if(ledger.c.escalated).label("escalated"),
        count_if(and_(within, ~ledger.c.escalated)).label("self_served"),
        func.coalesce(func.sum(ledger.c.feedback_yes), 0).label("feedback_yes"),
        func.coalesce(func.sum(ledger.c.feedback_no), 0).label("feedback_no"),
        func.count(ledger.c.notice_seconds).label("notified"),
    ]


def midnight(day: date) -> datetime:
    """The start of a UTC day."""
    return datetime.combine(day, time(), tzinfo=UTC)


def whole_days(since: datetime, until: datetime) -> tuple[date, date] | None:
    """The UTC days wholly inside [since, until), as [first, end); None when there are none."""
    since, until = since.astimezone(UTC), until.astimezone(UTC)
    first = since.date()
    if since != midnight(first):
        if first == date.max:
            return None
        first += timedelta(days=1)
    end = until.date()
    return (first, end) if first < end else None


def period_sums(
    session: Session, since: datetime, until: datetime
) -> tuple[dict[tuple[str, str], list[int]], date | None]:
    """The figures of the disconnections that began in [since, until), per (reason, provider): whole days
    from the rollups, the rest from the ledger's rows, in one statement; and the first day of the
    ledger (when the period has whole days)."""
    spans = whole_days(since, until)
    if spans is None:
        ends = and_(ledger.c.disconnected_at >= since, ledger.c.disconnected_at < until)
    else:
        first, end = spans
        ends = or_(
            and_(ledger.c.disconnected_at >= since, ledger.c.disconnected_at < midnight(first)),
            and_(ledger.c.disconnected_at >= midnight(end), ledger.c.disconnected_at < until),
        )
    parts = [
        select(ledger.c.reason, ledger.c.provider, *_row_figures(), cast(null(), Date).label("first_day"))
        .where(ends)
        .group_by(ledger.c.reason, ledger.c.provider)
    ]
    if spans is not None:
        first_day = select(func.min(days.c.day)).scalar_subquery()
        parts.append(
            select(
                days.c.reason,
                days.c.provider,
                *(func.sum(days.c[name]).label(name) for name in FIGURES),
                first_day.label("first_day"),
            )
            .where(days.c.day >= spans[0], days.c.day < spans[1])
            .group_by(days.c.reason, days.c.provider)
        )
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(FIGURES))
    first_day = None
    for row in session.execute(union_all(*parts) if len(parts) > 1 else parts[0]).mappings():
        group = sums[(row["reason"], row["provider"])]
        for n, name in enumerate(FIGURES):
            group[n] += int(row[name] or 0)
        first_day = row["first_day"] or first_day
    return dict(sums), first_day
