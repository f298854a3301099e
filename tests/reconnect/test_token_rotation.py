"""Key rotation of stored tokens (`mailbox-assistant tokens rotate`), and a token no key opens any more:
reported once, as a disconnection the owner is asked to fix, instead of failing unseen for ever."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from mailbox_assistant.cli import main
from mailbox_assistant.db import begin_write
from mailbox_assistant.reconnect.crypto import TokenCipher, cipher_from_settings, new_key
from mailbox_assistant.reconnect.models import OAuthToken
from mailbox_assistant.reconnect.monitor import UNREADABLE_TOKEN, TokenMonitor
from mailbox_assistant.reconnect.store import save_consent


@pytest.fixture
def store_token(seed, sessions, google):
    """store_token(email, key) → a connected mailbox whose tokens were encrypted with `key`."""

    def create(email: str, key: str, expires_in: int = 120):
        mailbox = seed(email, error=None)
        token = {
            "access_token": "at-0",
            "refresh_token": google.issue_refresh_token(email),
            "expires_in": expires_in,
        }
        with sessions() as session:
            begin_write(session)
            save_consent(session, TokenCipher([key]), mailbox_id=mailbox.id, provider="google",
                         account_email=email, token=token)  # fmt: skip
            session.commit()
        return mailbox

    return create


def stored_tokens(sessions, mailbox_id):
    with sessions() as session:
        row = session.execute(select(OAuthToken).where(OAuthToken.mailbox_id == mailbox_id)).scalar_one()
        return row.access_token_enc, row.refresh_token_enc


@pytest.fixture
def cli_env(database_url, monkeypatch):
    """The CLI reads DATABASE_URL and TOKEN_ENCRYPTION_KEY from the environment."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    return lambda keys: monkeypatch.setenv("TOKEN_ENCRYPTION_KEY", ",".join(keys))


def test_tokens_rotate_re_encrypts_every_token_under_the_newest_key(store_token, sessions, cli_env, capsys):
    old, new = new_key(), new_key()
    mailboxes = [store_token(f"rep{n}@acme.com", old) for n in range(3)]
    plain = [TokenCipher([old]).decrypt(stored_tokens(sessions, m.id)[1]) for m in mailboxes]
    cli_env([new, old])

    assert main(["tokens", "rotate"]) == 0

    only_new = TokenCipher([new])
    assert [only_new.decrypt(stored_tokens(sessions, m.id)[1]) for m in mailboxes] == plain
    assert all(only_new.decrypt(stored_tokens(sessions, m.id)[0]) == "at-0" for m in mailboxes)
    assert "3 mailbox(es)" in capsys.readouterr().out


def test_tokens_rotate_names_the_mailboxes_no_key_opens_and_leaves_them(
    store_token, sessions, cli_env, capsys
):
    lost, old, new = new_key(), new_key(), new_key()
    readable, unreadable = store_token("rep@acme.com", old), store_token("lost@acme.com", lost)
    before = stored_tokens(sessions, unreadable.id)
    cli_env([new, old])

    assert main(["tokens", "rotate"]) == 1

    out = capsys.readouterr().out
    assert f"mailbox ids {unreadable.id}" in out and "1 mailbox(es) have tokens no key" in out
    assert stored_tokens(sessions, unreadable.id) == before
    assert TokenCipher([new]).decrypt(stored_tokens(sessions, readable.id)[1])


def test_tokens_rotate_without_a_key_says_which_setting_is_missing(cli_env, monkeypatch, capsys):
    monkeypatch.delenv("TOKEN_ENCRYPTION_KEY", raising=False)

    assert main(["tokens", "rotate"]) == 2

    assert "TOKEN_ENCRYPTION_KEY" in capsys.readouterr().err


def test_a_token_no_key_opens_is_reported_once_as_a_disconnection(
    store_token, sessions, oauth_settings, inspect_db, caplog
):
    mailbox = store_token("rep@acme.com", new_key())  # written with a key that is no longer configured
    monitor = TokenMonitor(oauth_settings, sessions, cipher_from_settings(oauth_settings))
    caplog.set_level(logging.ERROR, logger="mailbox_assistant.reconnect.monitor")

    first = monitor.run_once()
    monitor._next_turn = 0.0  # the next turn now, not after TOKEN_MONITOR_INTERVAL_SECONDS
    second = monitor.run_once()

    stored = inspect_db(mailbox.id)
    assert (first, second) == (1, 0)  # the second turn finds nothing to claim
    assert [(e.type, e.error) for e in stored["events"]] == [("disconnected", UNREADABLE_TOKEN)]
    assert stored["mailbox"].status == "disconnected"
    assert stored["token"].refresh_token_enc is None and stored["token"].access_token_enc is None
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and f"mailbox {mailbox.id}" in errors[0]
