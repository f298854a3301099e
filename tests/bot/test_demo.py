"""`mailbox-assistant demo`: seeded SQLite, the real status API in-process, answers as readable text."""

from __future__ import annotations

import io

import knowledge
from mailbox_assistant.cli import main


def run(capsys, *argv: str, stdin: str | None = None, monkeypatch=None) -> str:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert main(["demo", *argv]) == 0
    return capsys.readouterr().out


def test_ask_answers_once_as_a_disconnected_sample_user_by_default(capsys):
    out = run(capsys, "--ask", "why did my mailbox disconnect?")

    assert "ana@acme.com" in out
    assert knowledge.get_reason("token_expired").title in out
    assert "[Reconnect → http" in out and "[Talk to support]" in out and "[Yes, thanks] [No]" in out
    assert "<!date" not in out and ":red_circle:" not in out


def test_every_sample_reason_is_explained(capsys):
    for email, code in [("bruno@acme.com", "password_changed"), ("frank@acme.com", "account_suspended")]:
        out = run(capsys, "--as", email, "--ask", "why did my mailbox disconnect?")
        assert knowledge.get_reason(code).title in out


def test_healthy_user_hears_that_all_is_well(capsys):
    out = run(capsys, "--as", "jo@acme.com", "--ask", "is my mailbox ok?")

    assert "jo@acme.com is connected" in out


def test_chat_lists_sample_identities_and_answers_until_eof(capsys, monkeypatch):
    script = "/as ivy@acme.com\nwhat is wrong with my mailboxes?\nwhy did frank@acme.com disconnect?\n/home\n"

    out = run(capsys, stdin=script, monkeypatch=monkeypatch)

    assert "Sample users" in out and "hugo@acme.com" in out
    assert "ivy.sales@acme.com (Microsoft 365) is disconnected" in out
    assert "I can only show you your own mailboxes" in out
    assert "Your mailboxes" in out
