"""Bot fixtures: a Slack Web API stand-in, the real status API on loopback, signed Slack requests."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine

from bot.app import create_bolt_app
from bot.dedupe import EventDedupe
from bot.http import create_app as create_bot_http_app
from mailbox_assistant.conversations.transcript import ConversationLog
from mailbox_assistant.settings import Settings, load_settings
from mailbox_assistant.slack.client import create_web_client
from tests.fakes.slack import TEAM_ID, FakeSlack

SIGNING_SECRET = "test-signing-secret"
ADMIN_ID = "U_ADMIN"


@pytest.fixture(autouse=True)
def _no_slack_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_API_URL",
        "ADMIN_SLACK_IDS",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """Slack's Web API on a loopback port, with Ana, Bo, an admin and a bot as users."""
    fake = FakeSlack().start()
    fake.add_user("U_ANA", "ana@acme.com", name="Ana")
    fake.add_user("U_BO", "bo@acme.com", name="Bo")
    fake.add_user(ADMIN_ID, "admin@acme.com", name="Admin")
    fake.add_user("U_NOMAIL", None, name="No Mail")
    fake.add_user("U_OTHERBOT", None, is_bot=True, name="Other bot")
    yield fake
    fake.stop()


@pytest.fixture
def bot_settings(
    database_url: str, live_api: str, api_keys: dict[str, str], fake_slack: FakeSlack
) -> Settings:
    """Settings for a bot talking to the stand-in Slack and the live status API."""
    return load_settings(
        database_url=database_url,
        status_api_url=live_api,
        status_api_key=api_keys["read"],
        status_api_timeout_seconds=10.0,  # a loaded test machine is slow; timeouts are tested apart
        slack_bot_token="xoxb-test",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.base_url,
        admin_slack_ids=ADMIN_ID,
        public_url="https://mailbox.example",
    )


@pytest.fixture
def bot_http(bot_settings: Settings, engine: Engine, fake_slack: FakeSlack) -> Iterator[Flask]:
    """The bot's HTTP-mode Flask app (the one gunicorn serves). When the test ends, the answers still
    running finish first: the transcript is written after the reply is posted, and a turn recorded
    after the next test emptied the tables would be an earlier answer there (follow-ups read it)."""
    bolt_app = create_bolt_app(
        bot_settings, create_web_client(bot_settings), dedupe=EventDedupe(engine), engine=engine
    )
    yield create_bot_http_app(bot_settings, bolt_app=bolt_app)
    bolt_app.listener_runner.listener_executor.shutdown(wait=True)


