"""Operators see undelivered escalations and can retry or close them; the worker runs the outbox."""

from __future__ import annotations

from sqlalchemy.orm import Session

from mailbox_assistant.cli import main
from mailbox_assistant.escalation.outbox import EscalationOutbox
from mailbox_assistant.settings import load_settings
from tests.escalation.conftest import reload
from worker.jobs import build_jobs


def test_list_failed_shows_only_the_failed_cases(make_case, database_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    failed = make_case(mailbox_id=1, status="failed", attempts=5, last_error="email: SMTP 550: rejected")
    make_case(mailbox_id=2)

    assert main(["escalations", "list", "--failed"]) == 0

    out = capsys.readouterr().out
    assert f"#{failed.id}  failed" in out and "SMTP 550" in out and "1 failed escalation(s)" in out
    assert "mailbox_id" not in out and out.count("#") == 1


def test_retry_makes_a_failed_case_due_and_close_lets_a_new_case_open(
    make_case, database_url, monkeypatch, db_session: Session, clock
):
    monkeypatch.setenv("DATABASE_URL", database_url)
    case = make_case(status="failed", attempts=5, run_at=clock.now.replace(year=clock.now.year + 1))

    assert main(["escalations", "retry", str(case.id)]) == 0
    assert main(["escalations", "close", str(case.id)]) == 0
    assert main(["escalations", "close", str(case.id)]) == 1

    row = reload(db_session, case)
    assert row.status == "queued" and row.run_at.year == clock.now.year
    assert row.open_key is None and row.closed_at is not None


def test_the_worker_runs_the_outbox_when_smtp_is_configured(database_url):
    with_smtp = load_settings(database_url=database_url, smtp_url="smtp://127.0.0.1:2525")
    without = load_settings(database_url=database_url, smtp_url=None)

    assert [job.name for job in build_jobs(with_smtp) if isinstance(job, EscalationOutbox)] == ["escalations"]
    assert not [job for job in build_jobs(without) if isinstance(job, EscalationOutbox)]
