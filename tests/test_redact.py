"""Redaction: the secrets people paste or providers echo are hidden, the provider errors support reads
stay readable, and no input makes it slow."""

from __future__ import annotations

import secrets
import time

import pytest
from cryptography.fernet import Fernet

from mailbox_assistant.reconnect.links import reconnect_link
from mailbox_assistant.redact import MARK, redact
from mailbox_assistant.settings import load_settings


def assert_hidden(text: str, secret: str) -> str:
    """Redact `text`; no part of `secret` longer than 4 characters may be left."""
    redacted = redact(text)
    assert redacted is not None and MARK in redacted, redacted
    for part in secret.split():
        assert not any(part[i : i + 5] in redacted for i in range(max(1, len(part) - 4))), redacted
    return redacted


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        ("my password is hunter2 and it still fails", "my password is "),
        ("my password is: hunter2", "my password is: "),
        ("my password is now Hunter22", "my password is now "),
        ("password: hunter2", "password: "),
        ("pwd=hunter2", "pwd="),
        ("the password for gmail is hunter2", "the password for gmail is "),
        ("la contraseña es hunter2", "la contraseña es "),
        ("mi contraseña: hunter2", "mi contraseña: "),
        ("a minha senha é hunter2", "a minha senha é "),
        ("mon mot de passe est hunter2", "mon mot de passe est "),
        ("mon mot de passe c'est hunter2", "mon mot de passe c'est "),
        ("mein Passwort ist hunter2", "mein Passwort ist "),
        ("das Kennwort lautet hunter2", "das Kennwort lautet "),
    ],
)
def test_a_password_said_in_chat_is_redacted_in_each_language(said, kept):
    assert assert_hidden(said, "hunter2").startswith(kept + MARK)


@pytest.mark.parametrize(
    "said",
    [
        "my password is wrong",
        "my password is still not working",
        "the password is the same as before",
        "password: incorrect",
        "la contraseña es incorrecta",
        "a senha é a mesma",
        "le mot de passe est faux",
        "das Passwort ist abgelaufen",
        "535-5.7.8 Username and Password not accepted",
    ],
)
def test_words_that_describe_a_password_are_kept(said):
    assert redact(said) == said


def test_our_status_api_key_is_redacted_and_the_prefix_keys_list_shows_stays():
    key = "mba_" + secrets.token_urlsafe(32)

    redacted = assert_hidden(f"curl -H 'Authorization: {key}' and X-Api-Key {key}", key)

    assert redact(f"key {key[:12]} was revoked") == f"key {key[:12]} was revoked"
    assert redacted.count(MARK) == 2


@pytest.mark.parametrize(
    "secret",
    [
        "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",  # OAuth client secret
        "ya29.a0AfB_byC1d2E3f4G5h6I7j8K9l0",  # access token
        "1//0gLmN3oPqRsTuVwXyZ-abcdefghijk",  # refresh token
        "4/0AX4XfWh1Q2w3e4r5t6y7u8i9o0pAbCd",  # authorization code
        "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",  # API key
    ],
)
def test_google_secrets_are_redacted(secret):
    assert_hidden(f"GOOGLE_CLIENT_SECRET={secret} in my .env", secret)
    assert_hidden(f"the token {secret}, is it fine?", secret)


@pytest.mark.parametrize(
    "secret",
    [
        "EwBwA8l6BAAUO9chh8cJscQLmU+LSWpbnr0vmwwAAQbC2Ut7e3T4JO1SdKqEtRKQP6+bJE1rXRJ/9b9+TzCSIpB6H8i5fA==",
        "EwA4A61DBAAUO9chh8cJscQLmU-LSWpbnr0vmwwAAQbC2Ut7e3T4JO1SdKqEtRKQP6-bJE1rXRJ_9b9-TzCSIpB6H8i5fA",
        "M.C532_BAY.0.U.-Cq2ZyrQqm8yJ9mNCrTp4zq1XqHr3k!xEoZ7Zm5kC*9$abcdef",  # personal refresh token
        "0.AXoA6WgJJ9X2qk" + "Qx7_-.z" * 16,  # work account refresh token
        "abc8Q~Vq0qZ1x2y3z4a5b6c7d8e9f0g1h2i3j4k",  # Entra client secret
    ],
)
def test_microsoft_tokens_and_client_secrets_are_redacted(secret):
    assert_hidden(f"IMAP AUTHENTICATE XOAUTH2 with {secret} failed", secret)


def test_a_fernet_key_and_what_it_encrypts_are_redacted():
    key = Fernet.generate_key()
    token = Fernet(key).encrypt(b"1//0gRefreshToken").decode()

    assert_hidden(f"TOKEN_ENCRYPTION_KEY={key.decode()}", key.decode())
    assert_hidden(f"stored as {key.decode()} and {token}", token)


def test_a_hex_secret_is_redacted_but_a_message_id_of_hex_stays():
    secret = secrets.token_hex(16)

    assert_hidden(f"client secret {secret}", secret)
    assert_hidden(f"SECRET_KEY={secrets.token_hex(32)}", secret)
    assert redact(f"Message-ID: <{secret}@mail.example.com>") == f"Message-ID: <{secret}@mail.example.com>"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("my app password is abcd efgh ijkl mnop", "my app password is "),
        ("app password: abcd efgh ijkl mnop", "app password: "),
        ("APP_PASSWORD=abcd efgh ijkl mnop", "APP_PASSWORD="),
        ("I used the app password (abcd efgh ijkl mnop) today", "I used the app password ("),
        ("I generated an app password abcd efgh ijkl mnop but", "I generated an app password "),
        ("contraseña de aplicación: abcd efgh ijkl mnop", "contraseña de aplicación: "),
        ("a senha de app é abcd efgh ijkl mnop", "a senha de app é "),
        ("mot de passe d'application : abcd efgh ijkl mnop", "mot de passe d'application : "),
        ("App-Passwort lautet abcd efgh ijkl mnop", "App-Passwort lautet "),
        ("I pasted `abcd efgh ijkl mnop` into Outlook", "I pasted `"),
        ("the Apple one is abcd-efgh-ijkl-mnop", "the Apple one is "),
    ],
)
def test_an_app_password_is_redacted_where_it_is_given(given, kept):
    assert assert_hidden(given, "abcd efgh ijkl mnop").startswith(kept + MARK)


