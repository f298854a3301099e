"""The one provider registry: aliases → one key, and every name people read."""

import pytest

from mailbox_assistant.providers import canonical, display_name, oauth_key, sign_in_name, support_name


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("google", "google"),
        ("Gmail", "google"),
        (" google_workspace ", "google"),
        ("Google Workspace", "google"),
        ("office365", "microsoft"),
        ("Outlook", "microsoft"),
        ("m365", "microsoft"),
        ("imap", "imap"),
        ("SMTP", "imap"),
        ("fastmail", "fastmail"),
        ("", "other"),
        (None, "other"),
    ],
)
def test_every_name_of_a_provider_has_one_key(name, key):
    assert canonical(name) == key


def test_names_people_read():
    assert display_name("gmail") == "Google"
    assert display_name("office365") == "Microsoft 365"
    assert display_name("imap") == "IMAP/SMTP"  # not "Imap"
    assert display_name("Fastmail") == "Fastmail"
    assert support_name("gmail") == "Google Workspace"
    assert support_name(None) == "unknown provider"
    assert sign_in_name("outlook") == "Microsoft"


def test_only_google_and_microsoft_reconnect_with_oauth():
    assert (oauth_key("gmail"), oauth_key("hotmail"), oauth_key("imap")) == ("google", "microsoft", None)


def test_the_status_api_stores_the_canonical_key(client, api_keys):
    write = {"Authorization": f"Bearer {api_keys['write']}"}

    created = client.post(
        "/api/v1/mailboxes",
        json={"email": "jo@acme.com", "provider": "Gmail", "owner_email": "jo@acme.com"},
        headers=write,
    ).json

    assert created["provider"] == "google"
