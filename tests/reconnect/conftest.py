"""Fixtures of the reconnect tests: loopback Google and Microsoft providers, settings wired to them,
seeded mailboxes, and the API served over real HTTP for the browser."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import create_app
from api.serialize import mailbox_out
from api.web import dispose_database
from mailbox_assistant.mailboxes import store
from mailbox_assistant.mailboxes.models import Event, Mailbox
from mailbox_assistant.mailboxes.status import Mailbox as BotMailbox
from mailbox_assistant.reconnect.crypto import new_key
from mailbox_assistant.reconnect.models import OAuthToken
from mailbox_assistant.settings import Settings, load_settings
from tests.fakes.loopback import LoopbackServer
from tests.fakes.oauth_provider import CLIENT_ID, CLIENT_SECRET, FakeOAuthProvider

REVOKED = '{"error":"invalid_grant","error_description":"Token has been expired or revoked."}'


@pytest.fixture
def google() -> Iterator[FakeOAuthProvider]:
    """A Google-flavoured provider on loopback."""
    provider = FakeOAuthProvider("google").start()
    yield provider
    provider.stop()


@pytest.fixture
def microsoft() -> Iterator[FakeOAuthProvider]:
    """A Microsoft-flavoured provider on loopback (rotates refresh tokens)."""
    provider = FakeOAuthProvider("microsoft").start()
    yield provider
    provider.stop()


@pytest.fixture
def make_settings(
    database_url: str,
    google: FakeOAuthProvider,
    microsoft: FakeOAuthProvider,
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., Settings]:
    """make_settings(**overrides) → settings with both OAuth apps pointing at the loopback providers."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # loopback http, in tests only
    key = new_key()

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "public_url": "http://reconnect.test",
            "secret_key": "test-secret-key",
            "token_encryption_key": key,
            "oauth_timeout_seconds": 5.0,
        }
        for name, fake in (("google", google), ("microsoft", microsoft)):
            values |= {
                f"{name}_client_id": CLIENT_ID,
                f"{name}_client_secret": CLIENT_SECRET,
                f"{name}_authorize_url": f"{fake.base_url}/authorize",
                f"{name}_token_url": f"{fake.base_url}/token",
                f"{name}_jwks_url": fake.jwks_url,
                f"{name}_issuer": fake.issuer_setting,
            }
        return load_settings(**(values | overrides))

    return build


@pytest.fixture
def oauth_settings(make_settings: Callable[..., Settings]) -> Settings:
    """Settings with both providers configured, PUBLIC_URL http://reconnect.test."""
    return make_settings()


@pytest.fixture
def oauth_app(oauth_settings: Settings) -> Iterator[Flask]:
    """The API app over these settings."""
    app = create_app(oauth_settings)
    app.config.update(TESTING=True)
    yield app
    dispose_database(app)


@pytest.fixture
def sessions(oauth_app: Flask) -> Callable[[], Session]:
    """A factory of database sessions of the app."""
    return oauth_app.extensions["database"]["sessions"]


@pytest.fixture
def seed(sessions: Callable[[], Session]) -> Callable[..., Mailbox]:
    """seed(email, provider, error=...) → a mailbox, disconnected with `error` unless error is None."""

    def create(email: str = "rep@acme.com", provider: str = "google", error: str | None = REVOKED) -> Mailbox:
        with sessions() as session:
            mailbox, _ = store.upsert_mailbox(session, email, provider, email)
            session.commit()
            if error is not None:
                store.record_event(session, mailbox.id, "disconnected", error=error)
                session.commit()
            return session.get_one(Mailbox, mailbox.id, populate_existing=True)

    return create


@pytest.fixture
def inspect_db(sessions: Callable[[], Session]) -> Callable[[int], dict[str, Any]]:
    """inspect_db(mailbox_id) → {"mailbox", "events" (types), "token"} as stored now."""

    def read(mailbox_id: int) -> dict[str, Any]:
        with sessions() as session:
            return {
                "mailbox": session.get_one(Mailbox, mailbox_id),
                "events": list(
                    session.execute(
                        select(Event).where(Event.mailbox_id == mailbox_id).order_by(Event.id)
                    ).scalars()
                ),
                "token": session.execute(
                    select(OAuthToken).where(OAuthToken.mailbox_id == mailbox_id)
                ).scalar_one_or_none(),
            }

    return read


def bot_view(mailbox: Mailbox) -> BotMailbox:
    """The mailbox as the bot sees it (through the status API's JSON)."""
    return BotMailbox.from_json(mailbox_out(mailbox).model_dump(mode="json"))


@pytest.fixture
def live_reconnect(make_settings: Callable[..., Settings]) -> Iterator[tuple[str, Flask]]:
    """The API served on a loopback port, with PUBLIC_URL set to that address; yields (url, app)."""
    holder: dict[str, Flask] = {}
    server = LoopbackServer(lambda env, start: holder["app"](env, start), name="live-reconnect")
    app = create_app(make_settings(public_url=server.url))
    holder["app"] = app
    server.start()
    yield server.url, app
    server.stop()
    dispose_database(app)
