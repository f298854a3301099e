"""People with many mailboxes, end to end over signed requests against the strict Slack stand-in: every
surface answers within Slack's limits, the full list and the Home tab page through all of them, and a
reply Slack refuses gets a fallback, an ERROR, and no place in the transcript."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from bot import fleet
from bot.mailbox_list import ListRequest
from tests.bot.blockutil import all_text, block_ids, buttons
from tests.bot.conftest import wait_for_turns
from tests.bot.test_direct_messages import ERRORS

CAUSES = ["token_expired", "password_changed", "account_suspended", "storage_full", "sending_limit"]
PROVIDERS = ["google", "microsoft", "imap"]
ASK = "why did my mailbox disconnect?"


@pytest.fixture
def own_fleet(seed):
    """Seed `count` mailboxes owned by `owner`, the first `disconnected` of them disconnected for mixed
    causes on mixed providers."""

    def make(owner: str, count: int, disconnected: int) -> list[dict[str, Any]]:
        local, domain = owner.split("@")
        return [
            seed(
                f"{local}.{n}@{domain}",
                owner_email=owner,
                provider=PROVIDERS[n % len(PROVIDERS)],
                error=ERRORS[CAUSES[n % len(CAUSES)]] if n < disconnected else None,
            )
            for n in range(count)
        ]

    return make


def dm_reply(fake_slack, channel: str = "DU_ANA") -> dict[str, Any]:
    return fake_slack.wait_for(
        lambda calls: next(
            (c.body for c in calls if c.method == "chat.postMessage" and c.body["channel"] == channel), None
        )
    )


def assert_a_fleet_answer(blocks: list[dict[str, Any]], mailboxes: list[dict[str, Any]], disconnected: int):
    assert len(blocks) <= 50
    assert block_ids(blocks)[0] == "fleet_summary"
    summary = all_text(blocks[:1])
    assert f"*{len(mailboxes)} mailboxes*" in summary and f"*{disconnected} disconnected*" in summary
    text = all_text(blocks)
    assert all(m["email"] in text for m in mailboxes if m["status"] == "disconnected")
    assert any(i.startswith("reason:token_expired") for i in block_ids(blocks))


def click_in_modal(slack, user: str, button: dict[str, Any]):
    """A click on a button of the modal the bot opened (no response_url: a view container)."""
    return slack.interaction(
        {
            "type": "block_actions",
            "user": {"id": user},
            "trigger_id": "trigger",
            "container": {"type": "view", "view_id": "V_LIST"},
            "view": {"id": "V_LIST", "type": "modal", "hash": "h1", "callback_id": "mailbox_list"},
            "actions": [{"type": "button", "block_id": "b", "action_ts": "1", **button}],
        }
    )


def accessories(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [block["accessory"] for block in blocks if "accessory" in block]


def test_thirty_disconnected_of_fifty_get_a_summary_slack_accepts(slack, fake_slack, own_fleet, engine):
    mailboxes = own_fleet("ana@acme.com", 50, disconnected=30)

    slack.dm("U_ANA", ASK)

    reply = dm_reply(fake_slack)
    assert_a_fleet_answer(reply["blocks"], mailboxes, 30)
    assert "ana.0@acme.com is disconnected (and 29 more)" in reply["text"]
    _, answer = wait_for_turns(engine, "U_ANA", 2)
    assert "30 disconnected" in answer["text"]


def test_eight_disconnected_get_every_one_named(slack, fake_slack, own_fleet):
    mailboxes = own_fleet("ana@acme.com", 8, disconnected=8)

    slack.dm("U_ANA", ASK)

    assert_a_fleet_answer(dm_reply(fake_slack)["blocks"], mailboxes, 8)


def test_a_mention_sends_the_details_privately_then_points_to_them(slack, fake_slack, own_fleet):
    mailboxes = own_fleet("ana@acme.com", 40, disconnected=20)

    slack.mention("U_ANA", ASK)

    private = fake_slack.wait_for_call("chat.postEphemeral")[0]
    public = fake_slack.wait_for_call("chat.postMessage")[0]
    assert_a_fleet_answer(private.body["blocks"], mailboxes, 20)
    assert "privately" in public.body["text"] and "blocks" not in public.body
    assert private.received_at < public.received_at  # the pointer follows details that were shown


def test_the_slash_command_answers_a_large_fleet(slack, fake_slack, own_fleet):
    mailboxes = own_fleet("ana@acme.com", 30, disconnected=12)

    slack.command("U_ANA", "status")

    answer = fake_slack.wait_for_call("response_url")[0].body
    assert answer["response_type"] == "ephemeral"
    assert_a_fleet_answer(answer["blocks"], mailboxes, 12)


def test_the_ask_modal_answers_a_large_fleet_by_dm(slack, fake_slack, own_fleet):
    mailboxes = own_fleet("ana@acme.com", 30, disconnected=15)
    view = {"state": {"values": {"question": {"text": {"type": "plain_text_input", "value": ASK}}}}}

    slack.interaction(
        {
            "type": "view_submission",
            "user": {"id": "U_ANA"},
            "view": {"type": "modal", "callback_id": "ask_question", **view},
        }
    )

    assert_a_fleet_answer(fake_slack.wait_for_call("chat.postMessage")[0].body["blocks"], mailboxes, 15)


def test_see_all_opens_the_full_list_and_its_pages_turn(slack, fake_slack, own_fleet):
    mailboxes = own_fleet("ana@acme.com", 90, disconnected=45)
    slack.dm("U_ANA", ASK)
    [see_all] = [x for x in buttons(dm_reply(fake_slack)["blocks"]) if x["action_id"] == "mailboxes:all"]

    slack.click("U_ANA", see_all)

    opened = fake_slack.wait_for_call("views.open")[0].body["view"]
    rows = [i for i in block_ids(opened["blocks"]) if i.startswith("row:")]
    assert len(rows) == fleet.ROWS_PER_PAGE and "Page 1 of 3" in all_text(opened["blocks"])
    [next_page] = [x for x in buttons(opened["blocks"]) if x["action_id"] == "mailboxes:page:next"]
    click_in_modal(slack, "U_ANA", next_page)
    updated = fake_slack.wait_for_call("views.update")[0].body
    assert updated["view_id"] == "V_LIST" and "Page 2 of 3" in all_text(updated["view"]["blocks"])
    seen = set(rows) | {i for i in block_ids(updated["view"]["blocks"]) if i.startswith("row:")}
    assert len(seen) == 2 * fleet.ROWS_PER_PAGE
    reconnects = [a for a in accessories(opened["blocks"]) if a["action_id"].startswith("reconnect")]
    assert reconnects and all(a["url"].startswith("https://mailbox.example/reconnect/") for a in reconnects)
    assert mailboxes[0]["email"] in all_text(opened["blocks"])


def test_a_cause_groups_reconnect_opens_its_mailboxes(slack, fake_slack, own_fleet):
    own_fleet("ana@acme.com", 40, disconnected=40)
    slack.dm("U_ANA", ASK)
    group = next(
        block
        for block in dm_reply(fake_slack)["blocks"]
        if block.get("block_id") == "reason:token_expired:group"
    )

    slack.click("U_ANA", group["accessory"])

    view = fake_slack.wait_for_call("views.open")[0].body["view"]
    assert "The mailbox's sign-in token expired" in all_text(view["blocks"][:1])
    rows = accessories(view["blocks"])
    assert len(rows) == 8 and all(a["action_id"].startswith("reconnect") for a in rows)


def test_the_home_tab_of_a_large_fleet_pages_with_how_many_more(slack, fake_slack, own_fleet):
    mailboxes = own_fleet("ana@acme.com", 100, disconnected=50)

    slack.event({"type": "app_home_opened", "user": "U_ANA", "channel": "DU_ANA", "tab": "home"})

    first = fake_slack.wait_for_call("views.publish")[0].body["view"]["blocks"]
    assert len(first) <= 100 and "fleet_summary" in block_ids(first)
    pages = -(-(len(mailboxes) - fleet.DETAILED) // fleet.ROWS_PER_PAGE)
    assert f"Page 1 of {pages}" in all_text(first)
    [next_page] = [x for x in buttons(first) if x["action_id"] == "home:page:next"]
    slack.click("U_ANA", next_page, home=True)
    second = fake_slack.wait_for_call("views.publish", count=2)[1].body["view"]["blocks"]
    assert f"Page 2 of {pages}" in all_text(second)
    assert not set(block_ids(first)) & {i for i in block_ids(second) if i.startswith("row:")}


@pytest.fixture
def full_layout_for_any_fleet(monkeypatch):
    """The answer as it was before fleets: every mailbox in full, which Slack refuses past 7 or so."""
    monkeypatch.setattr(fleet, "FEW_MAILBOXES", 10_000)
    monkeypatch.setattr(fleet, "FEW_DISCONNECTED", 10_000)


def refusal_logs(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.delivery" and r.levelno == logging.ERROR]


def test_a_refused_reply_gets_a_fallback_an_error_and_no_place_in_the_transcript(
    slack, fake_slack, own_fleet, engine, caplog, full_layout_for_any_fleet
):
    fake_slack.expect_refusals()
    own_fleet("ana@acme.com", 12, disconnected=12)

    slack.dm("U_ANA", ASK)

    refused, fallback = (c.body for c in fake_slack.wait_for_call("chat.postMessage", count=2))
    assert len(refused["blocks"]) > 50 and "blocks" not in fallback
    assert "Home" in fallback["text"]
    question, said = wait_for_turns(engine, "U_ANA", 2)
    assert question["text"] == ASK and said["text"] == fallback["text"].replace("*", "")
    [line] = refusal_logs(caplog)
    assert "direct message" in line and "U_ANA" in line and "invalid_blocks" in line
    assert f"({len(refused['blocks'])} blocks" in line and "no more than 50 items" in line


def test_a_refused_slash_command_answer_gets_a_fallback_and_an_error(
    slack, fake_slack, own_fleet, engine, caplog, full_layout_for_any_fleet
):
    fake_slack.expect_refusals()
    own_fleet("ana@acme.com", 12, disconnected=12)

    slack.command("U_ANA", "status")

    refused, fallback = (c.body for c in fake_slack.wait_for_call("response_url", count=2))
    assert len(refused["blocks"]) > 50 and "Home" in fallback["text"]
    assert fallback["response_type"] == "ephemeral"
    [line] = refusal_logs(caplog)
    assert "/mailbox" in line and "U_ANA" in line and "invalid_blocks" in line
    _, said = wait_for_turns(engine, "U_ANA", 2)
    assert said["text"].startswith("Sorry, Slack wouldn't show my answer")


def test_a_refused_mention_answer_points_to_nothing(
    slack, fake_slack, own_fleet, caplog, full_layout_for_any_fleet
):
    fake_slack.expect_refusals()
    own_fleet("ana@acme.com", 12, disconnected=12)

    slack.mention("U_ANA", ASK)

    refused, fallback = (c.body for c in fake_slack.wait_for_call("chat.postEphemeral", count=2))
    assert len(refused["blocks"]) > 50 and fallback["user"] == "U_ANA" and "Home" in fallback["text"]
    assert not fake_slack.calls_to("chat.postMessage")  # no "sent you the details privately"
    assert "mention" in refusal_logs(caplog)[0]


def test_many_candidates_for_support_are_chosen_from_the_full_list(slack, fake_slack, own_fleet):
    mailboxes = own_fleet("ana@acme.com", 40, disconnected=30)

    slack.dm("U_ANA", "can I talk to a human?")

    chooser = dm_reply(fake_slack)["blocks"]
    choices = [x for x in buttons(chooser) if x["action_id"].startswith("escalate")]
    assert len(choices) == 25 and "escalate_choice" in block_ids(chooser)
    [see_all] = [x for x in buttons(chooser) if x["action_id"] == "mailboxes:choose"]
    slack.click("U_ANA", see_all)
    view = fake_slack.wait_for_call("views.open")[0].body["view"]
    rows = accessories(view["blocks"])
    assert len(rows) == 30 and all(a["action_id"].startswith("escalate") for a in rows)
    last = next(a for a in rows if a["value"] == str(mailboxes[29]["id"]))
    click_in_modal(slack, "U_ANA", last)
    confirmation = fake_slack.wait_for_call("chat.postMessage", count=2)[1].body
    assert any(i.startswith("escalation:") for i in block_ids(confirmation["blocks"]))
    assert mailboxes[29]["email"] in all_text(confirmation["blocks"])


def test_outside_text_is_escaped_and_ids_stay_short(slack, fake_slack, seed):
    address = "sales&ops." + "a" * 50 + "@" + "b" * 60 + "." + "c" * 60 + ".example.com"
    forged = "AUTHENTICATE failed <!channel> <@U_BO> see <https://evil.example|your account> & retry"
    mailbox = seed(address, owner_email="ana@acme.com", provider="imap", error=forged)

    slack.dm("U_ANA", ASK)

    blocks = dm_reply(fake_slack)["blocks"]
    text = json.dumps(blocks)
    assert "<!channel>" not in text and "<@U_BO>" not in text and "<https://evil" not in text
    assert "&lt;!channel&gt;" in text and "sales&amp;ops." in text and "&amp;amp;" not in text
    [escalate] = [x for x in buttons(blocks) if x["action_id"].startswith("escalate")]
    assert escalate["value"] == str(mailbox["id"]) and len(escalate["action_id"]) <= 20


def test_someone_elses_list_is_not_shown_to_a_non_admin(slack, fake_slack, own_fleet):
    own_fleet("bo@acme.com", 20, disconnected=10)
    forged = {"action_id": "mailboxes:all", "value": ListRequest(of="bo@acme.com").value()}

    slack.click("U_ANA", forged)

    view = fake_slack.wait_for_call("views.open")[0].body["view"]
    assert block_ids(view["blocks"]) == ["list_refused"]
    assert "bo.1@acme.com" not in json.dumps(view)


def test_an_admin_lists_the_mailboxes_of_the_person_looked_up(slack, fake_slack, own_fleet):
    mailboxes = own_fleet("bo@acme.com", 20, disconnected=10)
    slack.dm("U_ADMIN", "why did bo@acme.com disconnect?")
    reply = dm_reply(fake_slack, "DU_ADMIN")
    [see_all] = [x for x in buttons(reply["blocks"]) if x["action_id"] == "mailboxes:all"]

    slack.click("U_ADMIN", see_all)

    view = fake_slack.wait_for_call("views.open")[0].body["view"]
    assert all(m["email"] in all_text(view["blocks"]) for m in mailboxes)


def test_a_refused_home_tab_is_replaced_by_an_apology_and_logged(
    slack, fake_slack, own_fleet, caplog, full_layout_for_any_fleet
):
    fake_slack.expect_refusals()
    own_fleet("ana@acme.com", 20, disconnected=20)

    slack.event({"type": "app_home_opened", "user": "U_ANA", "channel": "DU_ANA", "tab": "home"})

    refused, apology = (c.body["view"] for c in fake_slack.wait_for_call("views.publish", count=2))
    assert len(refused["blocks"]) > 100 and block_ids(apology["blocks"]) == ["home_refused"]
    [line] = refusal_logs(caplog)
    assert "home" in line and "U_ANA" in line
