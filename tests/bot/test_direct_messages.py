"""Direct messages end to end: signed event → bot → real status API → reply at the Slack stand-in."""

from __future__ import annotations

import json
import logging

from werkzeug.wrappers import Response

import knowledge
from bot.answering import AnswerPath
from bot.conversation import Asker
from bot.reading import read_question
from bot.samples import SAMPLE_MAILBOXES
from mailbox_assistant.conversations.transcript import ConversationLog
from mailbox_assistant.escalation.desk import EscalationDesk
from mailbox_assistant.mailboxes.client import StatusClient
from tests.bot.blockutil import action_ids, all_text, block_ids, buttons
from tests.bot.conftest import wait_for_turns
from tests.fakes.loopback import LoopbackServer

ANA = Asker(slack_id="U_ANA", email="ana@acme.com")
ERRORS = {sample.expected_reason: sample.error for sample in SAMPLE_MAILBOXES if sample.expected_reason}


def reply_to(fake_slack, channel):
    """The first chat.postMessage to `channel`."""
    return fake_slack.wait_for(
        lambda calls: next(
            (c.body for c in calls if c.method == "chat.postMessage" and c.body["channel"] == channel), None
        )
    )


def test_one_disconnected_mailbox_gets_cause_steps_and_buttons(slack, fake_slack, seed):
    mailbox = seed("ana@acme.com", error=ERRORS["token_expired"])

    response = slack.dm("U_ANA", "why did my mailbox disconnect?")

    assert response.status_code == 200
    reply = reply_to(fake_slack, "DU_ANA")
    blocks = reply["blocks"]
    assert f"reason:token_expired:{mailbox['id']}" in block_ids(blocks)
    text = all_text(blocks)
    assert "ana@acme.com" in text and knowledge.get_reason("token_expired").title in text
    reconnect = next(b for b in buttons(blocks) if b["action_id"].startswith("reconnect"))
    assert reconnect["url"] == f"https://mailbox.example/reconnect/{mailbox['id']}"
    escalate = next(b for b in buttons(blocks) if b["action_id"].startswith("escalate"))
    assert escalate["value"] == str(mailbox["id"])
    assert {"feedback:yes", "feedback:no"} <= set(action_ids(blocks))
    assert reply["text"]  # notification text for clients that cannot show blocks


def test_the_asker_email_comes_from_users_info_and_is_cached(slack, fake_slack, seed):
    seed("ana@acme.com", error=ERRORS["token_expired"])

    slack.dm("U_ANA", "why did my mailbox disconnect?")
    reply_to(fake_slack, "DU_ANA")
    slack.dm("U_ANA", "and now?")
    fake_slack.wait_for_call("chat.postMessage", count=2)

    lookups = fake_slack.calls_to("users.info")
    assert [call.body["user"] for call in lookups] == ["U_ANA"]


def test_several_mailboxes_one_section_each_disconnected_first(slack, fake_slack, seed):
    healthy = seed("ivy@acme.com", owner_email="ivy@acme.com")
    broken = seed(
        "ivy.sales@acme.com", owner_email="ivy@acme.com", provider="microsoft", error=ERRORS["token_expired"]
    )
    fake_slack.add_user("U_IVY", "ivy@acme.com")

    slack.dm("U_IVY", "why did my mailbox disconnect?")

    ids = block_ids(reply_to(fake_slack, "DU_IVY")["blocks"])
    assert ids.index(f"mailbox:{broken['id']}") < ids.index(f"mailbox:{healthy['id']}")
    assert f"reason:token_expired:{broken['id']}" in ids


def test_none_disconnected_mentions_the_recent_disconnection(slack, fake_slack, seed):
    mailbox = seed("kim@acme.com", error=ERRORS["password_changed"], reconnected=True)
    fake_slack.add_user("U_KIM", "kim@acme.com")

    slack.dm("U_KIM", "is my mailbox disconnected?")

    blocks = reply_to(fake_slack, "DU_KIM")["blocks"]
    assert "all_connected" in block_ids(blocks)
    assert f"reason:password_changed:{mailbox['id']}" in block_ids(blocks)
    assert not any(a.startswith("reconnect") for a in action_ids(blocks))


def test_no_mailbox_says_which_email_was_looked_up_and_offers_support(slack, fake_slack):
    slack.dm("U_BO", "why did my mailbox disconnect?")

    blocks = reply_to(fake_slack, "DU_BO")["blocks"]
    assert "bo@acme.com" in all_text(blocks)
    assert any(b["action_id"].startswith("escalate") and b["value"] == "bo@acme.com" for b in buttons(blocks))


