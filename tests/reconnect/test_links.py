"""Signed reconnect links: what the bot hands out, and what the page does with tampered, expired,
replayed and out-of-date links."""

from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner

from api.web import dispose_database
from mailbox_assistant.mailboxes import store
from mailbox_assistant.reconnect.destination import reconnect_url
from mailbox_assistant.reconnect.links import LinkInvalid, make_link_token, read_link_token, reconnect_link
from tests.reconnect.conftest import bot_view


def link_path(url: str) -> str:
    return url.removeprefix("http://reconnect.test")


def test_bot_link_for_an_oauth_mailbox_is_signed_and_bound_to_the_disconnection(seed, oauth_settings):
    mailbox = seed()

    url = reconnect_url(bot_view(mailbox), oauth_settings)

    assert url.startswith("http://reconnect.test/reconnect/")
    claim = read_link_token(oauth_settings, url.rsplit("/", 1)[1])
    assert claim.mailbox_id == mailbox.id
    assert claim.matches(mailbox.disconnected_at)


def test_bot_link_uses_the_template_when_the_provider_has_no_oauth_app(seed, make_settings):
    settings = make_settings(reconnect_url_template="https://app.example/settings/mailboxes?email={email}")
    imap = seed("rep@smallisp.net", provider="imap")

    assert (
        reconnect_url(bot_view(imap), settings)
        == "https://app.example/settings/mailboxes?email=rep@smallisp.net"
    )


def test_bot_link_without_oauth_or_template_is_a_page_that_reveals_nothing(seed, make_settings, oauth_app):
    settings = make_settings(google_client_id=None)
    mailbox = seed()

    url = reconnect_url(bot_view(mailbox), settings)
    response = oauth_app.test_client().get(link_path(url))

    assert url == f"http://reconnect.test/reconnect/{mailbox.id}"
    assert response.status_code == 200
    assert "mailbox settings" in response.text and "rep@acme.com" not in response.text


def test_valid_link_shows_mailbox_reason_and_what_will_happen(seed, oauth_app, oauth_settings):
    mailbox = seed()

    response = oauth_app.test_client().get(link_path(reconnect_url(bot_view(mailbox), oauth_settings)))

    assert response.status_code == 200
    assert "Reconnect rep@acme.com" in response.text
    assert "sign-in token expired" in response.text  # the knowledge base's title of token_expired
    assert "Continue to Google" in response.text and '<form method="post"' in response.text


@pytest.mark.parametrize("part", ["payload", "timestamp", "signature", "truncated"])
def test_tampered_link_is_refused(seed, oauth_app, oauth_settings, part):
    mailbox = seed()
    payload, timestamp, signature = make_link_token(
        oauth_settings, mailbox.id, mailbox.disconnected_at
    ).split(".")
    flip = {"A": "B"}.get
    tampered = {
        "payload": f"{payload[:-4]}{flip(payload[-4], 'A')}{payload[-3:]}.{timestamp}.{signature}",
        "timestamp": f"{payload}.{timestamp[:-2]}{flip(timestamp[-2], 'A')}{timestamp[-1]}.{signature}",
        # not the last character: its low bits are base64 padding, which decoders ignore
        "signature": f"{payload}.{timestamp}.{signature[:5]}{flip(signature[5], 'A')}{signature[6:]}",
        "truncated": f"{payload}.{timestamp}.{signature[:-6]}",
    }[part]

    response = oauth_app.test_client().get(f"/reconnect/{tampered}")

    assert response.status_code == 400
    assert "This link is not valid" in response.text


def test_link_signed_with_another_secret_is_refused(seed, oauth_settings, make_settings):
    mailbox = seed()
    other = make_settings(secret_key="another-secret")
    token = make_link_token(other, mailbox.id, mailbox.disconnected_at)

    with pytest.raises(LinkInvalid):
        read_link_token(oauth_settings, token)


