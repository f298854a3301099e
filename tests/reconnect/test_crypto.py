"""Tokens at rest: unreadable in the database without the key; keys rotate with MultiFernet."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from mailbox_assistant.db import begin_write
from mailbox_assistant.reconnect.crypto import InvalidToken, TokenCipher, cipher_from_settings, new_key
from mailbox_assistant.reconnect.store import save_consent
from mailbox_assistant.settings import ConfigError

TOKEN = {"access_token": "ya29.secret-access", "refresh_token": "1//secret-refresh", "expires_in": 3599}


def store_tokens(sessions, cipher, mailbox_id):
    with sessions() as session:
        begin_write(session)
        save_consent(
            session,
            cipher,
            mailbox_id=mailbox_id,
            provider="google",
            account_email="rep@acme.com",
            token=TOKEN,
        )
        session.commit()


def raw_columns(sessions, mailbox_id):
    with sessions() as session:
        query = text("SELECT access_token_enc, refresh_token_enc FROM oauth_tokens WHERE mailbox_id = :id")
        return session.execute(query, {"id": mailbox_id}).one()


def test_raw_columns_do_not_contain_the_tokens(seed, sessions, oauth_settings):
    mailbox = seed()
    cipher = cipher_from_settings(oauth_settings)

    store_tokens(sessions, cipher, mailbox.id)

    access_enc, refresh_enc = raw_columns(sessions, mailbox.id)
    assert "secret" not in access_enc and "secret" not in refresh_enc
    assert cipher.decrypt(access_enc) == TOKEN["access_token"]
    assert cipher.decrypt(refresh_enc) == TOKEN["refresh_token"]


def test_another_key_cannot_read_them(seed, sessions, oauth_settings):
    mailbox = seed()
    store_tokens(sessions, cipher_from_settings(oauth_settings), mailbox.id)
    _, refresh_enc = raw_columns(sessions, mailbox.id)

    with pytest.raises(InvalidToken):
        TokenCipher([new_key()]).decrypt(refresh_enc)


def test_keys_rotate_newest_first():
    old, new = new_key(), new_key()
    stored = TokenCipher([old]).encrypt("1//refresh")

    during = TokenCipher.from_setting(f"{new}, {old}")
    rotated = during.rotate(stored)

    assert during.decrypt(stored) == "1//refresh"  # old values still readable during rotation
    assert TokenCipher([new]).decrypt(rotated) == "1//refresh"  # the old key can then be dropped
    with pytest.raises(InvalidToken):
        TokenCipher([old]).decrypt(rotated)


def test_new_values_are_encrypted_with_the_newest_key():
    old, new = new_key(), new_key()

    value = TokenCipher([new, old]).encrypt("at")

    assert TokenCipher([new]).decrypt(value) == "at"


@pytest.mark.parametrize("setting", ["", "not-a-fernet-key", " , "])
def test_missing_or_bad_key_is_a_config_error_naming_it(setting):
    with pytest.raises(ConfigError, match="TOKEN_ENCRYPTION_KEY"):
        TokenCipher.from_setting(setting)
