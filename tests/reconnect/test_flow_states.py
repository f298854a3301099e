"""OAuth flow states: one per mailbox and browser, a bounded number per mailbox, and a callback claims
its flow only when it comes back to the browser that started it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from mailbox_assistant.reconnect.destination import reconnect_url
from mailbox_assistant.reconnect.models import OAuthState
from mailbox_assistant.reconnect.store import MAX_FLOWS_PER_MAILBOX
from tests.reconnect.conftest import bot_view
from tests.reconnect.test_flow import consent, start


def flow_count(sessions) -> int:
    with sessions() as session:
        return session.execute(select(func.count()).select_from(OAuthState)).scalar_one()


def state_of(authorize_url: str) -> str:
    return parse_qs(urlsplit(authorize_url).query)["state"][0]


def test_posting_one_link_again_and_again_keeps_one_flow_per_browser(
    seed, oauth_app, oauth_settings, sessions
):
    mailbox = seed()
    client = oauth_app.test_client()

    urls = [start(client, oauth_settings, mailbox) for _ in range(30)]

    assert flow_count(sessions) == 1
    assert len({state_of(url) for url in urls}) == 1  # the live flow is reused, not multiplied


def test_posts_without_cookies_cannot_grow_the_table(seed, oauth_app, oauth_settings, sessions):
    mailbox = seed()
    path = reconnect_url(bot_view(mailbox), oauth_settings).removeprefix(oauth_settings.public_url)

    for _ in range(60):  # a script that never keeps the cookie: a new "browser" each time
        assert oauth_app.test_client().post(path).status_code == 303

    assert flow_count(sessions) == MAX_FLOWS_PER_MAILBOX


def test_a_second_tab_of_the_same_browser_can_finish_the_sign_in(seed, oauth_app, oauth_settings, inspect_db):
    mailbox = seed()
    client = oauth_app.test_client()
    first_tab = start(client, oauth_settings, mailbox)
    second_tab = start(client, oauth_settings, mailbox)

    response = client.get(consent(first_tab))

    assert state_of(first_tab) == state_of(second_tab)
    assert response.status_code == 200
    assert inspect_db(mailbox.id)["mailbox"].status == "connected"


def test_a_callback_in_another_browser_does_not_spoil_the_right_browsers_flow(
    seed, oauth_app, oauth_settings, inspect_db
):
    mailbox = seed()
    right_browser = oauth_app.test_client()
    callback = consent(start(right_browser, oauth_settings, mailbox))

    wrong = oauth_app.test_client().get(callback)  # e.g. the callback URL pasted into another browser
    right = right_browser.get(callback)

    assert wrong.status_code == 400 and "another browser" in wrong.text
    assert right.status_code == 200 and "Mailbox reconnected" in right.text
    assert inspect_db(mailbox.id)["mailbox"].status == "connected"


def test_a_callback_for_another_provider_leaves_the_flow(seed, oauth_app, oauth_settings, inspect_db):
    mailbox = seed()
    client = oauth_app.test_client()
    callback = consent(start(client, oauth_settings, mailbox))

    misrouted = client.get(callback.replace("/oauth/google/", "/oauth/microsoft/"))
    response = client.get(callback)

    assert misrouted.status_code == 400 and "not started here" in misrouted.text
    assert response.status_code == 200