def test_expired_link_says_so_and_how_to_get_a_new_one(seed, oauth_app, oauth_settings, monkeypatch):
    mailbox = seed()
    issued = int(time.time()) - 25 * 3600  # RECONNECT_LINK_HOURS defaults to 24
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: issued)
        url = reconnect_link(oauth_settings, mailbox.id, mailbox.disconnected_at)

    response = oauth_app.test_client().get(link_path(url))

    assert response.status_code == 410
    assert "This link has expired" in response.text and "Slack" in response.text


def test_link_hours_are_configurable(seed, make_settings):
    mailbox = seed()
    short = make_settings(reconnect_link_hours=1)
    issued = int(time.time()) - 2 * 3600
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: issued)
        token = make_link_token(short, mailbox.id, mailbox.disconnected_at)

    assert read_link_token(make_settings(), token).mailbox_id == mailbox.id  # 24 h: still fine
    with pytest.raises(Exception, match="expired"):
        read_link_token(short, token)


def test_link_stops_working_once_the_mailbox_is_reconnected(seed, oauth_app, oauth_settings, sessions):
    mailbox = seed()
    url = reconnect_url(bot_view(mailbox), oauth_settings)
    with sessions() as session:
        store.record_event(session, mailbox.id, "reconnected")
        session.commit()

    response = oauth_app.test_client().get(link_path(url))
    start = oauth_app.test_client().post(link_path(url))

    assert response.status_code == 409 and "Already connected" in response.text
    assert start.status_code == 409  # cannot start a flow either


def test_link_of_an_earlier_disconnection_is_out_of_date(seed, oauth_app, oauth_settings, sessions):
    mailbox = seed()
    old_url = reconnect_url(bot_view(mailbox), oauth_settings)
    with sessions() as session:
        store.record_event(session, mailbox.id, "reconnected")
        session.commit()
        store.record_event(session, mailbox.id, "disconnected", error="AADSTS50173 password changed")
        session.commit()
    fresh = seed()  # same mailbox, disconnected again

    old = oauth_app.test_client().get(link_path(old_url))
    new = oauth_app.test_client().get(link_path(reconnect_url(bot_view(fresh), oauth_settings)))

    assert old.status_code == 410 and "out of date" in old.text
    assert new.status_code == 200


def test_link_of_an_unknown_mailbox_is_refused(oauth_app, oauth_settings):
    token = make_link_token(oauth_settings, 987654, None)

    assert oauth_app.test_client().get(f"/reconnect/{token}").status_code == 404


def test_reconnect_pages_carry_strict_security_headers(seed, oauth_app, oauth_settings, google):
    url = reconnect_url(bot_view(seed()), oauth_settings)

    response = oauth_app.test_client().get(link_path(url))

    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert f"form-action 'self' {google.base_url}" in csp or google.base_url in csp
    assert "script-src" not in csp  # no script is allowed at all
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert '<meta name="viewport"' in response.text and '<html lang="en">' in response.text


def test_flow_cookie_is_secure_and_host_only_when_public_url_is_https(seed, make_settings):
    from api import create_app

    settings = make_settings(public_url="https://mailbox.example")
    app = create_app(settings)
    mailbox = seed()
    token = make_link_token(settings, mailbox.id, mailbox.disconnected_at)

    response = app.test_client().post(f"/reconnect/{token}", base_url="https://mailbox.example")
    dispose_database(app)

    cookie = response.headers["Set-Cookie"]
    assert response.status_code == 303
    assert cookie.startswith("__Host-mba_flow=") and "Secure" in cookie and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie and "Path=/" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_link_on_a_server_without_secret_key_gets_a_page_not_a_500(client):
    # The status API's default settings carry no SECRET_KEY: it makes no signed links at all.
    response = client.get("/reconnect/some-token-we-never-made")

    assert response.status_code == 404
    assert "This link is not valid" in response.get_data(as_text=True)
    assert client.post("/reconnect/some-token-we-never-made").status_code == 404
