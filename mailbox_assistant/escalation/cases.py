"""What operators do with escalation cases: list them, make one due now, close one."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mailbox_assistant.escalation.models import Escalation
from mailbox_assistant.orm import utcnow


def list_cases(session: Session, *, failed_only: bool, limit: int) -> Sequence[Escalation]:
    """The newest cases first (only those marked failed when `failed_only`)."""
    query = select(Escalation).order_by(Escalation.id.desc()).limit(limit)
    if failed_only:
        query = query.where(Escalation.status == "failed")
    return session.scalars(query).all()


def retry_case(session: Session, case_id: int) -> bool:
    """Make an undelivered case due now (its attempts count is kept); False when there is none."""
    result = session.execute(
        update(Escalation)
        .where(Escalation.id == case_id, Escalation.status.in_(("queued", "failed")))
        .values(status="queued", run_at=utcnow())
    )
    session.commit()
    return result.rowcount == 1


def close_case(session: Session, case_id: int) -> bool:
    """Close an open case so its asker may open a new one; False when no such open case."""
    result = session.execute(
        update(Escalation)
        .where(Escalation.id == case_id, Escalation.closed_at.is_(None))
        .values(open_key=None, closed_at=utcnow())
    )
    session.commit()
    return result.rowcount == 1
