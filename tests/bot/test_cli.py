"""`mailbox-assistant bot`: a missing setting stops it at start with one line naming it."""

from __future__ import annotations

from mailbox_assistant.cli import main


def test_the_bot_needs_a_status_api_key(capsys, monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")

    assert main(["bot", "--http", "--port", "0"]) == 2
    assert capsys.readouterr().err.strip() == "mailbox-assistant: missing required setting STATUS_API_KEY"


def test_socket_mode_needs_the_bot_and_app_tokens(capsys, monkeypatch):
    assert main(["bot"]) == 2
    assert capsys.readouterr().err.strip() == "mailbox-assistant: missing required setting SLACK_BOT_TOKEN"

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    assert main(["bot"]) == 2
    assert capsys.readouterr().err.strip() == "mailbox-assistant: missing required setting SLACK_APP_TOKEN"


def test_http_mode_needs_the_signing_secret(capsys, monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")

    assert main(["bot", "--http", "--port", "0"]) == 2
    assert (
        capsys.readouterr().err.strip() == "mailbox-assistant: missing required setting SLACK_SIGNING_SECRET"
    )


def test_http_mode_refuses_an_unmigrated_database(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    monkeypatch.setenv("STATUS_API_KEY", "mba_test")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/empty.db")

    assert main(["bot", "--http", "--port", "0"]) == 2
    assert "db upgrade" in capsys.readouterr().err
