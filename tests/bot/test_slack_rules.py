"""Slack's rules: fast acks, retries never answered twice, signatures checked, bots ignored, API outages."""

from __future__ import annotations

import socket
import time

from bot.app import create_bolt_app
from bot.dedupe import EventDedupe
from bot.http import create_app as create_bot_http_app
from mailbox_assistant.mailboxes.client import StatusClient
from mailbox_assistant.slack.client import create_web_client
from tests.bot.blockutil import block_ids
from tests.bot.conftest import SlackSender
from tests.fakes.loopback import LoopbackServer

TOKEN_EXPIRED = "invalid_grant: Token has been expired or revoked."


def posts_to(fake_slack, channel):
    return [c for c in fake_slack.calls_to("chat.postMessage") if c.body["channel"] == channel]


def test_retried_event_gets_no_second_reply(slack, fake_slack, seed):
    seed("ana@acme.com", error=TOKEN_EXPIRED)
    slack.dm("U_ANA", "why did my mailbox disconnect?", event_id="EvRETRY")
    fake_slack.wait_for_call("chat.postMessage")

    retry = slack.dm("U_ANA", "why did my mailbox disconnect?", event_id="EvRETRY", retry_num=1)
    slack.dm("U_BO", "hello mailbox?", event_id="EvSENTINEL")
    fake_slack.wait_for(lambda calls: posts_to(fake_slack, "DU_BO"))

    assert retry.status_code == 200
    assert len(posts_to(fake_slack, "DU_ANA")) == 1


def test_retry_delivered_to_another_process_gets_no_second_reply(
    bot_settings, engine, fake_slack, seed, slack
):
    seed("ana@acme.com", error=TOKEN_EXPIRED)
    other_bolt = create_bolt_app(bot_settings, create_web_client(bot_settings), dedupe=EventDedupe(engine))
    other_process = SlackSender(
        create_bot_http_app(bot_settings, bolt_app=other_bolt).test_client(), fake_slack
    )

    slack.dm("U_ANA", "why did my mailbox disconnect?", event_id="EvTWICE")
    other_process.dm("U_ANA", "why did my mailbox disconnect?", event_id="EvTWICE", retry_num=1)
    other_process.dm("U_BO", "hello mailbox?", event_id="EvSENTINEL2")
    fake_slack.wait_for(lambda calls: posts_to(fake_slack, "DU_BO") and posts_to(fake_slack, "DU_ANA"))

    assert len(posts_to(fake_slack, "DU_ANA")) == 1


def test_a_replayed_slash_command_gets_no_second_answer(slack, fake_slack, seed):
    seed("ana@acme.com", error=TOKEN_EXPIRED)
    slack.command("U_ANA", "status")
    fake_slack.wait_for_call("response_url")

    replay = slack.replay_last()  # the same signed bytes, within Slack's five minutes
    slack.command("U_BO", "status")
    answers = fake_slack.wait_for_call("response_url", count=2)

    assert replay.status_code == 200
    assert ["ana@acme.com" in str(a.body) for a in answers] == [True, False]


def test_a_replayed_click_is_not_handled_twice(slack, fake_slack):
    slack.click("U_ANA", {"action_id": "home:ask", "value": "ask"}, home=True)
    [first] = fake_slack.wait_for_call("views.open")

    replay = slack.replay_last()
    slack.click("U_BO", {"action_id": "home:ask", "value": "ask"}, home=True)
    opened = fake_slack.wait_for_call("views.open", count=2)

    assert replay.status_code == 200
    assert [c.body["trigger_id"] for c in opened].count(first.body["trigger_id"]) == 1


def test_two_clicks_of_one_button_are_two_requests(slack, fake_slack):
    for _ in range(2):
        slack.click("U_ANA", {"action_id": "home:ask", "value": "ask"}, home=True)

    assert len(fake_slack.wait_for_call("views.open", count=2)) == 2


def test_bad_signature_gets_401_and_nothing_is_posted(slack, fake_slack):
    response = slack.dm("U_ANA", "why did my mailbox disconnect?", signature="v0=" + "0" * 64)

    assert response.status_code == 401
    assert fake_slack.calls == []


def test_stale_timestamp_gets_401_and_nothing_is_posted(slack, fake_slack):
    response = slack.dm("U_ANA", "why did my mailbox disconnect?", timestamp=int(time.time()) - 400)

    assert response.status_code == 401
    assert fake_slack.calls == []


def test_signature_with_the_wrong_secret_gets_401(bot_http, fake_slack):
    forger = SlackSender(bot_http.test_client(), fake_slack, secret="not-the-secret")

    assert forger.command("U_ANA", "status").status_code == 401
    assert fake_slack.calls == []


