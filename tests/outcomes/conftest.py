"""Outcome fixtures: the bot's (signed Slack requests, the Slack stand-in, the live status API), a way to
wait for the votes the bot records after it answers a click, a fleet to seed the report with, and
support's page (its app, sign-in links, a signed-in browser, Slack's OpenID Connect stand-in)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pydantic import SecretStr
from sqlalchemy import Engine, func, insert, select

from api import create_app
from api.web import dispose_database
from bot.follow_up import about_of
from mailbox_assistant.conversations.models import ConversationTurn
from mailbox_assistant.conversations.transcript import ConversationLog
from mailbox_assistant.conversations.types import Reply
from mailbox_assistant.db import make_session_factory
from mailbox_assistant.escalation.models import Escalation
from mailbox_assistant.mailboxes.models import Mailbox
from mailbox_assistant.mailboxes.status import Failure
from mailbox_assistant.mailboxes.status import Mailbox as MailboxStatus
from mailbox_assistant.notices.models import Notification
from mailbox_assistant.notices.outbox import Outbox
from mailbox_assistant.outcomes.feedback import Click
from mailbox_assistant.outcomes.models import FeedbackVote
from mailbox_assistant.outcomes.signin import create_sign_in
from mailbox_assistant.outcomes.votes import FeedbackVotes
from mailbox_assistant.settings import Settings
from tests.bot.conftest import (  # noqa: F401  (fixtures shared with the bot's tests)
    _no_slack_environment,
    bot_http,
    bot_settings,
    fake_slack,
    seed,
    slack,
)
from tests.outcomes.slack_openid import CLIENT_ID, CLIENT_SECRET, FakeSlackOpenId

TOKEN_EXPIRED = "invalid_grant: Token has been expired or revoked."


@pytest.fixture
def votes_of(engine: Engine) -> Callable[..., list[Any]]:
    """votes_of(voter, count=1) → the voter's vote rows once there are `count` (the bot records a vote
    after it has answered the click)."""

    def wait(voter: str, count: int = 1, timeout: float = 5.0, **expected: Any) -> list[Any]:
        deadline = time.monotonic() + timeout
        while True:
            with engine.connect() as connection:
                rows = connection.execute(
                    select(FeedbackVote.__table__)
                    .where(FeedbackVote.voter_slack_id == voter)
                    .order_by(FeedbackVote.id)
                ).all()
            matched = all(getattr(rows[-1], k) == v for k, v in expected.items()) if rows else False
            if len(rows) >= count and (matched or not expected):
                return rows
            assert time.monotonic() < deadline, f"{voter} has votes {rows}, not {count} with {expected}"
            time.sleep(0.01)

    return wait


class Fleet:
    """Mailboxes and their events through the real status API, support cases and votes in the database,
    and the outcomes report read back: the seed data of the report's tests."""

    def __init__(self, client: FlaskClient, keys: dict[str, str], engine: Engine) -> None:
        self.client = client
        self.write = {"Authorization": f"Bearer {keys['write']}"}
        self.read = {"Authorization": f"Bearer {keys['read']}"}
        self.engine = engine

    def mailbox(self, email: str, provider: str = "google") -> int:
        """Register a mailbox (its owner is its address); its id."""
        body = {"email": email, "provider": provider, "owner_email": email}
        response = self.client.post("/api/v1/mailboxes", json=body, headers=self.write)
        assert response.status_code == 201, response.json
        return response.json["id"]

    def event(self, mailbox_id: int, kind: str, at: datetime, error: str | None = None) -> int:
        """Record a `disconnected` / `reconnected` / `error` event that occurred at `at`; its id."""
        body = {"type": kind, "occurred_at": at.isoformat(), **({"error": error} if error else {})}
        response = self.client.post(f"/api/v1/mailboxes/{mailbox_id}/events", json=body, headers=self.write)
        assert response.status_code == 201, response.json
        return response.json["id"]

    def disconnect(self, mailbox_id: int, at: datetime, error: str = TOKEN_EXPIRED) -> int:
        """The mailbox disconnected at `at` (by default: an expired token); the event's id."""
        return self.event(mailbox_id, "disconnected", at, error)

    def reconnect(self, mailbox_id: int, at: datetime) -> None:
        """The mailbox reconnected at `at`."""
        self.event(mailbox_id, "reconnected", at)

    def escalate(self, mailbox_id: int, at: datetime, asker: str = "U_ANA") -> None:
        """A support case about the mailbox, opened at `at` (as the escalation desk writes it)."""
        with self.engine.connect() as connection:
            email, provider = connection.execute(
                select(Mailbox.email, Mailbox.provider).where(Mailbox.id == mailbox_id)
            ).one()
        row = case_row(mailbox_id, at, asker) | {"mailbox_email": email, "provider": provider}
        with self.engine.begin() as connection:
            connection.execute(insert(Escalation.__table__).values(row))

    def vote(
        self, mailbox_id: int, at: datetime, helpful: bool, voter: str = "U_ANA", answer: str = "1.0"
    ) -> None:
        """`voter` answered "Did this help?" under an answer about the mailbox, at `at`."""
        with self.engine.connect() as connection:
            row = connection.execute(select(Mailbox.__table__).where(Mailbox.id == mailbox_id)).one()
        failure = Failure(row.last_failure_reason or "unknown", None, row.last_failure_error, None, 0.9)
        shown = MailboxStatus(
            str(row.id), row.email, row.provider, row.owner_email, row.status, None, failure
        )
        click = Click(voter, helpful, f"D{voter}:{answer}", "answer", str(mailbox_id), failure.reason)
        FeedbackVotes(self.engine, clock=lambda: at).record(click, shown, answer_text="The answer")

    def notify(self, mailbox_id: int, event_id: int, at: datetime | None, kind: str = "disconnected") -> int:
        """A proactive DM about the disconnection `event_id` began, queued as the feed consumer queues it
        and marked sent at `at` by the notice outbox (None: still pending); the notification's id."""
        with self.engine.connect() as connection:
            owner = connection.execute(
                select(Mailbox.owner_email).where(Mailbox.id == mailbox_id)
            ).scalar_one()
        row = {
            "dedupe_key": f"{kind}:{event_id}",
            "kind": kind,
            "mailbox_id": mailbox_id,
            "owner_email": owner,
            "event_id": event_id,
            "status": "pending",
            "run_at": at or datetime.now(UTC),
        }
        with self.engine.begin() as connection:
            notification_id = connection.execute(
                insert(Notification.__table__).values(row).returning(Notification.id)
            ).scalar_one()
        if at is not None:
            outbox = Outbox(make_session_factory(self.engine), timedelta(minutes=5), clock=lambda: at)
            outbox.mark_sent([notification_id], f"D{owner}", f"{at.timestamp():.6f}")
        return notification_id

    def answer(self, mailbox_id: int, at: datetime, asker: str = "U_ANA") -> None:
        """The bot answered `asker` at `at` about the mailbox as the status API has it now (the turns
        the answer path records, with what the answer showed)."""
        response = self.client.get(f"/api/v1/mailboxes/{mailbox_id}", headers=self.read)
        assert response.status_code == 200, response.json
        shown = MailboxStatus.from_json(response.json)
        reply = Reply(text=f"{shown.email} is {shown.status}", mailboxes=(shown,))
        log = ConversationLog(self.engine, clock=lambda: at)
        log.record_many(
            asker, [("user", "why did my mailbox disconnect?"), ("bot", reply.text)], about=about_of(reply)
        )

    def wait_for_answers(self, count: int, timeout: float = 5.0) -> None:
        """Until `count` bot answers about mailboxes are kept (the bot records them after replying)."""
        turns = ConversationTurn.__table__
        deadline = time.monotonic() + timeout
        while True:
            with self.engine.connect() as connection:
                found = connection.execute(
                    select(func.count()).where(turns.c.role == "bot", turns.c.about.is_not(None))
                ).scalar_one()
            if found >= count:
                return
            assert time.monotonic() < deadline, f"{found} answers recorded, not {count}"
            time.sleep(0.01)

    def wait_for_votes(self, count: int) -> None:
        """Until `count` votes are kept (the bot records a vote after it answered the click)."""
        self._wait_for_rows(FeedbackVote.__table__, count)

    def wait_for_escalations(self, count: int) -> None:
        """Until `count` support cases are open (the bot opens them after it acked the click)."""
        self._wait_for_rows(Escalation.__table__, count)

    def _wait_for_rows(self, table: Any, count: int, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            with self.engine.connect() as connection:
                found = connection.execute(select(func.count()).select_from(table)).scalar_one()
            if found >= count:
                return
            assert time.monotonic() < deadline, f"{found} rows in {table.name}, not {count}"
            time.sleep(0.01)

    def report(self, **period: datetime) -> dict[str, Any]:
        """GET /api/v1/reports/outcomes for the period (read key)."""
        query = {name: value.isoformat() for name, value in period.items()}
        response = self.client.get("/api/v1/reports/outcomes", query_string=query, headers=self.read)
        assert response.status_code == 200, response.json
        return response.json


@pytest.fixture
def fleet(client: FlaskClient, api_keys: dict[str, str], engine: Engine) -> Fleet:
    """Seed mailboxes, events, cases and votes; read the report."""
    return Fleet(client, api_keys, engine)


@pytest.fixture
def slack_openid() -> Iterator[FakeSlackOpenId]:
    """Slack's OpenID Connect on a loopback port, signing in U_SUPPORT (sam@acme.com) by default."""
    fake = FakeSlackOpenId().start()
    yield fake
    fake.stop()


@pytest.fixture
def support_settings(settings: Settings, slack_openid: FakeSlackOpenId) -> Settings:
    """Settings with support's page set up: a secret key, Sign in with Slack, who may sign in."""
    return settings.model_copy(
        update={
            "secret_key": SecretStr("support-test-secret-key-32-bytes!!"),
            "public_url": "http://support.test",
            "support_slack_ids": frozenset({"U_SUPPORT"}),
            "admin_slack_ids": frozenset({"U_ADMIN"}),
            "slack_client_id": CLIENT_ID,
            "slack_client_secret": SecretStr(CLIENT_SECRET),
            "slack_openid_authorize_url": slack_openid.authorize_url,
            "slack_openid_token_url": slack_openid.token_url,
            "slack_openid_jwks_url": slack_openid.jwks_url,
        }
    )


@pytest.fixture
def support_app(support_settings: Settings) -> Iterator[Flask]:
    """The status API app (support's page included) with those settings."""
    app = create_app(support_settings)
    app.config.update(TESTING=True)
    yield app
    dispose_database(app)


@pytest.fixture
def support_client(support_app: Flask) -> FlaskClient:
    """A browser on support's page, not signed in."""
    return support_app.test_client()


@pytest.fixture
def sign_in_link(support_app: Flask) -> Callable[[str], str]:
    """sign_in_link(email) → the path of a new single-use sign-in link (as support-link makes it)."""

    def make(email: str = "sam@acme.com") -> str:
        with make_session_factory(support_app.extensions["database"]["engine"])() as session:
            return f"/support/sign-in/{create_sign_in(session, email)}"

    return make


@pytest.fixture
def signed_in(support_client: FlaskClient, sign_in_link: Callable[[str], str]) -> FlaskClient:
    """A browser on support's page, signed in with a sign-in link."""
    response = support_client.post(sign_in_link("sam@acme.com"))
    assert response.status_code == 303, response.get_data(as_text=True)
    return support_client


def case_row(mailbox_id: int, at: datetime, asker: str = "U_ANA") -> dict:
    """An escalations row about the mailbox, opened at `at` by `asker` (sent, as support got it)."""
    return {
        "asker_slack_id": asker,
        "asker_name": asker,
        "mailbox_ref": str(mailbox_id),
        "mailbox_id": mailbox_id,
        "reason": "token_expired",
        "reason_title": "Token expired",
        "history": [],
        "transcript": [],
        "status": "sent",
        "run_at": at,
        "created_at": at,
    }
