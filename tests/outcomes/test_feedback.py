"""The "Did this help?" votes: kept with what the answer was about, one per person per answer, and a 👎 asks
what was wrong (end to end over signed Slack requests, the real status API and the database)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from slack_sdk.models.views import View

from mailbox_assistant.mailboxes.status import Failure, Mailbox
from mailbox_assistant.notices.messages import Notice, build_message
from mailbox_assistant.outcomes.feedback import build_comment_modal, read_click
from tests.bot.blockutil import block_ids, buttons

TOKEN_EXPIRED = "invalid_grant: Token has been expired or revoked."


def ask(slack, fake_slack, user: str = "U_ANA") -> dict:
    """DM the bot the usual question and return the answer it posted (blocks, text and ts)."""
    slack.dm(user, "why did my mailbox disconnect?")
    call = fake_slack.wait_for_call("chat.postMessage")[-1]
    fake_slack.reset()
    return {"type": "message", "ts": f"{len(call.body['blocks'])}.000100", **call.body}


def click(slack, user: str, answer: dict, action: dict) -> None:
    """`user` clicks `action` under `answer` (the message as Slack sends it back with the click)."""
    payload = {
        "type": "block_actions",
        "user": {"id": user},
        "trigger_id": "trigger",  # the sender may give each interaction a trigger id of its own
        "container": {"type": "message", "channel_id": answer["channel"], "message_ts": answer["ts"]},
        "channel": {"id": answer["channel"]},
        "message": {key: answer[key] for key in ("type", "ts", "text", "blocks")},
        "response_url": slack.fake.response_url("action"),
        "actions": [{"type": "button", "block_id": "feedback", "action_ts": "1", **action}],
    }
    assert slack.interaction(payload).status_code == 200


def feedback_button(answer: dict, action_id: str) -> dict:
    """The feedback button with `action_id` in the answer's blocks."""
    return next(b for b in buttons(answer["blocks"]) if b["action_id"] == action_id)


def test_a_vote_is_kept_with_the_mailbox_reason_provider_and_answer(slack, fake_slack, seed, votes_of):
    mailbox = seed("ana@acme.com", error=TOKEN_EXPIRED)
    answer = ask(slack, fake_slack)

    click(slack, "U_ANA", answer, feedback_button(answer, "feedback:yes"))

    [vote] = votes_of("U_ANA")
    assert vote.helpful is True
    assert vote.answer_ref == f"{answer['channel']}:{answer['ts']}"
    assert (vote.mailbox_id, vote.mailbox_email, vote.provider) == (mailbox["id"], "ana@acme.com", "google")
    assert vote.reason == "token_expired" and vote.confidence == mailbox["last_failure"]["confidence"]
    assert vote.raw_error == TOKEN_EXPIRED
    assert vote.surface == "answer"
    assert "ana@acme.com" in vote.answer_text and "/reconnect/" not in vote.answer_text  # links are secrets


def test_a_second_click_changes_the_vote_instead_of_adding_one(slack, fake_slack, seed, votes_of):
    seed("ana@acme.com", error=TOKEN_EXPIRED)
    answer = ask(slack, fake_slack)

    click(slack, "U_ANA", answer, feedback_button(answer, "feedback:yes"))
    votes_of("U_ANA", helpful=True)
    click(slack, "U_ANA", answer, feedback_button(answer, "feedback:no"))

    [vote] = votes_of("U_ANA", helpful=False)
    assert vote.helpful is False


def test_each_person_and_each_answer_has_its_own_vote(slack, fake_slack, seed, votes_of):
    seed("ana@acme.com", error=TOKEN_EXPIRED)
    first = ask(slack, fake_slack)
    second = {**first, "ts": "99.000100"}  # a later answer in the same conversation

    click(slack, "U_ANA", first, feedback_button(first, "feedback:yes"))
    votes_of("U_ANA", 1)
    click(slack, "U_ANA", second, feedback_button(second, "feedback:no"))
    click(slack, "U_ADMIN", first, feedback_button(first, "feedback:no"))

    assert [v.helpful for v in votes_of("U_ANA", 2)] == [True, False]
    assert len(votes_of("U_ADMIN", 1)) == 1


def test_thumbs_down_offers_support_and_asks_what_was_wrong(slack, fake_slack, seed, votes_of):
    mailbox = seed("ana@acme.com", error=TOKEN_EXPIRED)
    answer = ask(slack, fake_slack)

    click(slack, "U_ANA", answer, feedback_button(answer, "feedback:no"))

    modal = fake_slack.wait_for_call("views.open")[0].body
    assert modal["trigger_id"] and modal["view"]["callback_id"] == "feedback_comment"  # the click's trigger
    update = fake_slack.wait_for_call("response_url")[0].body
    assert "feedback" not in block_ids(update["blocks"])
    assert any(b["action_id"].startswith("escalate") for b in buttons(update["blocks"]))

    state = {
        "values": {"comment": {"text": {"type": "plain_text_input", "value": "  The cause was wrong\n"}}}
    }
    view = {**modal["view"], "id": "V1", "state": state}
    response = slack.interaction({"type": "view_submission", "user": {"id": "U_ANA"}, "view": view})

    assert response.status_code == 200
    [vote] = votes_of("U_ANA", comment="The cause was wrong")
    assert vote.helpful is False and vote.mailbox_id == mailbox["id"]


