"""What the transcript keeps: no links (a reconnect link is a signed token), no secrets, nothing older
than TRANSCRIPT_RETENTION_DAYS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from mailbox_assistant.conversations.transcript import (
    RETENTION,
    ConversationLog,
    prune_transcripts,
    turns,
    without_links,
)
from mailbox_assistant.reconnect.links import reconnect_link
from mailbox_assistant.settings import ConfigError, load_settings
from tests.bot.conftest import wait_for_turns

START = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def stored_texts(engine: Engine) -> list[str]:
    """Every turn's text as the table holds it."""
    with engine.connect() as connection:
        return list(connection.execute(select(turns.c.text).order_by(turns.c.id)).scalars())


def test_a_reconnect_link_is_stored_as_a_placeholder(engine):
    settings = load_settings(secret_key="test-secret", public_url="https://mailbox.example")
    link = reconnect_link(settings, 7, None)
    log = ConversationLog(engine)

    log.record("U_ANA", "bot", f"ana@acme.com is disconnected. [Reconnect → {link}]")

    assert stored_texts(engine) == ["ana@acme.com is disconnected. [Reconnect → [reconnect link]]"]


def test_a_link_someone_pastes_is_stored_as_its_host(engine):
    log = ConversationLog(engine)
    pasted = "https://login.example.com/callback?code=AbC123secretCode&state=xyz"

    log.record("U_ANA", "user", f"it sent me to <{pasted}|login.example.com/callback?code=AbC123secretCode>")
    log.record("U_ANA", "bot", "See Google's help (https://support.google.com/mail/answer/7126229).")

    assert stored_texts(engine) == [
        "it sent me to [link to login.example.com]",
        "See Google's help ([link to support.google.com]).",
    ]


@pytest.mark.parametrize(
    ("text", "described"),
    [
        ("https://mailbox.example/reconnect/42", "[reconnect link]"),
        ("<https://mailbox.example/reconnect/42>", "[reconnect link]"),
        ("https://app.example.com/settings/mailboxes?email=ana%40acme.com", "[link to app.example.com]"),
        ("<http://[::1|broken>", "[link]"),
        ("<mailto:ana@acme.com|ana@acme.com>", "<mailto:ana@acme.com|ana@acme.com>"),
    ],
)
def test_links_are_described_and_addresses_kept(text, described):
    assert without_links(text) == described


def test_secrets_are_redacted_before_a_turn_is_stored(engine):
    log = ConversationLog(engine)

    log.record_many(
        "U_ANA",
        [("user", "my app password is abcd efgh ijkl mnop"), ("user", "the key mba_" + "x" * 43 + " fails")],
    )

    assert stored_texts(engine) == ["my app password is [redacted]", "the key [redacted] fails"]


def test_turns_older_than_the_retention_are_not_read(engine):
    clock = Clock()
    log = ConversationLog(engine, clock=clock, retention=timedelta(days=30))
    log.record_many("U_ANA", [("user", "why?"), ("bot", "because")], about={"mailboxes": []})

    clock.now = START + timedelta(days=30)
    assert [t["text"] for t in log.recent("U_ANA")] == ["why?", "because"]
    assert log.last_answer("U_ANA") is not None

    clock.now = START + timedelta(days=30, seconds=1)
    assert log.recent("U_ANA") == []
    assert log.last_answer("U_ANA") is None


def test_a_new_turn_forgets_the_persons_expired_turns(engine):
    clock = Clock()
    log = ConversationLog(engine, clock=clock, retention=timedelta(days=30))
    log.record("U_ANA", "user", "an old question")
    log.record("U_BO", "user", "Bo's old question")

    clock.now = START + timedelta(days=31)
    log.record("U_ANA", "user", "a new question")

    assert stored_texts(engine) == ["Bo's old question", "a new question"]


def test_prune_transcripts_deletes_only_expired_turns(engine):
    clock = Clock()
    log = ConversationLog(engine, clock=clock)
    log.record("U_ANA", "user", "an old question")
    clock.now = START + timedelta(days=10)
    log.record("U_BO", "user", "a recent question")

    deleted = prune_transcripts(engine, START + timedelta(days=31), timedelta(days=30))

    assert deleted == 1
    assert stored_texts(engine) == ["a recent question"]
    assert prune_transcripts(engine, START + timedelta(days=31), timedelta(days=30)) == 0


def test_the_retention_is_thirty_days_unless_set():
    assert RETENTION == timedelta(days=30) == timedelta(days=load_settings().transcript_retention_days)
    assert load_settings(transcript_retention_days="7").transcript_retention_days == 7
    with pytest.raises(ConfigError, match="TRANSCRIPT_RETENTION_DAYS"):
        load_settings(transcript_retention_days="0")


def test_the_bots_answer_is_kept_without_its_reconnect_link(slack, fake_slack, seed, engine):
    seed("ana@acme.com", error="invalid_grant: Token has been expired or revoked.")

    slack.dm("U_ANA", "why did my mailbox disconnect? it says <https://accounts.google.com/x?token=AbC123>")

    user, bot = wait_for_turns(engine, "U_ANA", 2)
    assert user["text"] == "why did my mailbox disconnect? it says [link to accounts.google.com]"
    assert "[Reconnect → [reconnect link]]" in bot["text"]
    assert not any("mailbox.example" in text or "AbC123" in text for text in stored_texts(engine))