def test_unknown_cause_is_honest_and_support_is_the_main_action(slack, fake_slack, seed):
    mailbox = seed("hugo@acme.com", provider="imap", error=ERRORS["unknown"])
    fake_slack.add_user("U_HUGO", "hugo@acme.com")

    slack.dm("U_HUGO", "why did my mailbox disconnect?")

    blocks = reply_to(fake_slack, "DU_HUGO")["blocks"]
    assert f"reason:unknown:{mailbox['id']}" in block_ids(blocks)
    assert knowledge.get_reason("unknown").title in all_text(blocks)
    assert next(b for b in buttons(blocks) if b["action_id"].startswith("escalate"))["style"] == "primary"


def test_account_suspended_offers_no_reconnect(slack, fake_slack, seed):
    mailbox = seed("frank@acme.com", provider="microsoft", error=ERRORS["account_suspended"])
    fake_slack.add_user("U_FRANK", "frank@acme.com")

    slack.dm("U_FRANK", "why did my mailbox disconnect?")

    blocks = reply_to(fake_slack, "DU_FRANK")["blocks"]
    assert f"reason:account_suspended:{mailbox['id']}" in block_ids(blocks)
    assert not any(a.startswith("reconnect") for a in action_ids(blocks))
    assert next(b for b in buttons(blocks) if b["action_id"].startswith("escalate"))["style"] == "primary"


def test_named_cause_that_differs_is_answered_from_the_status(slack, fake_slack, seed):
    mailbox = seed("ana@acme.com", error=ERRORS["sending_limit"])

    slack.dm("U_ANA", "I changed my password yesterday, is that why my mailbox disconnected?")

    blocks = reply_to(fake_slack, "DU_ANA")["blocks"]
    assert f"reason:sending_limit:{mailbox['id']}" in block_ids(blocks)
    assert f"note:{mailbox['id']}" in block_ids(blocks)
    assert "different cause" in all_text(blocks)


def test_general_question_is_answered_from_the_knowledge_base(slack, fake_slack):
    slack.dm("U_BO", "Why do mailboxes disconnect?")

    blocks = reply_to(fake_slack, "DU_BO")["blocks"]
    assert {i for i in block_ids(blocks) if i.startswith("kb:")} == {
        f"kb:{r.code}" for r in knowledge.reasons() if r.code != "unknown"
    }


def test_how_to_reconnect_with_nothing_disconnected_gives_the_steps(slack, fake_slack, seed):
    seed("jo@acme.com")
    fake_slack.add_user("U_JO", "jo@acme.com")

    slack.dm("U_JO", "how do I reconnect?")

    blocks = reply_to(fake_slack, "DU_JO")["blocks"]
    assert "steps" in block_ids(blocks)


def test_other_address_is_refused_politely_for_non_admins(slack, fake_slack, seed):
    frank = seed("frank@acme.com", provider="microsoft", error=ERRORS["account_suspended"])
    seed("ana@acme.com")

    slack.dm("U_ANA", "why did <mailto:frank@acme.com|frank@acme.com> disconnect?")

    reply = reply_to(fake_slack, "DU_ANA")
    assert "refused" in block_ids(reply["blocks"])
    assert str(frank["id"]) not in str(reply) and "account_suspended" not in str(reply)


def test_admin_may_ask_about_another_address(slack, fake_slack, seed):
    frank = seed("frank@acme.com", provider="microsoft", error=ERRORS["account_suspended"])

    slack.dm("U_ADMIN", "why did <mailto:frank@acme.com|frank@acme.com> disconnect?")

    blocks = reply_to(fake_slack, "DU_ADMIN")["blocks"]
    assert f"reason:account_suspended:{frank['id']}" in block_ids(blocks)


def test_user_without_an_email_in_slack_is_told_so(slack, fake_slack):
    slack.dm("U_NOMAIL", "why did my mailbox disconnect?")

    assert "no_email" in block_ids(reply_to(fake_slack, "DU_NOMAIL")["blocks"])


def test_rate_limited_reply_is_retried(slack, fake_slack, seed):
    seed("ana@acme.com", error=ERRORS["token_expired"])
    fake_slack.fail_next("chat.postMessage", 429, headers={"Retry-After": "0"})

    slack.dm("U_ANA", "why did my mailbox disconnect?")

    attempts = fake_slack.wait_for_call("chat.postMessage", count=2)
    assert attempts[0].body["channel"] == attempts[1].body["channel"] == "DU_ANA"


