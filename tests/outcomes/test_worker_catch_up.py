"""The worker catches the outcomes ledger up every few seconds, so a report read finds nothing to apply;
with the worker down, a report catches up itself, a bounded number of batches per read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from mailbox_assistant.db import make_session_factory
from mailbox_assistant.outcomes import ledger
from mailbox_assistant.outcomes.report import outcomes_report
from tests.outcomes.test_ledger import ledger_rows, record_statements, rollup_sums, row_sums
from worker.jobs import build_jobs
from worker.outcomes import INTERVAL, LedgerCatchUp, build_ledger_job

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
PERIOD = (START - timedelta(days=1), START + timedelta(days=1))


class Clock:
    """The job's clock: now, moved by the test."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def seed(fleet, prefix: str = "rep") -> None:
    """A disconnection told by a DM, reconnected; another escalated, still open."""
    told, stuck = fleet.mailbox(f"{prefix}-told@acme.com"), fleet.mailbox(f"{prefix}-stuck@acme.com")
    fleet.notify(told, fleet.disconnect(told, START), START + 3 * MINUTE)
    fleet.reconnect(told, START + 20 * MINUTE)
    fleet.disconnect(stuck, START)
    fleet.escalate(stuck, START + MINUTE)


def writes(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_the_job_catches_the_ledger_up_and_a_report_then_applies_nothing(fleet, engine):
    seed(fleet)
    job = LedgerCatchUp(make_session_factory(engine), clock=Clock())

    assert job.run_once() == 3 + 2  # two disconnections and a reconnection; the DM and the case
    assert len(ledger_rows(engine)) == 2 and rollup_sums(engine) == row_sums(engine)

    statements = record_statements(engine)
    with make_session_factory(engine)() as session:
        report = outcomes_report(session, *PERIOD)
    event.remove(engine, "before_cursor_execute", statements.listener)
    assert (report.totals.disconnections, report.totals.escalated, report.totals.notified) == (2, 1, 1)
    assert writes(statements) == [] and len(statements) <= 8  # the checks and the report's two reads


def test_the_job_runs_every_few_seconds(fleet, engine):
    clock = Clock()
    job = LedgerCatchUp(make_session_factory(engine), clock=clock)
    seed(fleet)
    assert job.run_once() > 0
    seed(fleet, prefix="later")

    statements = record_statements(engine)
    assert job.run_once() == 0  # not yet: nothing is read
    event.remove(engine, "before_cursor_execute", statements.listener)
    assert statements == []

    clock.now += INTERVAL
    assert job.run_once() == 5
    assert len(ledger_rows(engine)) == 4


def test_the_worker_runs_the_job(settings):
    assert "outcomes-ledger" in [job.name for job in build_jobs(settings)]
    assert build_ledger_job(settings).name == "outcomes-ledger"


def test_a_report_with_the_worker_down_catches_up_a_bounded_number_of_batches(fleet, engine):
    seed(fleet)
    sessions = make_session_factory(engine)

    with sessions() as session:
        # the case and the DM, the first mailbox's disconnection and reconnection: the other's is left
        assert ledger.catch_up(session, batch_size=2, max_batches=1) == 2 + 2
    assert len(ledger_rows(engine)) == 1
    with sessions() as session:  # the next read goes on where it stopped
        assert ledger.catch_up(session, batch_size=2, max_batches=1) == 1
    assert len(ledger_rows(engine)) == 2

    with sessions() as session:
        report = outcomes_report(session, *PERIOD)
    assert (report.totals.reconnected, report.totals.notified, report.totals.escalated) == (1, 1, 1)
    assert rollup_sums(engine) == row_sums(engine)