def test_an_app_password_in_running_text_is_redacted_when_it_cannot_be_four_words():
    assert redact("I tried qwrt zxcv bnmk lpoi and it fails") == f"I tried {MARK} and it fails"
    # A four-letter word beside one may go with it: which four groups are the password cannot be told.
    assert_hidden("then wxyz kbfr tsdl ughj", "wxyz kbfr tsdl ughj")


@pytest.mark.parametrize(
    "text",
    [
        "what does this mean",
        "that just wont sync here",
        "does smtp work with gmail",
        "I changed my password, what does that mean?",
        "it says 'Your mail will stop'",
    ],
)
def test_four_short_words_are_not_taken_for_an_app_password(text):
    assert redact(text) == text


@pytest.mark.parametrize(
    "secret",
    [
        "xoxb-1234-5678-abcdefghijkl",
        "xoxp-1234-5678-9012-abcdef0123456789",
        "xapp-1-A0APP-1234-abcdef0123",
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbmEifQ.c2lnbmF0dXJlLXZhbHVl",
    ],
)
def test_slack_tokens_api_keys_and_jwts_are_redacted(secret):
    assert_hidden(f"here it is: {secret}", secret)


def test_a_signed_reconnect_link_loses_its_token():
    settings = load_settings(secret_key="test-secret", public_url="https://mailbox.example")
    link = reconnect_link(settings, 7, None)
    token = link.rsplit("/", 1)[1]

    assert redact(f"GET {link}") == f"GET https://mailbox.example/reconnect/{MARK}"
    assert (
        redact("/reconnect/AbCdEfGhIjKlMnOpQr then /reconnect/42") == f"/reconnect/{MARK} then /reconnect/42"
    )
    assert token not in (redact(f"the link {token} expired") or "")


def test_a_private_key_is_redacted_even_when_cut_short():
    key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"

    assert redact(f"key:\n{key}\nthanks") == f"key:\n{MARK}\nthanks"
    assert redact("-----BEGIN PRIVATE KEY-----\nMIIEowIBAAKCAQEA…") == MARK


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ('{"refresh_token": "0gSecretRefresh", "expires_in": 3599}', '{"refresh_token": "'),
        ("Authorization: Bearer opaque-token-value", "Authorization: Bearer "),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: Basic "),
        ("client_secret=s3cr3tv4lue&grant_type", "client_secret="),
        ("imaps://ana:s3cr3tv4lue@imap.example.com", "imaps://ana:"),
    ],
)
def test_a_named_value_is_redacted_and_its_name_kept(text, kept):
    assert redact(text).startswith(kept + MARK)


@pytest.mark.parametrize(
    "text",
    [
        "535-5.7.8 Username and Password not accepted. Learn more at "
        "https://support.google.com/mail/?p=BadCredentials a1-20020a05 - gsmtp",
        "550 5.7.1 Service unavailable; Client host [203.0.113.5] blocked using Spamhaus",
        "AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor "
        "authentication. Trace ID: 4f0c1e8a-7b2d-4c3e-9f1a-2b3c4d5e6f70 Correlation ID: "
        "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d Timestamp: 2024-05-01 09:13:07Z",
        "IMAP [ALERT] Please log in via your web browser: https://support.google.com/mail/accounts/answer/78754",
        "554 5.2.0 STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionQuotaExceeded; "
        "[BeginDiagnosticData]Cannot save changes made to an item to store. 16.55847:D8070000",
        "Message-ID: <CAKm2qDzXh+5oOfbW1jKs0Vx7-3yG=TbX1gnYq8Rq6=yyVw@mail.gmail.com> from ana+x@acme.com",
        "invalid_grant: Token has been expired or revoked. token: expired",
        "disconnected at 2024-05-01T09:13:07.123456+00:00 (request 3c9e2f1a-0b4d-4e8f-a1c2-d3e4f5a6b7c8)",
    ],
)
def test_provider_errors_stay_readable(text):
    assert redact(text) == text


def test_nothing_stays_nothing():
    assert redact(None) is None and redact("") == ""


MEGABYTE = 1_000_000
HOSTILE = {
    "token starts joined by dashes": "eyJ-" * (MEGABYTE // 4),
    "dotted letters": "a." * (MEGABYTE // 2),
    "schemes with a user": "a://b:" * (MEGABYTE // 6),
    "private keys without end": "-----BEGIN RSA PRIVATE KEY-----\n" * (MEGABYTE // 32),
    "password words": "my password for " * (MEGABYTE // 16),
    "names without values": "token: " * (MEGABYTE // 7),
    "hex one short": ("0" * 31 + "g") * (MEGABYTE // 32),
    "four-letter groups": "qwrt " * (MEGABYTE // 5),
    "refresh token starts": "1//" * (MEGABYTE // 3),
    "slack links": "<https://a|" * (MEGABYTE // 11),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_megabyte_of_hostile_input_is_redacted_in_linear_time(name):
    started = time.perf_counter()
    redact(HOSTILE[name])

    # Linear patterns take well under a second here; one that rescans runs took minutes at 100 kB.
    assert time.perf_counter() - started < 10
