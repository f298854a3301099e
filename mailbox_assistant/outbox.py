"""The one claim/lease primitive of every queue: escalation emails, proactive notices, token refreshes.

A queue is a table whose rows (or owners) are leased. Claiming is one short write transaction:
`SELECT … FOR UPDATE SKIP LOCKED` picks due rows nobody holds (PostgreSQL; SQLite ignores the clause
and serialises writers with BEGIN IMMEDIATE instead), then a guarded `UPDATE … WHERE <still due and
free> RETURNING key` stamps a fresh lease token and the lease end, and counts the attempt, so a
worker that dies mid-attempt has still used one. A worker writes its outcome back only while its
token is on the row (`held`); once the lease runs out, the row is free again for the next worker.
Failures wait `RetryPolicy.next_try`: doubling from `first`, capped, and `gave_up` once the attempts
reach `max_attempts` (each queue says what giving up means for its rows).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import InstrumentedAttribute, Session


@dataclass(frozen=True)
class Lease:
    """One claimed row (by its key) held by this worker until `until`, proven by `token`."""

    key: Any
    token: str
    until: datetime


@dataclass(frozen=True)
class LeasedTable:
    """How a table is leased: its key, lease token and lease-end columns, and the attempts counter."""

    key: InstrumentedAttribute[Any]
    token: InstrumentedAttribute[Any]
    until: InstrumentedAttribute[Any]
    attempts: InstrumentedAttribute[Any] | None = None

    def free(self, now: datetime) -> ColumnElement[bool]:
        """Nobody holds the row, or its holder's lease has run out."""
        return or_(self.until.is_(None), self.until <= now)

    def claim(
        self,
        db: Session | Connection,
        *,
        due: ColumnElement[bool],
        now: datetime,
        lease: timedelta,
        limit: int,
        order_by: tuple[Any, ...] = (),
        among: list[Any] | None = None,
        also_set: dict[Any, Any] | None = None,
    ) -> list[Lease]:
        """Lease up to `limit` rows that are `due` and free, in `order_by` order (or the order of
        `among`, the keys to choose from), setting `also_set` on them too (e.g. a status); the caller's
        transaction must be a write one (`begin_write`)."""
        where = [due, self.free(now)]
        if among is None:
            query = select(self.key).where(*where).order_by(*order_by).limit(limit)
            candidates = list(db.execute(query.with_for_update(skip_locked=True)).scalars())
        else:
            query = select(self.key).where(self.key.in_(among), *where)
            free = set(db.execute(query.with_for_update(skip_locked=True)).scalars())
            candidates = [key for key in among if key in free][:limit]
        if not candidates:
            return []
        token, until = uuid.uuid4().hex, now + lease
        values: dict[Any, Any] = {self.token: token, self.until: until, **(also_set or {})}
        if self.attempts is not None:
            values[self.attempts] = self.attempts + 1
        statement = (
            update(self.key.class_)
            .where(self.key.in_(candidates), *where)
            .values(values)
            .returning(self.key)
            .execution_options(synchronize_session=False)
        )
        won = set(db.execute(statement).scalars())
        return [Lease(key, token, until) for key in candidates if key in won]

    def held(self, lease: Lease) -> ColumnElement[bool]:
        """The row of `lease`, while the lease is still this worker's."""
        return and_(self.key == lease.key, self.token == lease.token)

    def released(self) -> dict[Any, Any]:
        """The column values that give a row back."""
        return {self.token: None, self.until: None}


@dataclass(frozen=True)
class Retry:
    """When to try again, and whether the queue should give the row up."""

    run_at: datetime
    gave_up: bool


@dataclass(frozen=True)
class RetryPolicy:
    """The wait after a failed attempt (doubling from `first`, at most `cap`) and when to give up."""

    first: timedelta
    cap: timedelta
    max_attempts: int | None = None  # None: never give up (the wait stays at `cap`)

    def wait(self, attempts: int) -> timedelta:
        """The wait after failed attempt number `attempts` (1, 2, …)."""
        doublings = min(max(attempts - 1, 0), 40)  # 2**40 × any first wait is past any cap
        return min(self.cap, self.first * 2**doublings)

    def next_try(self, attempts: int, now: datetime) -> Retry:
        """After `attempts` attempts (counted at claim), the last of which failed."""
        gave_up = self.max_attempts is not None and attempts >= self.max_attempts
        return Retry(now + self.wait(attempts), gave_up)
