"""What reaches `/slack/events` before its signature is checked: a bounded body, never parsed, never
logged; refusals are 413, 401 and 400, not 500."""

from __future__ import annotations

import io
import json
import logging
import time

import pytest
from slack_bolt import BoltRequest

from bot.app import create_bolt_app
from bot.dedupe import EventDedupe
from bot.http import MAX_BODY_BYTES
from mailbox_assistant.slack.client import create_web_client
from tests.bot.conftest import SlackSender

MARKER = "PRIVATE-BODY-MARKER"


@pytest.fixture
def at_info(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Capture INFO lines, Bolt's own included (its loggers take the root level when the app is built)."""
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.INFO, logger="slack_bolt.RequestVerification")
    return caplog


def dm_body(text: str) -> str:
    event = {"type": "message", "channel_type": "im", "channel": "DU_ANA", "user": "U_ANA", "text": text}
    return json.dumps({"type": "event_callback", "team_id": "T0TEAM", "event_id": "EvBIG", "event": event})


def test_a_body_over_the_limit_is_refused_with_413_signed_or_not(slack: SlackSender, fake_slack):
    event = {"type": "reaction_added", "user": "U_ANA", "reaction": "x" * MAX_BODY_BYTES}
    body = json.dumps({"type": "event_callback", "team_id": "T0TEAM", "event_id": "EvBIG", "event": event})

    signed = slack.post(body, "application/json")
    unsigned = slack.post(body, "application/json", signature="v0=" + "0" * 64)

    assert (signed.status_code, unsigned.status_code) == (413, 413)
    assert [c for c in fake_slack.calls if c.method != "auth.test"] == []


def test_a_chunked_body_over_the_limit_is_refused_with_413(bot_http, fake_slack):
    response = bot_http.test_client().post(
        "/slack/events",
        input_stream=io.BytesIO(b"{" + b" " * (MAX_BODY_BYTES + 1) + b"}"),
        headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"},
        environ_overrides={"wsgi.input_terminated": True},
    )

    assert response.status_code == 413


def test_a_bad_signature_is_refused_and_logged_without_the_body(slack: SlackSender, fake_slack, at_info):
    response = slack.dm("U_ANA", f"why did my mailbox disconnect? {MARKER}", signature="v0=" + "1" * 64)

    assert response.status_code == 401
    assert "bad or stale signature" in at_info.text
    assert MARKER not in at_info.text
    assert fake_slack.calls == []


def test_bolt_never_logs_a_body_it_refuses(bot_settings, engine, at_info):
    """Even a request that reached Bolt's own check unsigned (past ours) leaves no body in the log."""
    bolt_app = create_bolt_app(
        bot_settings, create_web_client(bot_settings), dedupe=EventDedupe(engine), engine=engine
    )
    headers = {"x-slack-request-timestamp": str(int(time.time())), "x-slack-signature": "v0=" + "2" * 64}

    response = bolt_app.dispatch(BoltRequest(body=dm_body(MARKER), headers=headers))

    assert response.status == 401
    assert MARKER not in at_info.text


def test_deeply_nested_json_is_refused_not_a_server_error(slack: SlackSender, fake_slack):
    nested = '{"type": "event_callback", "event": ' + "[" * 100_000 + "]" * 100_000 + "}"
    form = "payload=" + "%5B" * 100_000

    unsigned = slack.post(nested, "application/json", signature="v0=" + "0" * 64)
    signed = slack.post(nested, "application/json")
    signed_form = slack.post(form, "application/x-www-form-urlencoded")

    assert (unsigned.status_code, signed.status_code, signed_form.status_code) == (401, 400, 400)
    assert [c for c in fake_slack.calls if c.method != "auth.test"] == []


def test_a_signed_body_that_is_not_an_object_is_refused(slack: SlackSender):
    assert slack.post("[1, 2, 3]", "application/json").status_code == 400


def test_a_malformed_timestamp_or_a_body_not_in_utf8_is_refused(slack: SlackSender, bot_http):
    bad_timestamp = bot_http.test_client().post(
        "/slack/events",
        data=dm_body("hi"),
        content_type="application/json",
        headers={"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=" + "0" * 64},
    )
    not_utf8 = bot_http.test_client().post(
        "/slack/events", data=b"\xff\xfe{}", content_type="application/json"
    )

    assert (bad_timestamp.status_code, not_utf8.status_code) == (401, 400)
