"""Worker fixtures: the Slack stand-in with DM history, the real status API on loopback, an injectable
clock, and proactive-DM workers built like the worker command builds them (one per call = a restart)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import Engine

from mailbox_assistant.db import make_engine, make_session_factory
from mailbox_assistant.mailboxes.client import StatusClient
from mailbox_assistant.notices.delivery import DeliveryJob, DeliveryPolicy
from mailbox_assistant.notices.feed import FeedConsumer
from mailbox_assistant.notices.outbox import Outbox, SendPacer
from mailbox_assistant.notices.reminders import ReminderJob
from mailbox_assistant.notices.rules import Rules
from mailbox_assistant.orm import utcnow
from mailbox_assistant.reconnect.destination import reconnect_url
from mailbox_assistant.settings import Settings, load_settings
from mailbox_assistant.slack.client import create_web_client
from tests.fakes.slack_workspace import SlackWorkspace


class FakeClock:
    """Real time plus an offset the test moves forward (leases, backoff, reminders, pacing)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, **kwargs: float) -> None:
        """Move time forward, e.g. advance(hours=25)."""
        self.offset += timedelta(**kwargs)


@dataclass
class Worker:
    """One worker's proactive-DM jobs with their own engine (as a separate process would have)."""

    feed: FeedConsumer
    delivery: DeliveryJob
    reminders: ReminderJob
    engine: Engine
    clock: FakeClock
    jobs: list[Any] = field(default_factory=list)

    def run_until_idle(self, max_turns: int = 200, tick_seconds: float = 1.0) -> int:
        """Run the jobs in turn until nothing is due; idle turns move the clock `tick_seconds` (the
        per-channel pace) and stop after two in a row. Returns the number of items handled."""
        handled, idle = 0, 0
        for _ in range(max_turns):
            turn = sum(job.run_once() for job in (self.feed, self.delivery, self.reminders))
            handled += turn
            if turn:
                idle = 0
                continue
            idle += 1
            if idle > 2:
                return handled
            self.clock.advance(seconds=tick_seconds)
        raise AssertionError("the worker never went idle")


@pytest.fixture
def slack() -> Iterator[SlackWorkspace]:
    """The Slack stand-in with Ana and Bo (in Slack) and Gus (deactivated)."""
    fake = SlackWorkspace().start()
    fake.add_user("U_ANA", "ana@acme.com", name="Ana")
    fake.add_user("U_BO", "bo@acme.com", name="Bo")
    fake.add_user("U_GUS", "gus@acme.com", name="Gus")
    fake.deactivate("U_GUS")
    yield fake
    fake.stop()


@pytest.fixture
def worker_settings(
    database_url: str, live_api: str, api_keys: dict[str, str], slack: SlackWorkspace
) -> Settings:
    """Settings of a worker talking to the live status API and the Slack stand-in."""
    return load_settings(
        database_url=database_url,
        status_api_url=live_api,
        status_api_key=api_keys["read"],
        slack_bot_token="xoxb-test",
        slack_api_url=slack.base_url,
        public_url="https://mailbox.example",
        incident_threshold=3,
        secret_key=None,
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_worker(worker_settings: Settings, clock: FakeClock) -> Iterator[Callable[..., Worker]]:
    """Build a worker (new job objects and engine: a restart, or a second process)."""
    engines: list[Engine] = []

    def build(concurrency: int = 1, lease_seconds: float = 30.0) -> Worker:
        engine = make_engine(worker_settings.database_url)
        engines.append(engine)
        sessions = make_session_factory(engine)
        rules = Rules.from_settings(worker_settings)
        key = worker_settings.status_api_key.get_secret_value()  # type: ignore[union-attr]
        status = StatusClient(worker_settings.status_api_url, key, timeout=5.0)
        delivery = DeliveryJob(
            Outbox(sessions, timedelta(seconds=lease_seconds), clock),
            create_web_client(worker_settings),
            status,
            SendPacer(sessions, 1000.0, clock),
            lambda mailbox: reconnect_url(mailbox, worker_settings),
            DeliveryPolicy(concurrency=concurrency),
            clock,
            sleep=lambda _seconds: None,
        )
        feed = FeedConsumer(sessions, status, rules, 50, clock)
        return Worker(feed, delivery, ReminderJob(sessions, rules, clock), engine, clock)

    yield build
    for engine in engines:
        engine.dispose()


class StatusApi:
    """The sync service's side: registers mailboxes and records their events over HTTP."""

    def __init__(self, base_url: str, write_key: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {write_key}"

    def mailbox(self, email: str, owner: str, provider: str = "google") -> int:
        response = self.session.post(
            f"{self.base_url}/api/v1/mailboxes",
            json={"email": email, "provider": provider, "owner_email": owner},
        )
        assert response.status_code in (200, 201), response.text
        return response.json()["id"]

    def event(
        self, mailbox_id: int, type: str, error: str | None = None, occurred_at: datetime | None = None
    ):
        body: dict[str, Any] = {"type": type}
        if error:
            body["error"] = error
        if occurred_at:
            body["occurred_at"] = occurred_at.isoformat()
        response = self.session.post(f"{self.base_url}/api/v1/mailboxes/{mailbox_id}/events", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def disconnect(
        self, mailbox_id: int, error: str = "invalid_grant: Token has been expired or revoked.", **kw
    ):
        return self.event(mailbox_id, "disconnected", error, **kw)

    def reconnect(self, mailbox_id: int, **kw):
        return self.event(mailbox_id, "reconnected", **kw)


@pytest.fixture
def status_api(live_api: str, api_keys: dict[str, str]) -> StatusApi:
    return StatusApi(live_api, api_keys["write"])
