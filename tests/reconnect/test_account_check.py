"""Who signed in, as a verified ID token says: its signature (the provider's published keys), issuer,
audience and expiry are checked; Microsoft accounts are known by preferred_username in their tenant,
never by the `email` claim any tenant can set ("nOAuth"); Google's email counts only when verified;
and a reconnect must be the account that consented before."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from mailbox_assistant.mailboxes import store
from mailbox_assistant.reconnect.models import OAuthToken
from mailbox_assistant.reconnect.providers import get_provider
from tests.fakes.oauth_provider import ACME_TENANT, CONSUMER_TENANT, new_signing_key
from tests.reconnect.test_flow import consent, start

EVIL_TENANT = "6b1e7a00-0000-4000-8000-00000000e7e1"  # a tenant anyone can create
VICTIM = "rep@contoso.com"


def reconnect(client, settings, mailbox, account):
    """Start from the link, consent as `account` at the provider, come back: the callback's response."""
    return client.get(consent(start(client, settings, mailbox), account=account))


def disconnect_again(sessions, mailbox_id):
    """A new disconnection (so a new link works) and the mailbox as it is then."""
    with sessions() as session:
        store.record_event(session, mailbox_id, "disconnected", error="invalid_grant")
        session.commit()
    return stored_mailbox(sessions, mailbox_id)


def stored_mailbox(sessions, mailbox_id):
    from mailbox_assistant.mailboxes.models import Mailbox

    with sessions() as session:
        return session.get_one(Mailbox, mailbox_id)


def stored_identity(sessions, mailbox_id):
    with sessions() as session:
        row = session.execute(select(OAuthToken).where(OAuthToken.mailbox_id == mailbox_id)).scalar_one()
        return row.account_email, row.account_subject, row.account_tenant


def assert_nothing_stored(inspect_db, mailbox_id):
    stored = inspect_db(mailbox_id)
    assert stored["mailbox"].status == "disconnected" and stored["token"] is None


# --- Microsoft: the nOAuth pattern -----------------------------------------------------------------


def test_an_account_of_another_tenant_whose_email_claim_names_the_mailbox_is_refused(
    seed, oauth_app, oauth_settings, microsoft, inspect_db
):
    mailbox = seed(VICTIM, provider="microsoft")
    attacker = "mallory@evil.onmicrosoft.com"
    microsoft.accounts = [attacker]
    microsoft.claims_for[attacker] = {"email": VICTIM, "tid": EVIL_TENANT}  # set by evil's own admin

    response = reconnect(oauth_app.test_client(), oauth_settings, mailbox, attacker)

    assert response.status_code == 403 and "different account" in response.text
    assert_nothing_stored(inspect_db, mailbox.id)


def test_microsoft_accounts_are_read_from_preferred_username_not_email(
    seed, oauth_app, oauth_settings, microsoft, inspect_db, sessions
):
    mailbox = seed(VICTIM, provider="microsoft")
    microsoft.accounts = [VICTIM]
    microsoft.claims_for[VICTIM] = {"email": "an.alias@contoso.com"}

    response = reconnect(oauth_app.test_client(), oauth_settings, mailbox, VICTIM)

    assert response.status_code == 200
    assert stored_identity(sessions, mailbox.id) == (VICTIM, microsoft.subject_of(VICTIM), ACME_TENANT)


def test_a_microsoft_token_without_oid_and_tid_is_refused(
    seed, oauth_app, oauth_settings, microsoft, inspect_db
):
    mailbox = seed(VICTIM, provider="microsoft")
    microsoft.accounts = [VICTIM]
    microsoft.claims_for[VICTIM] = {"oid": None}  # e.g. the profile scope was not granted

    response = reconnect(oauth_app.test_client(), oauth_settings, mailbox, VICTIM)

    assert response.status_code == 403 and "could not verify" in response.text
    assert_nothing_stored(inspect_db, mailbox.id)


def test_a_microsoft_issuer_that_is_not_the_tokens_tenant_is_refused(
    seed, oauth_app, oauth_settings, microsoft, inspect_db
):
    mailbox = seed(VICTIM, provider="microsoft")
    microsoft.accounts = [VICTIM]
    microsoft.claims_for[VICTIM] = {"iss": f"{microsoft.base_url}/{EVIL_TENANT}/v2.0"}  # tid says ACME

    response = reconnect(oauth_app.test_client(), oauth_settings, mailbox, VICTIM)

    assert response.status_code == 403
    assert_nothing_stored(inspect_db, mailbox.id)


def test_the_same_address_in_another_tenant_cannot_take_over_a_consented_mailbox(
    seed, oauth_app, oauth_settings, microsoft, inspect_db, sessions
):
    mailbox = seed(VICTIM, provider="microsoft")
    microsoft.accounts = [VICTIM]
    client = oauth_app.test_client()
    assert reconnect(client, oauth_settings, mailbox, VICTIM).status_code == 200
    mailbox = disconnect_again(sessions, mailbox.id)
    microsoft.claims_for[VICTIM] = {"tid": CONSUMER_TENANT, "oid": "a-personal-account"}

    response = reconnect(client, oauth_settings, mailbox, VICTIM)

    assert response.status_code == 403 and "not the Microsoft account that connected" in response.text
    assert stored_mailbox(sessions, mailbox.id).status == "disconnected"
    assert stored_identity(sessions, mailbox.id) == (VICTIM, microsoft.subject_of(VICTIM), ACME_TENANT)


