"""`mailbox-assistant demo`: seeded SQLite, the real status API in-process, answers as readable text."""

from __future__ import annotations

import io

import pytest

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


def test_a_follow_up_gets_the_short_answer_in_the_demo_too(capsys):
    out = run(capsys, "--ask", "why did my mailbox disconnect?", "--ask", "still broken")

    first, follow_up = out.split("ana@acme.com> still broken")
    assert "What to do" in first and "What to do" not in follow_up
    assert "ana@acme.com is still disconnected, since" in follow_up
    assert "Nothing has changed since my last answer" in follow_up


def test_asking_for_a_human_opens_a_case_in_the_demo_database(capsys):
    out = run(capsys, "--ask", "can I talk to a human?", "--ask", "please, a human")

    assert "Support has your case #1 about ana@acme.com" in out
    assert "You already have an open support case #1" in out


def test_off_topic_and_other_languages_in_the_demo(capsys):
    assert "I only help with mailbox connections" in run(capsys, "--ask", "can you write me a cold email?")
    spanish = run(capsys, "--ask", "¿por qué se desconectó mi buzón?")
    assert spanish.splitlines()[0].strip() == "Te explico los detalles en inglés a continuación."


def test_an_admin_names_people_in_the_demo(capsys):
    admin = ("--as", "jo@acme.com", "--admin", "--ask")
    named = run(capsys, *admin, "what's wrong with Frank Moreau's mailbox?")
    ambiguous = run(capsys, *admin, "what about frank?")
    by_first_name = run(capsys, *admin, "why is carla's inbox down?")
    refused = run(capsys, "--as", "jo@acme.com", "--ask", "what's wrong with frank's mailbox?")

    assert "Here is what I see for Frank Moreau (frank@acme.com)" in named
    assert knowledge.get_reason("account_suspended").title in named
    assert "I found 2 people named frank, which one?" in ambiguous and "Frank Silva" in ambiguous
    assert "Here is what I see for Carla Dias (carla@acme.com)" in by_first_name
    assert "I can only show you your own mailboxes" in refused and "frank@acme.com" not in refused


def test_chat_admin_toggle_takes_the_same_path(capsys, monkeypatch):
    script = "/as jo@acme.com\nwhat about frank?\n/admin\nwhat about Frank Moreau?\n"

    out = run(capsys, stdin=script, monkeypatch=monkeypatch)

    assert "I can only show you your own mailboxes" in out
    assert "Here is what I see for Frank Moreau (frank@acme.com)" in out


def test_asking_as_something_that_is_not_an_email_is_a_clear_error(capsys, monkeypatch):
    with pytest.raises(SystemExit) as exited:
        main(["demo", "--as", "ana", "--ask", "hi"])
    assert exited.value.code == 2
    assert "not an email address: 'ana'" in capsys.readouterr().err

    out = run(capsys, stdin="/as bruno\nwhy did my mailbox disconnect?\n", monkeypatch=monkeypatch)
    assert "not an email address: 'bruno'" in out
    assert "ana@acme.com" in out and "status service" not in out  # still asking as the default user