def test_own_messages_and_other_bots_are_ignored(slack, fake_slack):
    slack.event(
        {"type": "message", "channel_type": "im", "channel": "DU_ANA", "user": "U0BOT", "text": "hi mailbox"}
    )
    slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "DU_ANA",
            "bot_id": "B9",
            "user": "U9",
            "text": "mailbox",
        }
    )
    slack.event(
        {"type": "message", "channel_type": "im", "channel": "DU_X", "user": "U_OTHERBOT", "text": "mailbox?"}
    )
    slack.event(
        {"type": "message", "subtype": "bot_message", "channel_type": "im", "channel": "DU_ANA", "text": "x"}
    )
    slack.dm("U_BO", "hello mailbox?")

    fake_slack.wait_for(lambda calls: posts_to(fake_slack, "DU_BO"))
    assert [c.body["channel"] for c in fake_slack.calls_to("chat.postMessage")] == ["DU_BO"]


def test_events_the_bot_does_not_handle_are_acked(slack, fake_slack):
    response = slack.event({"type": "reaction_added", "user": "U_ANA", "reaction": "tada"})

    assert response.status_code == 200


def test_ack_is_immediate_even_when_the_status_api_is_slow(bot_settings, engine, fake_slack):
    with socket.socket() as black_hole:  # accepts connections, never answers
        black_hole.bind(("127.0.0.1", 0))
        black_hole.listen(16)
        source = StatusClient(f"http://127.0.0.1:{black_hole.getsockname()[1]}", "key", timeout=0.5)
        bolt = create_bolt_app(
            bot_settings, create_web_client(bot_settings), dedupe=EventDedupe(engine), source=source
        )
        sender = SlackSender(create_bot_http_app(bot_settings, bolt_app=bolt).test_client(), fake_slack)

        started = time.perf_counter()
        response = sender.dm("U_ANA", "why did my mailbox disconnect?")
        acked_in = time.perf_counter() - started
        reply = fake_slack.wait_for_call("chat.postMessage")[0].body

    assert response.status_code == 200 and acked_in < 0.4
    assert "status_unavailable" in block_ids(reply["blocks"])


def test_status_api_down_gets_a_clear_apology(bot_settings, engine, fake_slack):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    source = StatusClient(f"http://127.0.0.1:{port}", "key")
    bolt = create_bolt_app(
        bot_settings, create_web_client(bot_settings), dedupe=EventDedupe(engine), source=source
    )
    sender = SlackSender(create_bot_http_app(bot_settings, bolt_app=bolt).test_client(), fake_slack)

    sender.dm("U_ANA", "why did my mailbox disconnect?")
    sender.command("U_ANA", "status")

    reply = fake_slack.wait_for_call("chat.postMessage")[0].body
    command_answer = fake_slack.wait_for_call("response_url")[0].body
    for answer in (reply, command_answer):
        assert "status_unavailable" in block_ids(answer["blocks"])
        assert "Sorry" in answer["text"] and "Traceback" not in str(answer)


def test_status_api_rejecting_the_key_is_an_apology_too(bot_settings, engine, fake_slack, live_api):
    source = StatusClient(live_api, "wrong-key")
    bolt = create_bolt_app(
        bot_settings, create_web_client(bot_settings), dedupe=EventDedupe(engine), source=source
    )
    sender = SlackSender(create_bot_http_app(bot_settings, bolt_app=bolt).test_client(), fake_slack)

    sender.dm("U_ANA", "why did my mailbox disconnect?")

    assert "status_unavailable" in block_ids(fake_slack.wait_for_call("chat.postMessage")[0].body["blocks"])


def test_healthz(bot_http):
    assert bot_http.test_client().get("/healthz").json == {"status": "ok"}


def test_a_proxy_set_in_the_environment_is_still_used_for_the_status_api(monkeypatch):
    seen = []

    def proxy(environ, start_response):
        """An HTTP proxy that answers itself: an empty mailbox list for whatever URL it is asked for."""
        seen.append((environ["HTTP_HOST"], environ["PATH_INFO"], environ.get("HTTP_AUTHORIZATION")))
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"items": [], "next_cursor": null}']

    server = LoopbackServer(proxy, name="proxy").start()
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    try:
        source = StatusClient("http://status.invalid", "key")
        monkeypatch.delenv("HTTP_PROXY")  # read when the client was made, not on each request
        mailboxes = source.mailboxes_for("ana@acme.com")
    finally:
        server.stop()

    assert mailboxes == []
    assert seen == [("status.invalid", "/api/v1/mailboxes", "Bearer key")]
