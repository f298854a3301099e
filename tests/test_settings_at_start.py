"""Every process checks the settings it needs when it starts: one line names what is missing."""

from __future__ import annotations

import pytest

import api
from bot import http
from mailbox_assistant.cli import main
from mailbox_assistant.settings import ConfigError, get_settings

OAUTH_WITHOUT_SECRET_KEY = {
    "GOOGLE_CLIENT_ID": "client.apps.googleusercontent.com",
    "GOOGLE_CLIENT_SECRET": "GOCSPX-secret",
    "TOKEN_ENCRYPTION_KEY": "5Z6HqWk2JdbfK1XR2rXcs5tXUvb4MGsp6vSEzFvWzxI=",
}


@pytest.fixture
def environment(monkeypatch, tmp_path):
    """A clean environment in an empty directory (no .env), with the database in it."""
    monkeypatch.chdir(tmp_path)
    for name in (
        "SECRET_KEY",
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "STATUS_API_KEY",
        "SLACK_APP_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/db.sqlite")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_the_api_with_oauth_reconnects_does_not_start_without_secret_key(environment):
    for name, value in OAUTH_WITHOUT_SECRET_KEY.items():
        environment.setenv(name, value)

    with pytest.raises(ConfigError, match="SECRET_KEY"):
        api.create_app()


def test_the_api_starts_without_secret_key_when_nothing_reconnects_through_it(environment):
    assert api.create_app().name == "api"


def test_the_bot_under_gunicorn_names_the_missing_status_api_key(environment):
    environment.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    environment.setenv("SLACK_SIGNING_SECRET", "signing")

    with pytest.raises(ConfigError, match="STATUS_API_KEY"):
        http.create_app()


def test_the_worker_command_stops_with_one_line_naming_the_setting(environment, capsys):
    environment.setenv("STATUS_API_KEY", "mba_test")

    code = main(["worker", "--once"])

    assert code == 2
    assert capsys.readouterr().err.strip() == "mailbox-assistant: missing required setting SLACK_BOT_TOKEN"
