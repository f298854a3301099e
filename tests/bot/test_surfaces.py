"""@mentions, the /mailbox command, the App Home tab and every button, end to end."""

from __future__ import annotations

from tests.bot.blockutil import action_ids, block_ids, buttons

TOKEN_EXPIRED = "invalid_grant: Token has been expired or revoked."


def test_mention_in_a_channel_answers_briefly_in_thread_and_privately_in_detail(slack, fake_slack, seed):
    mailbox = seed("ana@acme.com", error=TOKEN_EXPIRED)

    slack.mention("U_ANA", "why did my mailbox disconnect?", channel="C_GENERAL")

    public = fake_slack.wait_for_call("chat.postMessage")[0].body
    private = fake_slack.wait_for_call("chat.postEphemeral")[0].body
    assert public["channel"] == "C_GENERAL" and public["thread_ts"]
    assert "ana@acme.com" not in str(public) and "blocks" not in public
    assert (private["channel"], private["user"], private["thread_ts"]) == (
        "C_GENERAL",
        "U_ANA",
        public["thread_ts"],
    )
    assert f"reason:token_expired:{mailbox['id']}" in block_ids(private["blocks"])


def test_general_question_in_a_channel_is_answered_in_the_thread(slack, fake_slack):
    slack.mention("U_BO", "why do mailboxes disconnect?")

    public = fake_slack.wait_for_call("chat.postMessage")[0].body
    assert any(i.startswith("kb:") for i in block_ids(public["blocks"]))
    assert not fake_slack.calls_to("chat.postEphemeral")


def test_slash_command_acks_then_answers_through_response_url(slack, fake_slack, seed):
    mailbox = seed("ana@acme.com", error=TOKEN_EXPIRED)

    response = slack.command("U_ANA", "")

    assert response.status_code == 200
    answer = fake_slack.wait_for_call("response_url")[0].body
    assert answer["response_type"] == "ephemeral"
    assert f"reason:token_expired:{mailbox['id']}" in block_ids(answer["blocks"])


def test_slash_command_status_help_and_reconnect(slack, fake_slack, seed):
    mailbox = seed("ana@acme.com", error=TOKEN_EXPIRED)

    slack.command("U_ANA", "status")
    slack.command("U_ANA", "help")
    slack.command("U_ANA", "reconnect")

    answers = [call.body for call in fake_slack.wait_for_call("response_url", count=3)]
    ids = [set(block_ids(answer["blocks"])) for answer in answers]
    assert any(f"reason:token_expired:{mailbox['id']}" in i for i in ids)
    assert any("help" in i for i in ids)
    assert sum(f"reconnect:{mailbox['id']}" in action_ids(a["blocks"]) for a in answers) == 2


def test_app_home_lists_the_users_mailboxes_with_buttons(slack, fake_slack, seed):
    mailbox = seed("ana@acme.com", error=TOKEN_EXPIRED)

    slack.event({"type": "app_home_opened", "user": "U_ANA", "channel": "DU_ANA", "tab": "home"})

    published = fake_slack.wait_for_call("views.publish")[0].body
    assert published["user_id"] == "U_ANA"
    view = published["view"]
    assert view["type"] == "home"
    assert f"reason:token_expired:{mailbox['id']}" in block_ids(view["blocks"])
    assert f"reconnect:{mailbox['id']}" in action_ids(view["blocks"])


def test_reconnect_link_button_is_acked_and_nothing_else(slack, fake_slack, seed):
    mailbox = seed("ana@acme.com", error=TOKEN_EXPIRED)
    button = {"action_id": f"reconnect:{mailbox['id']}", "value": str(mailbox["id"]), "url": "https://x"}

    response = slack.click("U_ANA", button)

    assert response.status_code == 200
    assert not [c for c in fake_slack.calls if c.method != "auth.test"]


def test_escalate_button_confirms_through_response_url(slack, fake_slack, seed):
    mailbox = seed("ana@acme.com", error=TOKEN_EXPIRED)

    response = slack.click("U_ANA", {"action_id": "escalate:0", "value": str(mailbox["id"])})

    assert response.status_code == 200
    confirmation = fake_slack.wait_for_call("response_url")[0].body
    assert any(i.startswith("escalation:") for i in block_ids(confirmation["blocks"]))


def test_escalate_button_on_the_home_tab_confirms_by_dm(slack, fake_slack, seed):
    mailbox = seed("ana@acme.com", error=TOKEN_EXPIRED)

    slack.click("U_ANA", {"action_id": "escalate:0", "value": str(mailbox["id"])}, home=True)

    posted = fake_slack.wait_for_call("chat.postMessage")[0].body
    assert fake_slack.calls_to("conversations.open")[0].body["users"] == "U_ANA"
    assert any(i.startswith("escalation:") for i in block_ids(posted["blocks"]))


def test_feedback_yes_replaces_the_buttons_with_thanks(slack, fake_slack):
    message = {
        "text": "ana@acme.com is disconnected",
        "blocks": [
            {
                "type": "section",
                "block_id": "reason:token_expired:1",
                "text": {"type": "mrkdwn", "text": "x"},
            },
            {"type": "actions", "block_id": "feedback", "elements": []},
        ],
    }

    slack.click("U_ANA", {"action_id": "feedback:yes", "value": "1"}, message=message)

    update = fake_slack.wait_for_call("response_url")[0].body
    assert update["replace_original"] is True
    assert "feedback" not in block_ids(update["blocks"]) and "feedback_done" in block_ids(update["blocks"])
    assert "reason:token_expired:1" in block_ids(update["blocks"])


def test_feedback_no_offers_support(slack, fake_slack):
    slack.click("U_ANA", {"action_id": "feedback:no", "value": "7"})

    answer = fake_slack.wait_for_call("response_url")[0].body
    assert any(b["action_id"].startswith("escalate") and b["value"] == "7" for b in buttons(answer["blocks"]))


def test_home_ask_button_opens_a_modal_and_the_answer_comes_by_dm(slack, fake_slack, seed):
    mailbox = seed("ana@acme.com", error=TOKEN_EXPIRED)
    slack.click("U_ANA", {"action_id": "home:ask", "value": "ask"}, home=True)
    modal = fake_slack.wait_for_call("views.open")[0].body["view"]
    assert modal["callback_id"] == "ask_question"

    state = {
        "values": {"question": {"text": {"type": "plain_text_input", "value": "why did it disconnect?"}}}
    }
    response = slack.interaction(
        {"type": "view_submission", "user": {"id": "U_ANA"}, "view": {**modal, "id": "V1", "state": state}}
    )

    assert response.status_code == 200
    posted = fake_slack.wait_for_call("chat.postMessage")[0].body
    assert f"reason:token_expired:{mailbox['id']}" in block_ids(posted["blocks"])


def test_every_button_the_bot_sends_has_a_handler(slack, fake_slack, seed):
    seed("ana@acme.com", error=TOKEN_EXPIRED)
    slack.dm("U_ANA", "why did my mailbox disconnect?")
    sent = buttons(fake_slack.wait_for_call("chat.postMessage")[0].body["blocks"])
    fake_slack.reset()

    for button in sent:
        assert slack.click("U_ANA", button).status_code == 200

    # Reconnect only acks; escalate and the two feedback buttons each answer once.
    assert len(fake_slack.wait_for_call("response_url", count=len(sent) - 1)) == len(sent) - 1
