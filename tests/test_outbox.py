"""The one queue primitive: claims are exclusive while leased, counted, and a lost lease writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from mailbox_assistant.db import begin_write
from mailbox_assistant.escalation.models import Escalation
from mailbox_assistant.notices.models import NotifyRecipient
from mailbox_assistant.outbox import LeasedTable, RetryPolicy

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
OWNERS = LeasedTable(NotifyRecipient.owner_email, NotifyRecipient.lease_token, NotifyRecipient.locked_until)
LEASE = timedelta(minutes=1)


def _owners(engine: Engine, *emails: str) -> None:
    with Session(engine) as session:
        session.add_all(NotifyRecipient(owner_email=email, next_send_at=NOW) for email in emails)
        session.commit()


def _claim(engine: Engine, now: datetime, limit: int = 10, among: list[str] | None = None) -> list:
    with Session(engine) as session:
        begin_write(session)
        leases = OWNERS.claim(
            session, due=NotifyRecipient.next_send_at <= now, now=now, lease=LEASE, limit=limit, among=among
        )
        session.commit()
    return leases


def test_a_leased_row_is_not_claimed_again_until_its_lease_runs_out(engine):
    _owners(engine, "ana@acme.com")

    first = _claim(engine, NOW)
    while_held = _claim(engine, NOW + LEASE / 2)
    after_expiry = _claim(engine, NOW + LEASE)

    assert [lease.key for lease in first] == ["ana@acme.com"]
    assert while_held == []
    assert [lease.key for lease in after_expiry] == ["ana@acme.com"]
    assert after_expiry[0].token != first[0].token


def test_a_worker_whose_lease_was_taken_over_writes_nothing(engine):
    _owners(engine, "ana@acme.com")
    [stale] = _claim(engine, NOW)
    [current] = _claim(engine, NOW + LEASE)

    with Session(engine) as session:
        begin_write(session)
        release = update(NotifyRecipient).values(OWNERS.released())
        stale_write = session.execute(release.where(OWNERS.held(stale)))
        current_write = session.execute(release.where(OWNERS.held(current)))
        session.commit()

    assert (stale_write.rowcount, current_write.rowcount) == (0, 1)


def test_claims_follow_the_order_asked_for_and_stop_at_the_limit(engine):
    _owners(engine, "a@acme.com", "b@acme.com", "c@acme.com")

    leases = _claim(engine, NOW, limit=2, among=["c@acme.com", "a@acme.com", "b@acme.com"])

    assert [lease.key for lease in leases] == ["c@acme.com", "a@acme.com"]


def test_the_attempt_is_counted_when_the_row_is_claimed(engine, db_session):
    db_session.add(
        Escalation(
            asker_slack_id="U1",
            asker_name="Ana",
            mailbox_ref="1",
            reason="unknown",
            reason_title="Unknown",
            status="queued",
            run_at=NOW,
        )  # fmt: skip
    )
    db_session.commit()
    queue = LeasedTable(Escalation.id, Escalation.lease_token, Escalation.locked_until, Escalation.attempts)

    with Session(engine) as session:
        begin_write(session)
        [lease] = queue.claim(session, due=Escalation.run_at <= NOW, now=NOW, lease=LEASE, limit=1)
        session.commit()

    with Session(engine) as session:
        attempts = session.execute(select(Escalation.attempts).where(Escalation.id == lease.key)).scalar_one()
    assert attempts == 1


def test_the_retry_policy_doubles_caps_and_gives_up_at_the_last_attempt():
    policy = RetryPolicy(first=timedelta(seconds=30), cap=timedelta(minutes=5), max_attempts=4)

    waits = [policy.wait(n).total_seconds() for n in (1, 2, 3, 4, 5, 20)]
    tries = [policy.next_try(n, NOW) for n in (1, 3, 4)]

    assert waits == [30, 60, 120, 240, 300, 300]
    assert [retry.gave_up for retry in tries] == [False, False, True]
    assert tries[0].run_at == NOW + timedelta(seconds=30)
    assert RetryPolicy(timedelta(seconds=1), timedelta(seconds=8)).next_try(1000, NOW).gave_up is False
