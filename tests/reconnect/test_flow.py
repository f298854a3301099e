"""The OAuth flow through the Flask test client, with the loopback provider's real HTTP endpoints:
state and PKCE, the account check, provider errors, and what is (or is not) stored."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import requests
from sqlalchemy import update

from mailbox_assistant.orm import utcnow
from mailbox_assistant.reconnect.destination import reconnect_url
from mailbox_assistant.reconnect.models import OAuthState
from tests.fakes.oauth_provider import MS_PASSWORD_CHANGED, FakeOAuthProvider
from tests.reconnect.conftest import bot_view


def start(client, settings, mailbox):
    """Open the link's page, press Continue; returns the provider's authorize URL (303 Location)."""
    path = reconnect_url(bot_view(mailbox), settings).removeprefix(settings.public_url)
    assert client.get(path).status_code == 200
    response = client.post(path)
    assert response.status_code == 303, response.text
    return response.headers["Location"]


def consent(authorize_url: str, account: str = "rep@acme.com", decision: str = "allow") -> str:
    """What the user does at the provider: choose an account, Allow or Deny. Returns the callback path."""
    params = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    assert requests.get(authorize_url, timeout=5).status_code == 200  # the consent page renders
    base = authorize_url.split("?", 1)[0]
    answer = requests.post(
        base, data=params | {"account": account, "decision": decision}, allow_redirects=False
    )
    callback = answer.headers["Location"]
    assert callback.startswith("http://reconnect.test/oauth/")
    return callback.removeprefix("http://reconnect.test")


def test_google_flow_reconnects_the_mailbox_and_stores_tokens_encrypted(
    seed, oauth_app, oauth_settings, google, inspect_db
):
    mailbox = seed()
    client = oauth_app.test_client()

    authorize_url = start(client, oauth_settings, mailbox)
    response = client.get(consent(authorize_url))

    assert response.status_code == 200 and "Mailbox reconnected" in response.text
    stored = inspect_db(mailbox.id)
    assert stored["mailbox"].status == "connected"
    assert [e.type for e in stored["events"]] == ["disconnected", "reconnected"]
    token = stored["token"]
    assert token.provider == "google" and token.account_email == "rep@acme.com"
    assert token.refresh_token_enc and token.access_token_enc and token.expires_at is not None
    assert not any(t in (token.refresh_token_enc + token.access_token_enc) for t in google.refresh_tokens)


def test_google_authorize_request_has_state_pkce_offline_access_and_consent(
    seed, oauth_app, oauth_settings, google
):
    authorize_url = start(oauth_app.test_client(), oauth_settings, seed())
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}

    assert query["response_type"] == "code" and query["client_id"] == "test-client-id"
    assert query["redirect_uri"] == "http://reconnect.test/oauth/google/callback"
    assert len(query["state"]) >= 32
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["access_type"] == "offline" and query["prompt"] == "consent"
    assert query["scope"] == "openid email https://mail.google.com/"


def test_code_exchange_sends_the_stored_verifier(seed, oauth_app, oauth_settings, google):
    client = oauth_app.test_client()

    client.get(consent(start(client, oauth_settings, seed())))

    exchange = google.token_requests[-1]
    assert exchange["grant_type"] == "authorization_code" and len(exchange["code_verifier"]) == 64


def test_microsoft_flow_asks_for_offline_access_and_reconnects(
    seed, oauth_app, oauth_settings, microsoft, inspect_db
):
    mailbox = seed("rep@contoso.com", provider="outlook", error=str(MS_PASSWORD_CHANGED))
    microsoft.accounts = ["rep@contoso.com"]
    client = oauth_app.test_client()

    authorize_url = start(client, oauth_settings, mailbox)
    response = client.get(consent(authorize_url, account="rep@contoso.com"))

    scope = parse_qs(urlsplit(authorize_url).query)["scope"][0].split()
    assert "offline_access" in scope and "https://outlook.office.com/IMAP.AccessAsUser.All" in scope
    assert response.status_code == 200
    assert inspect_db(mailbox.id)["mailbox"].status == "connected"
    assert inspect_db(mailbox.id)["token"].provider == "microsoft"


def test_a_different_account_is_refused_and_nothing_changes(seed, oauth_app, oauth_settings, inspect_db):
    mailbox = seed()
    client = oauth_app.test_client()

    response = client.get(consent(start(client, oauth_settings, mailbox), account="someone.else@acme.com"))

    assert response.status_code == 403
    assert "someone.else@acme.com" in response.text and "rep@acme.com" in response.text
    assert "Nothing was changed" in response.text
    stored = inspect_db(mailbox.id)
    assert stored["mailbox"].status == "disconnected" and stored["token"] is None
    assert [e.type for e in stored["events"]] == ["disconnected"]


def test_the_account_check_ignores_case(seed, oauth_app, oauth_settings, google, inspect_db):
    mailbox = seed()
    google.accounts = ["Rep@ACME.com"]
    client = oauth_app.test_client()

    response = client.get(consent(start(client, oauth_settings, mailbox), account="Rep@ACME.com"))

    assert response.status_code == 200
    assert inspect_db(mailbox.id)["mailbox"].status == "connected"


def test_state_mismatch_is_refused(seed, oauth_app, oauth_settings, inspect_db):
    mailbox = seed()
    client = oauth_app.test_client()
    callback = consent(start(client, oauth_settings, mailbox))
    forged = callback.replace("state=", "state=forged")

    response = client.get(forged)

    assert response.status_code == 400 and "not started here" in response.text
    assert inspect_db(mailbox.id)["mailbox"].status == "disconnected"


def test_a_replayed_callback_is_refused(seed, oauth_app, oauth_settings, inspect_db):
    mailbox = seed()
    client = oauth_app.test_client()
    callback = consent(start(client, oauth_settings, mailbox))

    first, second = client.get(callback), client.get(callback)

    assert first.status_code == 200 and second.status_code == 400
    assert [e.type for e in inspect_db(mailbox.id)["events"]] == ["disconnected", "reconnected"]


def test_a_callback_in_another_browser_is_refused(seed, oauth_app, oauth_settings, inspect_db):
    mailbox = seed()
    callback = consent(start(oauth_app.test_client(), oauth_settings, mailbox))

    response = oauth_app.test_client().get(callback)  # no flow cookie

    assert response.status_code == 400 and "another browser" in response.text
    assert inspect_db(mailbox.id)["token"] is None


def test_an_expired_flow_is_refused(seed, oauth_app, oauth_settings, sessions, inspect_db):
    mailbox = seed()
    client = oauth_app.test_client()
    callback = consent(start(client, oauth_settings, mailbox))
    with sessions() as session:
        session.execute(update(OAuthState).values(expires_at=utcnow() - timedelta(minutes=1)))
        session.commit()

    response = client.get(callback)

    assert response.status_code == 400 and "took too long" in response.text
    assert inspect_db(mailbox.id)["mailbox"].status == "disconnected"


def test_consent_denied_ends_on_a_page_that_says_what_to_do(seed, oauth_app, oauth_settings, inspect_db):
    mailbox = seed()
    client = oauth_app.test_client()

    response = client.get(consent(start(client, oauth_settings, mailbox), decision="deny"))

    assert response.status_code == 403
    assert "You did not allow access" in response.text and "choose Allow" in response.text
    assert inspect_db(mailbox.id)["mailbox"].status == "disconnected"


def test_invalid_grant_at_the_token_endpoint_is_explained(
    seed, oauth_app, oauth_settings, google, inspect_db
):
    mailbox = seed()
    client = oauth_app.test_client()
    callback = consent(start(client, oauth_settings, mailbox))
    google.fail_next_token(400, {"error": "invalid_grant", "error_description": "Bad Request"})

    response = client.get(callback)

    assert response.status_code == 400
    assert "expired before it was finished" in response.text and "invalid_grant" in response.text
    assert inspect_db(mailbox.id)["token"] is None


def test_microsoft_refusal_names_the_documented_reason(seed, oauth_app, oauth_settings, microsoft):
    mailbox = seed("rep@contoso.com", provider="microsoft")
    microsoft.accounts = ["rep@contoso.com"]
    client = oauth_app.test_client()
    callback = consent(start(client, oauth_settings, mailbox), account="rep@contoso.com")
    microsoft.fail_next_token(400, MS_PASSWORD_CHANGED)

    response = client.get(callback)

    assert response.status_code == 400 and "AADSTS50173" in response.text
    assert "password" in response.text.lower()  # the knowledge base's password_changed reason


def test_provider_outage_during_the_exchange_changes_nothing(
    seed, oauth_app, oauth_settings, google, inspect_db
):
    mailbox = seed()
    client = oauth_app.test_client()
    callback = consent(start(client, oauth_settings, mailbox))
    google.fail_next_token(503, "Service Unavailable")

    response = client.get(callback)

    assert response.status_code == 503 and "not answering" in response.text
    assert inspect_db(mailbox.id)["mailbox"].status == "disconnected"


def test_a_wrong_pkce_verifier_is_refused_by_the_provider(
    seed, oauth_app, oauth_settings, sessions, inspect_db
):
    mailbox = seed()
    client = oauth_app.test_client()
    callback = consent(start(client, oauth_settings, mailbox))
    with sessions() as session:
        session.execute(update(OAuthState).values(code_verifier="x" * 64))
        session.commit()

    response = client.get(callback)

    assert response.status_code == 400 and "Invalid code verifier" in response.text
    assert inspect_db(mailbox.id)["token"] is None


def test_both_providers_can_run_side_by_side(google: FakeOAuthProvider, microsoft: FakeOAuthProvider):
    assert google.base_url != microsoft.base_url and microsoft.rotates_refresh_tokens


def test_the_reconnected_event_reaches_the_feed_the_worker_reads(seed, oauth_app, oauth_settings, sessions):
    from api.keys import create_key
    from mailbox_assistant.db import session_scope

    mailbox = seed()
    client = oauth_app.test_client()
    client.get(consent(start(client, oauth_settings, mailbox)))
    with session_scope(sessions) as session:
        key = create_key(session, "worker", "read")[1]

    feed = client.get("/api/v1/events?after=0", headers={"Authorization": f"Bearer {key}"}).json

    last = feed["items"][-1]
    assert last["type"] == "reconnected" and last["mailbox"]["status"] == "connected"
