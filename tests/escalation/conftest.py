"""Escalation fixtures: a real SMTP server on loopback, a settable clock, case rows, the outbox job;
the bot's Slack stand-in and live status API fixtures are reused from tests/bot."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from mailbox_assistant.escalation.models import Escalation
from mailbox_assistant.escalation.outbox import EscalationOutbox
from mailbox_assistant.escalation.smtp import parse_smtp_url, send_message
from tests.bot.conftest import (  # noqa: F401  (fixtures shared with the bot's tests)
    _no_slack_environment,
    bot_http,
    bot_settings,
    fake_slack,
    seed,
    slack,
)
from tests.escalation.smtp_server import Mailroom, SmtpServer

SUPPORT = "support@example.com"
SENDER = "assistant@mailbox.example"


class Clock:
    """A clock the test moves by hand, so backoff needs no waiting."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        """Move time forward."""
        self.now += delta


@pytest.fixture
def clock() -> Clock:
    """A hand-moved clock starting now."""
    return Clock()


@pytest.fixture
def mailroom() -> Mailroom:
    """What the SMTP server received."""
    return Mailroom()


@pytest.fixture
def smtp(mailroom: Mailroom) -> Iterator[SmtpServer]:
    """A plain SMTP server on a loopback port, running."""
    server = SmtpServer(mailroom).start()
    yield server
    server.stop()


@pytest.fixture
def make_case(db_session: Session, clock: Clock) -> Callable[..., Escalation]:
    """Commit an escalation row as the bot records it (queued, due now)."""

    def create(**overrides: Any) -> Escalation:
        values: dict[str, Any] = {
            "open_key": f"U_ANA|mailbox:{overrides.get('mailbox_id', 7)}",
            "asker_slack_id": "U_ANA",
            "asker_team_id": "T0TEAM",
            "asker_name": "Ana Lima",
            "asker_email": "ana@acme.com",
            "mailbox_ref": "7",
            "mailbox_id": 7,
            "mailbox_email": "ana@acme.com",
            "provider": "google",
            "mailbox_status": "disconnected",
            "reason": "account_suspended",
            "reason_title": "Account suspended",
            "raw_error": "Account disabled: terms of service violation",
            "failed_at": clock.now - timedelta(hours=2),
            "history": [
                {
                    "id": 3,
                    "type": "disconnected",
                    "reason": "account_suspended",
                    "error": "Account disabled",
                    "occurred_at": (clock.now - timedelta(hours=2)).isoformat(),
                }
            ],
            "transcript": [
                {"role": "user", "text": "why did my mailbox disconnect?", "at": clock.now.isoformat()},
                {"role": "bot", "text": "ana@acme.com is disconnected: Account suspended", "at": None},
            ],
            "status": "queued",
            "attempts": 0,
            "run_at": clock.now,
            "created_at": clock.now,
        }
        case = Escalation(**(values | overrides))
        db_session.add(case)
        db_session.commit()
        return case

    return create


@pytest.fixture
def make_outbox(engine: Engine, clock: Clock) -> Callable[..., EscalationOutbox]:
    """The outbox job sending through `smtp_url` (fast timeout), on the test clock."""

    def create(smtp_url: str, **kwargs: Any) -> EscalationOutbox:
        target = parse_smtp_url(smtp_url, timeout=2.0)
        return EscalationOutbox(
            engine,
            send_email=partial(send_message, target),
            support_email=SUPPORT,
            email_from=SENDER,
            clock=clock,
            **({"alert_after": 3} | kwargs),
        )

    return create


def reload(session: Session, case: Escalation) -> Escalation:
    """The case as the database has it now."""
    session.rollback()  # end the read transaction: a new one sees what other connections committed
    session.expire_all()
    fresh = session.get(Escalation, case.id)
    assert fresh is not None
    return fresh