class SlackSender:
    """Builds Slack's requests, signs them like Slack does, and posts them to `/slack/events`."""

    def __init__(self, client: FlaskClient, fake: FakeSlack, secret: str = SIGNING_SECRET) -> None:
        self.client = client
        self.fake = fake
        self.verifier = SignatureVerifier(secret)
        self._events = 0
        self._triggers = itertools.count(1)
        self.last_request: dict[str, Any] | None = None

    def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        **headers,
    ):
        """POST a raw body with Slack's signature headers."""
        timestamp = int(time.time()) if timestamp is None else timestamp
        signed = signature or self.verifier.generate_signature(timestamp=str(timestamp), body=body)
        self.last_request = {
            "data": body,
            "content_type": content_type,
            "headers": {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signed, **headers},
        }
        return self.client.post("/slack/events", **self.last_request)

    def replay_last(self):
        """POST the last request again, byte for byte (what someone who captured it could do)."""
        assert self.last_request is not None, "nothing was sent yet"
        return self.client.post("/slack/events", **self.last_request)

    def trigger_id(self) -> str:
        """A trigger id no earlier request carried, as Slack gives each command and interaction."""
        return f"{next(self._triggers)}.{int(time.time())}.trigger"

    def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None, **kw
    ):
        """Deliver an Events API callback (a retry carries X-Slack-Retry-Num)."""
        self._events += 1
        body = {
            "token": "legacy",
            "team_id": TEAM_ID,
            "api_app_id": "A0APP",
            "type": "event_callback",
            "event_id": event_id or f"Ev{self._events:06d}",
            "event_time": int(time.time()),
            "event": {"event_ts": f"{time.time():.6f}", **event},
        }
        headers = (
            {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"} if retry_num else {}
        )
        return self.post(json.dumps(body), "application/json", **headers, **kw)

    def dm(self, user: str, text: str, **kw):
        """A direct message from `user` to the bot."""
        event = {"type": "message", "channel_type": "im", "channel": "D" + user, "user": user, "text": text}
        return self.event({**event, "ts": f"{time.time():.6f}"}, **kw)

    def mention(self, user: str, text: str, channel: str = "C_GENERAL", **kw):
        """An @mention of the bot in a channel."""
        ts = f"{time.time():.6f}"
        return self.event(
            {"type": "app_mention", "channel": channel, "user": user, "text": f"<@U0BOT> {text}", "ts": ts},
            **kw,
        )

    def command(self, user: str, text: str = ""):
        """The `/mailbox` slash command."""
        form = {
            "command": "/mailbox",
            "text": text,
            "user_id": user,
            "team_id": TEAM_ID,
            "channel_id": "C_GENERAL",
            "response_url": self.fake.response_url("command"),
            "trigger_id": self.trigger_id(),
        }
        return self.post(urlencode(form), "application/x-www-form-urlencoded")

    def interaction(self, payload: dict[str, Any]):
        """An interactivity payload (form field `payload`), with a trigger id of its own."""
        payload = {
            "team": {"id": TEAM_ID},
            "api_app_id": "A0APP",
            "token": "legacy",
            **payload,
            "trigger_id": self.trigger_id(),
        }
        return self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    def click(
        self, user: str, button: dict[str, Any], *, message: dict[str, Any] | None = None, home: bool = False
    ):
        """A click on `button` (as found in a reply's blocks)."""
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user},
            "actions": [{"type": "button", "block_id": "b", "action_ts": "1", **button}],
        }
        if home:
            payload["container"] = {"type": "view", "view_id": "V1"}
            payload["view"] = {"id": "V1", "type": "home"}
        else:
            payload["container"] = {"type": "message", "channel_id": "D" + user, "message_ts": "1.0"}
            payload["channel"] = {"id": "D" + user}
            payload["response_url"] = self.fake.response_url("action")
            if message is not None:
                payload["message"] = message
        return self.interaction(payload)


@pytest.fixture
def slack(bot_http: Flask, fake_slack: FakeSlack) -> SlackSender:
    """Posts signed Slack requests to the bot."""
    return SlackSender(bot_http.test_client(), fake_slack)


@pytest.fixture
def seed(client: FlaskClient, api_keys: dict[str, str]) -> Callable[..., dict[str, Any]]:
    """Create a mailbox through the real status API, optionally disconnected with a raw provider error."""
    write = {"Authorization": f"Bearer {api_keys['write']}"}

    def create(
        email: str,
        owner_email: str | None = None,
        provider: str = "google",
        error: str | None = None,
        reconnected: bool = False,
        occurred_at: str | None = None,
    ) -> dict[str, Any]:
        body = {"email": email, "provider": provider, "owner_email": owner_email or email}
        mailbox = client.post("/api/v1/mailboxes", json=body, headers=write).json
        if error:
            event = {
                "type": "disconnected",
                "error": error,
                **({"occurred_at": occurred_at} if occurred_at else {}),
            }
            response = client.post(f"/api/v1/mailboxes/{mailbox['id']}/events", json=event, headers=write)
            assert response.status_code == 201, response.json
        if reconnected:
            response = client.post(
                f"/api/v1/mailboxes/{mailbox['id']}/events", json={"type": "reconnected"}, headers=write
            )
            assert response.status_code == 201, response.json
        return client.get(f"/api/v1/mailboxes/{mailbox['id']}", headers=write).json

    return create


def wait_for_turns(engine: Engine, user_id: str, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
    """The transcript of `user_id` once it has at least `count` turns: the bot records it after the reply
    is posted, so a test that acts on the reply at once (as no person can) waits for it first."""
    log = ConversationLog(engine)
    deadline = time.monotonic() + timeout
    while len(turns := log.recent(user_id)) < count:
        assert time.monotonic() < deadline, f"{user_id} has {len(turns)} turns, not {count}"
        time.sleep(0.01)
    return turns