def test_slacks_feedback_buttons_element_is_read_too(slack, fake_slack, seed, votes_of):
    mailbox = seed("ana@acme.com", error=TOKEN_EXPIRED)
    answer = ask(slack, fake_slack)
    element = {"type": "feedback_buttons", "action_id": "feedback", "value": "no"}

    click(slack, "U_ANA", answer, {**element, "block_id": f"feedback:{mailbox['id']}"})

    [vote] = votes_of("U_ANA")
    assert vote.helpful is False and vote.mailbox_id == mailbox["id"] and vote.reason == "token_expired"


def test_a_vote_is_kept_when_the_status_api_cannot_say_more(slack, fake_slack, votes_of):
    answer = {
        "type": "message",
        "channel": "DU_ANA",
        "ts": "5.000001",
        "text": "x",
        "blocks": [
            {"type": "section", "block_id": "reason:storage_full:77", "text": {"type": "mrkdwn", "text": "x"}}
        ],
    }

    click(slack, "U_ANA", answer, {"action_id": "feedback:yes", "value": "77"})

    [vote] = votes_of("U_ANA")
    assert (vote.mailbox_id, vote.reason, vote.provider) == (77, "storage_full", None)


def test_a_click_is_read_from_either_kind_of_button():
    body = {
        "user": {"id": "U1"},
        "container": {"channel_id": "D1", "message_ts": "1.5"},
        "message": {"blocks": [{"block_id": "reason:password_changed:3"}, {"block_id": "reason:unknown:4"}]},
    }

    plain_button = read_click(body, {"action_id": "feedback:no", "value": "4", "block_id": "feedback"})
    element = read_click(body, {"action_id": "feedback", "value": "yes", "block_id": "feedback:3"})
    notice = read_click(body, {"action_id": "feedback:yes", "value": "3", "block_id": "notice_feedback"})

    assert (plain_button.helpful, plain_button.mailbox_ref) == (False, "4")
    assert plain_button.reason_shown == "unknown"
    assert (element.helpful, element.mailbox_ref, element.reason_shown) == (True, "3", "password_changed")
    assert plain_button.answer_ref == element.answer_ref == "D1:1.5"
    assert (plain_button.surface, notice.surface) == ("answer", "notice")
    assert read_click(body, {"action_id": "escalate:3", "value": "3"}) is None


def test_the_what_was_wrong_modal_is_valid_block_kit():
    click_ = read_click(
        {"user": {"id": "U1"}, "container": {"channel_id": "D1", "message_ts": "1.5"}},
        {"action_id": "feedback:no", "value": "9"},
    )

    modal = build_comment_modal(click_)

    View(**modal).validate_json()
    assert json.loads(modal["private_metadata"]) == {"answer": "D1:1.5", "mailbox": "9", "surface": "answer"}


def dm_about(kind: str, resolved: bool = False) -> list[dict]:
    """The blocks of the proactive DM about one disconnected mailbox."""
    mailbox = Mailbox(
        id="5",
        email="ana@acme.com",
        provider="google",
        owner_email="ana@acme.com",
        status="disconnected",
        disconnected_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
        last_failure=Failure("token_expired", None, TOKEN_EXPIRED, None, 1.0),
    )
    notice = Notice(kind, mailbox, resolved_at=datetime(2026, 11, 2, 10, 0, tzinfo=UTC) if resolved else None)
    return build_message([notice], lambda m: "https://example.test/reconnect/x").reply.blocks


def test_a_proactive_dm_asks_whether_it_helped_and_its_votes_say_so(slack, votes_of):
    blocks = dm_about("disconnected")
    answer = {"type": "message", "channel": "DU_ANA", "ts": "7.000001", "text": "x", "blocks": blocks}
    yes = next(b for b in buttons(blocks) if b["action_id"] == "feedback:yes")

    click(slack, "U_ANA", answer, {**yes, "block_id": "notice_feedback"})

    [vote] = votes_of("U_ANA")
    assert (vote.surface, vote.mailbox_ref, vote.reason) == ("notice", "5", "token_expired")


def test_dms_about_an_outage_or_a_reconnection_ask_nothing():
    assert "notice_feedback" in block_ids(dm_about("reminder"))
    assert "notice_feedback" not in block_ids(dm_about("incident"))
    assert "notice_feedback" not in block_ids(dm_about("disconnected", resolved=True))
