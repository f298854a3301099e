"""The token monitor: refreshes before expiry, classifies refusals from the provider's own error body,
retries transient failures without disconnecting, warns ahead of Google testing-mode expiry."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import update

from mailbox_assistant.db import begin_write
from mailbox_assistant.orm import utcnow
from mailbox_assistant.reconnect.crypto import cipher_from_settings
from mailbox_assistant.reconnect.models import OAuthToken
from mailbox_assistant.reconnect.monitor import TokenMonitor, backoff, build_token_monitor
from mailbox_assistant.reconnect.store import save_consent
from mailbox_assistant.reconnect.tokens import claim_due, save_refusal
from tests.fakes.oauth_provider import MS_INACTIVE, MS_PASSWORD_CHANGED, MS_TRANSIENT


@pytest.fixture
def connect(seed, sessions, oauth_settings, google, microsoft):
    """connect(email, provider, expires_in) → a connected mailbox with tokens the fake provider knows."""

    def create(email="rep@acme.com", provider="google", expires_in=120, consented_days_ago=0.0):
        fake = google if provider == "google" else microsoft
        mailbox = seed(email, provider=provider, error=None)
        token = {
            "access_token": "at-0",
            "refresh_token": fake.issue_refresh_token(email),
            "expires_in": expires_in,
        }
        with sessions() as session:
            begin_write(session)
            cipher = cipher_from_settings(oauth_settings)
            save_consent(
                session, cipher, mailbox_id=mailbox.id, provider=provider, account_email=email, token=token
            )
            session.commit()
            consented = utcnow() - timedelta(days=consented_days_ago)
            session.execute(
                update(OAuthToken).where(OAuthToken.mailbox_id == mailbox.id).values(consented_at=consented)
            )
            session.commit()
        return mailbox

    return create


@pytest.fixture
def monitor(oauth_settings, sessions):
    return TokenMonitor(oauth_settings, sessions, cipher_from_settings(oauth_settings))


def test_a_token_about_to_expire_is_refreshed(connect, monitor, inspect_db, oauth_settings, google):
    mailbox = connect(expires_in=120)
    refresh_before = cipher_from_settings(oauth_settings).decrypt(
        inspect_db(mailbox.id)["token"].refresh_token_enc
    )

    assert monitor.run_once() == 1

    token = inspect_db(mailbox.id)["token"]
    cipher = cipher_from_settings(oauth_settings)
    assert cipher.decrypt(token.access_token_enc) in google.access_tokens
    assert cipher.decrypt(token.refresh_token_enc) == refresh_before  # Google does not rotate
    assert token.expires_at > utcnow() + timedelta(minutes=50)
    assert google.token_requests[-1]["grant_type"] == "refresh_token"
    assert google.token_requests[-1]["client_secret"]  # Google wants the client credentials in the body


def test_a_rotated_microsoft_refresh_token_is_kept(connect, monitor, inspect_db, oauth_settings, microsoft):
    mailbox = connect("rep@contoso.com", provider="microsoft")
    cipher = cipher_from_settings(oauth_settings)
    old = cipher.decrypt(inspect_db(mailbox.id)["token"].refresh_token_enc)

    monitor.run_once()

    new = cipher.decrypt(inspect_db(mailbox.id)["token"].refresh_token_enc)
    assert new != old and new in microsoft.refresh_tokens and old not in microsoft.refresh_tokens


def test_a_token_far_from_expiry_is_left_alone(connect, monitor, google):
    connect(expires_in=3600)

    assert monitor.run_once() == 0
    assert google.token_requests == []


@pytest.mark.parametrize(
    ("provider", "body", "reason"),
    [
        (
            "google",
            None,
            "token_expired",
        ),  # the fake's real Google body: "Token has been expired or revoked."
        ("microsoft", MS_INACTIVE, "token_expired"),  # AADSTS70008
        ("microsoft", MS_PASSWORD_CHANGED, "password_changed"),  # AADSTS50173
    ],
)
def test_a_refused_refresh_disconnects_with_the_provider_error_classified(
    connect, monitor, inspect_db, google, microsoft, provider, body, reason
):
    email = "rep@acme.com" if provider == "google" else "rep@contoso.com"
    mailbox = connect(email, provider=provider)
    fake = google if provider == "google" else microsoft
    if body is None:
        fake.refresh_tokens.clear()  # revoked
    else:
        fake.fail_next_token(400, body)

    monitor.run_once()

    stored = inspect_db(mailbox.id)
    event = stored["events"][-1]
    assert stored["mailbox"].status == "disconnected" and stored["mailbox"].last_failure_reason == reason
    assert event.type == "disconnected" and event.reason == reason
    assert '"error": "invalid_grant"' in event.error  # the provider's own body, as it sent it
    assert stored["token"].refresh_token_enc is None  # never tried again until a reconnect


@pytest.mark.parametrize(
    "failure",
    [(500, "<html>Internal Server Error</html>"), (503, MS_TRANSIENT), (429, "Too Many Requests"), "timeout"],
)
def test_transient_failures_back_off_and_disconnect_nobody(connect, monitor, inspect_db, google, failure):
    mailbox = connect()
    if failure == "timeout":
        google.delay_next_token(1.0)
        monitor.settings = monitor.settings.model_copy(update={"oauth_timeout_seconds": 0.2})
    else:
        google.fail_next_token(*failure)

    monitor.run_once()

    stored = inspect_db(mailbox.id)
    assert stored["mailbox"].status == "connected"
    assert [e.type for e in stored["events"]] == []
    assert stored["token"].refresh_failures == 1
    assert stored["token"].next_attempt_at > utcnow() + timedelta(seconds=20)
    assert stored["token"].lock_token is None


@pytest.mark.parametrize("error", ["invalid_client", "unauthorized_client"])
def test_a_refused_client_secret_is_our_fault_and_disconnects_nobody(
    connect, monitor, inspect_db, google, caplog, error
):
    mailbox = connect()
    google.fail_next_token(401, {"error": error, "error_description": "The OAuth client was not found."})

    monitor.run_once()

    stored = inspect_db(mailbox.id)
    assert stored["mailbox"].status == "connected" and stored["events"] == []
    assert stored["token"].refresh_failures == 1 and stored["token"].refresh_token_enc is not None
    assert any(r.levelname == "ERROR" and "credentials were refused" in r.message for r in caplog.records)


def test_after_the_backoff_the_refresh_is_retried_and_succeeds(
    connect, oauth_settings, sessions, inspect_db, google
):
    mailbox = connect()
    google.fail_next_token(503, "Service Unavailable")
    now = utcnow()
    clock = {"now": now}
    monitor = TokenMonitor(
        oauth_settings, sessions, cipher_from_settings(oauth_settings), clock=lambda: clock["now"]
    )
    monitor.run_once()

    clock["now"] = now + timedelta(seconds=10)
    monitor._next_turn = 0.0
    assert monitor.run_once() == 0  # still backing off
    clock["now"] = now + backoff(1) + timedelta(seconds=1)
    monitor._next_turn = 0.0
    assert monitor.run_once() == 1

    token = inspect_db(mailbox.id)["token"]
    assert token.refresh_failures == 0 and token.last_error is None


def test_backoff_doubles_and_is_capped():
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(30) == timedelta(minutes=15)


def test_google_testing_mode_warns_once_before_the_refresh_token_dies(
    connect, make_settings, sessions, inspect_db
):
    mailbox = connect(expires_in=3600, consented_days_ago=6)
    settings = make_settings(google_app_testing_mode=True)
    monitor = TokenMonitor(settings, sessions, cipher_from_settings(settings))

    monitor.run_once()
    monitor._next_turn = 0.0
    monitor.run_once()

    stored = inspect_db(mailbox.id)
    warnings = [e for e in stored["events"] if e.type == "error"]
    assert len(warnings) == 1
    assert "expires on" in warnings[0].error and warnings[0].reason == "token_expired"
    assert stored["mailbox"].status == "connected"  # history only


def test_no_warning_when_the_app_is_published(connect, monitor, inspect_db):
    mailbox = connect(expires_in=3600, consented_days_ago=6)

    monitor.run_once()

    assert inspect_db(mailbox.id)["events"] == []


def test_a_claimed_token_is_not_claimed_twice(connect, sessions):
    connect()
    now = utcnow()

    with sessions() as first, sessions() as second:
        claimed = claim_due(first, now, timedelta(minutes=10), timedelta(minutes=2), 10)
        again = claim_due(second, now, timedelta(minutes=10), timedelta(minutes=2), 10)

    assert len(claimed) == 1 and again == []


def test_a_refusal_after_a_reconnect_is_not_recorded(connect, sessions, oauth_settings, inspect_db):
    mailbox = connect()
    with sessions() as session:
        [claim] = claim_due(session, utcnow(), timedelta(minutes=10), timedelta(minutes=2), 10)
    with sessions() as session:  # the user reconnects meanwhile: new consent, claim released
        begin_write(session)
        fresh = {"access_token": "a", "refresh_token": "r"}
        cipher = cipher_from_settings(oauth_settings)
        save_consent(
            session,
            cipher,
            mailbox_id=mailbox.id,
            provider="google",
            account_email="rep@acme.com",
            token=fresh,
        )
        session.commit()

    with sessions() as session:
        recorded = save_refusal(session, claim, '{"error":"invalid_grant"}', utcnow())

    assert recorded is False
    assert inspect_db(mailbox.id)["events"] == [] and inspect_db(mailbox.id)["mailbox"].status == "connected"


def test_concurrent_monitors_refresh_each_token_once(connect, oauth_settings, sessions, google):
    for n in range(6):
        connect(f"rep{n}@acme.com")
    monitors = [TokenMonitor(oauth_settings, sessions, cipher_from_settings(oauth_settings), batch_size=2)
                for _ in range(3)]  # fmt: skip

    def drain(monitor):
        while True:
            monitor._next_turn = 0.0
            if monitor.run_once() == 0:
                return

    threads = [threading.Thread(target=drain, args=(m,)) for m in monitors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    refreshes = [r for r in google.token_requests if r["grant_type"] == "refresh_token"]
    assert len(refreshes) == 6 and len({r["refresh_token"] for r in refreshes}) == 6


def test_the_worker_runs_the_monitor_when_an_oauth_app_is_configured(oauth_settings, make_settings):
    assert build_token_monitor(oauth_settings).name == "token_monitor"
    assert build_token_monitor(make_settings(google_client_id=None, microsoft_client_id=None)) is None
    assert build_token_monitor(make_settings(token_encryption_key=None)) is None
