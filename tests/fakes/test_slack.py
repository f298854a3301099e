"""The Slack stand-in over HTTP: it answers a refused payload as Slack does, keeps it, and a test that sent
one fails unless it expected it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from tests.fakes.slack import FakeSlack

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "Hello"}}
BROKEN = {"type": "section", "text": {"type": "mrkdwn", "text": ""}}


@pytest.fixture
def stand_in() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def client(stand_in: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=stand_in.base_url)


def test_an_accepted_message_is_answered_and_nothing_is_refused(stand_in, client):
    answer = client.chat_postMessage(channel="D1", text="Hello", blocks=[SECTION])

    assert answer["ok"] and stand_in.refused == []
    assert stand_in.calls_to("chat.postMessage")[0].problems == ()


def test_a_refused_message_gets_slacks_error_and_is_kept(stand_in, client):
    stand_in.expect_refusals()

    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="D1", text="Hello", blocks=[BROKEN])

    assert refused.value.response.status_code == 200
    assert refused.value.response["error"] == "invalid_blocks"
    assert refused.value.response["errors"] == [
        "must be more than 0 characters [json-pointer:/blocks/0/text/text]"
    ]
    [call] = stand_in.refused
    assert call.method == "chat.postMessage" and call in stand_in.calls


def test_a_refused_view_gets_invalid_arguments(stand_in, client):
    stand_in.expect_refusals()

    with pytest.raises(SlackApiError) as refused:
        client.views_publish(user_id="U1", view={"type": "home", "blocks": [SECTION] * 101})

    assert refused.value.response["error"] == "invalid_arguments"


def test_a_form_encoded_message_is_read_and_checked(stand_in):
    stand_in.expect_refusals()
    form = {"channel": "D1", "text": "Hi", "blocks": json.dumps([SECTION])}

    accepted = requests.post(stand_in.base_url + "chat.postMessage", data=form, timeout=5)
    broken = requests.post(stand_in.base_url + "chat.postMessage", data={**form, "blocks": "[{"}, timeout=5)

    assert accepted.json()["ok"] is True
    assert broken.json()["error"] == "invalid_blocks_format"


def test_a_refused_response_url_message_is_answered_like_a_webhook(stand_in):
    stand_in.expect_refusals()

    answer = WebhookClient(stand_in.response_url()).send(text="Hi", blocks=[SECTION] * 51)

    assert (answer.status_code, answer.body) == (400, "invalid_blocks")
    assert [call.method for call in stand_in.refused] == ["response_url"]


def test_a_test_that_sent_a_refused_payload_fails_with_what_and_why():
    fake = FakeSlack().start()  # not a fixture: this test checks the failure itself
    try:
        WebhookClient(fake.response_url()).send(text="Hi", blocks=[BROKEN])
        fake.reset()  # a reset does not forget a refusal

        with pytest.raises(AssertionError, match=r"response_url: must be more than 0 characters"):
            fake.assert_nothing_refused()
        fake.assert_nothing_refused()  # each refusal is reported once
    finally:
        fake.stop()


def test_scripted_failures_are_answered_as_scripted(stand_in, client):
    stand_in.fail_next("chat.postMessage", 500)

    with pytest.raises(SlackApiError) as failed:
        client.chat_postMessage(channel="D1", text="Hi", blocks=[BROKEN])

    assert failed.value.response.status_code == 500 and stand_in.refused == []