def test_the_transcript_is_written_after_the_reply_is_posted(slack, fake_slack, seed, engine):
    seed("ana@acme.com", error=ERRORS["token_expired"])
    log = ConversationLog(engine)
    seen_when_posted = []

    def look_at_the_transcript(call):
        # The bot waits for Slack's answer to chat.postMessage: this sees the transcript as it is meanwhile.
        if call.method == "chat.postMessage":
            seen_when_posted.append(log.recent("U_ANA"))

    fake_slack.on_call.append(look_at_the_transcript)

    slack.dm("U_ANA", "why did my mailbox disconnect?")

    reply_to(fake_slack, "DU_ANA")
    assert seen_when_posted == [[]]
    user, bot = wait_for_turns(engine, "U_ANA", 2)
    assert (user["role"], user["text"]) == ("user", "why did my mailbox disconnect?")
    assert bot["role"] == "bot" and "ana@acme.com (Google) is disconnected" in bot["text"]


def test_a_reply_that_could_not_be_posted_is_not_recorded_as_said(slack, fake_slack, seed, engine):
    seed("ana@acme.com", error=ERRORS["token_expired"])
    fake_slack.fail_next("chat.postMessage", 500, times=3)  # the first attempt and both retries

    slack.dm("U_ANA", "why did my mailbox disconnect?")

    fake_slack.wait_for_call("chat.postMessage", count=3)
    [user] = wait_for_turns(engine, "U_ANA", 1)
    assert user["text"] == "why did my mailbox disconnect?"


def disconnect_again(client, api_keys, mailbox_id, times):
    """Reconnect and disconnect the mailbox `times` times more (now, through the status API)."""
    write = {"Authorization": f"Bearer {api_keys['write']}"}
    for _ in range(times):
        for event in ({"type": "reconnected"}, {"type": "disconnected", "error": ERRORS["token_expired"]}):
            response = client.post(f"/api/v1/mailboxes/{mailbox_id}/events", json=event, headers=write)
            assert response.status_code == 201, response.json


def requested_routes(caplog):
    """The routes the status API served, from its request log."""
    return [json.loads(r.getMessage())["route"] for r in caplog.records if r.name == "api.requests"]


def test_the_count_of_recent_disconnections_comes_with_the_mailbox_list(
    slack, fake_slack, seed, client, api_keys, caplog
):
    mailbox = seed("ana@acme.com", error=ERRORS["token_expired"])
    disconnect_again(client, api_keys, mailbox["id"], 2)
    caplog.set_level(logging.INFO, logger="api.requests")

    slack.dm("U_ANA", "why did my mailbox disconnect?")

    reply = reply_to(fake_slack, "DU_ANA")
    assert "3 times in the last 7 days" in all_text(reply["blocks"])
    assert requested_routes(caplog) == ["/api/v1/mailboxes"]  # no read of the mailbox's events


def without_recent_disconnects(app):
    """The status API as it was before its list counted recent disconnections (the field removed)."""

    def wsgi(environ, start_response):
        response = Response.from_app(app, environ)
        if environ["PATH_INFO"] == "/api/v1/mailboxes" and response.status_code == 200:
            page = response.get_json()
            for item in page["items"]:
                del item["recent_disconnects"]
            response.set_data(json.dumps(page))
        return response(environ, start_response)

    return wsgi


def test_without_the_count_the_bot_reads_the_history(app, seed, client, api_keys, caplog, engine):
    mailbox = seed("ana@acme.com", error=ERRORS["token_expired"])
    disconnect_again(client, api_keys, mailbox["id"], 2)
    older_api = LoopbackServer(without_recent_disconnects(app), name="older-api").start()
    caplog.set_level(logging.INFO, logger="api.requests")
    try:
        source = StatusClient(older_api.url, api_keys["read"])
        conversations = ConversationLog(engine)
        path = AnswerPath(source, lambda m: "x", conversations, EscalationDesk(engine, source, conversations))
        reply = path.status_reply(read_question("why did my mailbox disconnect?"), ANA)
    finally:
        older_api.stop()

    assert "3 times in the last 7 days" in all_text(reply.blocks)
    assert requested_routes(caplog) == ["/api/v1/mailboxes", "/api/v1/mailboxes/<int:mailbox_id>/events"]