def test_a_first_consent_must_come_from_the_tenant_of_its_domain(
    seed, oauth_app, oauth_settings, microsoft, inspect_db
):
    colleague, newcomer = seed(VICTIM, provider="microsoft"), seed("boss@contoso.com", provider="microsoft")
    microsoft.accounts = [VICTIM, "boss@contoso.com"]
    client = oauth_app.test_client()
    assert reconnect(client, oauth_settings, colleague, VICTIM).status_code == 200
    microsoft.claims_for["boss@contoso.com"] = {"tid": EVIL_TENANT}

    refused = reconnect(client, oauth_settings, newcomer, "boss@contoso.com")
    microsoft.claims_for.clear()
    accepted = reconnect(client, oauth_settings, newcomer, "boss@contoso.com")

    assert refused.status_code == 403 and "another organisation" in refused.text
    assert accepted.status_code == 200


def test_microsoft_tenant_ids_limit_who_may_sign_in(seed, make_settings, microsoft):
    from api import create_app
    from api.web import dispose_database

    settings = make_settings(microsoft_tenant_ids=f" {ACME_TENANT} , {'1' * 8}-0000-4000-8000-000000000000")
    app = create_app(settings)
    try:
        mailbox = seed(VICTIM, provider="microsoft")
        microsoft.accounts = [VICTIM]
        microsoft.claims_for[VICTIM] = {"tid": CONSUMER_TENANT}

        response = reconnect(app.test_client(), settings, mailbox, VICTIM)
    finally:
        dispose_database(app)

    assert response.status_code == 403 and "another organisation" in response.text


# --- Google -------------------------------------------------------------------------------------------


def test_a_google_email_that_is_not_verified_is_refused(seed, oauth_app, oauth_settings, google, inspect_db):
    mailbox = seed()
    google.claims_for["rep@acme.com"] = {"email_verified": False}

    response = reconnect(oauth_app.test_client(), oauth_settings, mailbox, "rep@acme.com")

    assert response.status_code == 403 and "different account" in response.text
    assert_nothing_stored(inspect_db, mailbox.id)


def test_google_subject_is_remembered_and_required_on_reconnect(
    seed, oauth_app, oauth_settings, google, sessions
):
    mailbox = seed()
    client = oauth_app.test_client()
    assert reconnect(client, oauth_settings, mailbox, "rep@acme.com").status_code == 200
    assert stored_identity(sessions, mailbox.id) == ("rep@acme.com", google.subject_of("rep@acme.com"), None)

    same = reconnect(client, oauth_settings, disconnect_again(sessions, mailbox.id), "rep@acme.com")
    google.claims_for["rep@acme.com"] = {"sub": "108000000000000000001"}  # the address, a new account
    other = reconnect(client, oauth_settings, disconnect_again(sessions, mailbox.id), "rep@acme.com")

    assert same.status_code == 200
    assert other.status_code == 403 and "not the Google account that connected" in other.text


# --- the ID token itself ------------------------------------------------------------------------------


TAMPERINGS = {
    "signed-by-another-key": lambda fake: setattr(fake, "signing_key", new_signing_key()),
    "unknown-key-id": lambda fake: fake.id_token_headers.update(kid="not-published"),
    "other-audience": lambda fake: fake.id_token_changes.update(aud="another-client"),
    "expired": lambda fake: fake.id_token_changes.update(exp=int(time.time()) - 600),
    "other-issuer": lambda fake: fake.id_token_changes.update(iss="https://evil.example"),
    "no-iat": lambda fake: fake.id_token_changes.update(iat=None),
}


@pytest.mark.parametrize("tampering", TAMPERINGS)
def test_an_id_token_that_fails_a_check_is_refused(
    seed, oauth_app, oauth_settings, google, inspect_db, tampering
):
    mailbox = seed()
    TAMPERINGS[tampering](google)

    response = reconnect(oauth_app.test_client(), oauth_settings, mailbox, "rep@acme.com")

    assert response.status_code == 403 and "could not verify" in response.text
    assert_nothing_stored(inspect_db, mailbox.id)


@pytest.mark.filterwarnings("ignore:The HMAC key")  # the forger uses our short client secret
def test_an_unsigned_or_hmac_id_token_is_refused(seed, oauth_app, oauth_settings, google, inspect_db):
    import jwt

    mailbox = seed()
    client = oauth_app.test_client()
    for algorithm, key in (("none", None), ("HS256", "test-client-secret")):
        forged = jwt.encode(
            {"iss": google.base_url, "aud": "test-client-id", "sub": "1", "email": "rep@acme.com",
             "email_verified": True, "iat": int(time.time()), "exp": int(time.time()) + 600},
            key,
            algorithm=algorithm,
            headers={"kid": google.key_id},
        )  # fmt: skip
        google.forged_id_token = forged

        response = reconnect(client, oauth_settings, mailbox, "rep@acme.com")

        assert response.status_code == 403, algorithm
    assert_nothing_stored(inspect_db, mailbox.id)


def test_signing_keys_that_cannot_be_fetched_change_nothing(seed, make_settings, google, inspect_db):
    from api import create_app
    from api.web import dispose_database

    settings = make_settings(google_jwks_url="http://127.0.0.1:9/oauth2/v3/certs")  # nothing listens
    app = create_app(settings)
    try:
        mailbox = seed()
        response = reconnect(app.test_client(), settings, mailbox, "rep@acme.com")
    finally:
        dispose_database(app)

    assert response.status_code == 503 and "not answering" in response.text
    assert_nothing_stored(inspect_db, mailbox.id)


def test_google_issuer_is_accepted_in_both_documented_spellings(make_settings):
    provider = get_provider(make_settings(google_issuer="https://accounts.google.com"), "google")

    assert provider.issuers_for(None) == {"https://accounts.google.com", "accounts.google.com"}
