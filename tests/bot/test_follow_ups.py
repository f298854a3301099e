"""Follow-ups end to end: a message soon after an answer gets what changed since, not the whole answer."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from mailbox_assistant.conversations.models import ConversationTurn
from tests.bot.blockutil import action_ids, all_text, block_ids, escalate_values
from tests.bot.conftest import wait_for_turns
from tests.bot.test_direct_messages import ERRORS, requested_routes

EXPIRED = ERRORS["token_expired"]


def replies_to(fake_slack, channel, count):
    """The first `count` chat.postMessage bodies to `channel`, once there are that many."""

    def enough(calls):
        found = [c.body for c in calls if c.method == "chat.postMessage" and c.body["channel"] == channel]
        return found[:count] if len(found) >= count else None

    return fake_slack.wait_for(enough)


def converse(slack, fake_slack, engine, user, *messages):
    """Send `messages` one after another as a person would (each after the previous answer was recorded);
    the replies, in order."""
    for number, text in enumerate(messages, start=1):
        slack.dm(user, text)
        wait_for_turns(engine, user, 2 * number)
    return replies_to(fake_slack, "D" + user, len(messages))


def post_event(client, api_keys, mailbox_id, event):
    """Record a mailbox event through the status API, as the sync service does."""
    write = {"Authorization": f"Bearer {api_keys['write']}"}
    response = client.post(f"/api/v1/mailboxes/{mailbox_id}/events", json=event, headers=write)
    assert response.status_code == 201, response.json


def test_a_follow_up_gets_a_short_still_disconnected_not_the_whole_answer(slack, fake_slack, seed, engine):
    mailbox = seed("ana@acme.com", error=EXPIRED)

    first, second = converse(
        slack, fake_slack, engine, "U_ANA", "why did my mailbox disconnect?", "still broken"
    )

    ids = block_ids(second["blocks"])
    assert f"steps:{mailbox['id']}" in block_ids(first["blocks"]) and f"steps:{mailbox['id']}" not in ids
    assert f"reason:token_expired:{mailbox['id']}" in ids and "follow_up" in ids
    text = all_text(second["blocks"])
    assert "ana@acme.com* is still disconnected, since" in text
    assert "Nothing has changed since my last answer" in text
    assert len(text) < len(all_text(first["blocks"])) / 2
    assert f"reconnect:{mailbox['id']}" in action_ids(second["blocks"])
    assert "support_first" not in ids


def test_how_do_i_fix_it_after_the_answer_gets_the_steps_not_the_explanation_again(
    slack, fake_slack, seed, engine
):
    mailbox = seed("ana@acme.com", error=EXPIRED)

    first, second = converse(
        slack, fake_slack, engine, "U_ANA", "why did my mailbox disconnect?", "ok how do I fix it"
    )

    ids = block_ids(second["blocks"])
    assert f"steps:{mailbox['id']}" in ids and "follow_up" in ids
    assert f"reconnect:{mailbox['id']}" in action_ids(second["blocks"])
    steps = next(block for block in first["blocks"] if block.get("block_id") == f"steps:{mailbox['id']}")
    assert steps["text"]["text"] in all_text(second["blocks"])
    summary = next(block for block in first["blocks"] if block.get("block_id", "").startswith("reason:"))
    assert summary["text"]["text"] not in all_text(second["blocks"])  # the explanation is not repeated
    assert len(all_text(second["blocks"])) < len(all_text(first["blocks"]))


def test_is_it_fixed_now_reads_the_status_again(slack, fake_slack, seed, engine, client, api_keys, caplog):
    mailbox = seed("ana@acme.com", error=EXPIRED)
    converse(slack, fake_slack, engine, "U_ANA", "why did my mailbox disconnect?")
    post_event(client, api_keys, mailbox["id"], {"type": "reconnected"})
    caplog.set_level(logging.INFO, logger="api.requests")

    slack.dm("U_ANA", "is it fixed now?")

    _, reply = replies_to(fake_slack, "DU_ANA", 2)
    assert "Yes — *ana@acme.com* is connected again now." in all_text(reply["blocks"])
    assert "/api/v1/mailboxes/<int:mailbox_id>" in requested_routes(caplog)
    assert not any(a.startswith("reconnect") for a in action_ids(reply["blocks"]))


def test_is_it_fixed_asked_in_another_language_reads_the_status_again(
    slack, fake_slack, seed, engine, client, api_keys
):
    mailbox = seed("ana@acme.com", error=EXPIRED)
    converse(slack, fake_slack, engine, "U_ANA", "¿por qué se desconectó mi buzón?")
    post_event(client, api_keys, mailbox["id"], {"type": "reconnected"})

    slack.dm("U_ANA", "¿ya está arreglado?")

    _, reply = replies_to(fake_slack, "DU_ANA", 2)
    assert "Yes — *ana@acme.com* is connected again now." in all_text(reply["blocks"])
    assert "follow_up" in block_ids(reply["blocks"])


def test_the_third_follow_up_puts_support_first(slack, fake_slack, seed, engine):
    mailbox = seed("ana@acme.com", error=EXPIRED)

    *_, second, third = converse(
        slack,
        fake_slack,
        engine,
        "U_ANA",
        "why did my mailbox disconnect?",
        "still broken",
        "any update?",
        "still nothing??",
    )

    assert "support_first" not in block_ids(second["blocks"])
    assert block_ids(third["blocks"])[0] == "support_first"
    assert action_ids(third["blocks"])[0].startswith("escalate")
    assert escalate_values(third["blocks"]) == [str(mailbox["id"])]


def test_an_angry_follow_up_puts_support_first_at_once(slack, fake_slack, seed, engine):
    mailbox = seed("ana@acme.com", error=EXPIRED)

    _, reply = converse(slack, fake_slack, engine, "U_ANA", "why did my mailbox disconnect?", "wtf")

    assert block_ids(reply["blocks"])[0] == "support_first"
    assert action_ids(reply["blocks"])[0].startswith("escalate")
    assert escalate_values(reply["blocks"])[0] == str(mailbox["id"])


def test_a_follow_up_after_ten_minutes_gets_the_full_answer_again(slack, fake_slack, seed, engine):
    mailbox = seed("ana@acme.com", error=EXPIRED)
    converse(slack, fake_slack, engine, "U_ANA", "why did my mailbox disconnect?")
    with engine.begin() as connection:  # the answer was given eleven minutes ago
        connection.execute(
            update(ConversationTurn).values(created_at=datetime.now(UTC) - timedelta(minutes=11))
        )

    slack.dm("U_ANA", "still broken")

    _, reply = replies_to(fake_slack, "DU_ANA", 2)
    assert f"steps:{mailbox['id']}" in block_ids(reply["blocks"])
    assert "follow_up" not in block_ids(reply["blocks"])


def test_a_new_disconnection_since_the_answer_is_explained_in_full(
    slack, fake_slack, seed, engine, client, api_keys
):
    mailbox = seed("ana@acme.com")
    converse(slack, fake_slack, engine, "U_ANA", "is my mailbox ok?")
    post_event(client, api_keys, mailbox["id"], {"type": "disconnected", "error": EXPIRED})

    slack.dm("U_ANA", "still down?")

    _, reply = replies_to(fake_slack, "DU_ANA", 2)
    ids = block_ids(reply["blocks"])
    assert ids.index(f"changed:{mailbox['id']}") < ids.index(f"reason:token_expired:{mailbox['id']}")
    assert f"steps:{mailbox['id']}" in ids


def test_a_follow_up_is_about_the_mailboxes_of_the_last_answer(slack, fake_slack, seed, engine):
    frank = seed("frank@acme.com", provider="microsoft", error=ERRORS["account_suspended"])
    seed("admin@acme.com", error=EXPIRED)

    _, reply = converse(
        slack, fake_slack, engine, "U_ADMIN", "why did frank@acme.com disconnect?", "any update?"
    )

    assert f"reason:account_suspended:{frank['id']}" in block_ids(reply["blocks"])
    assert "admin@acme.com" not in all_text(reply["blocks"])


def test_a_follow_up_word_without_an_earlier_answer_gets_the_full_answer(slack, fake_slack, seed):
    mailbox = seed("ana@acme.com", error=EXPIRED)

    slack.dm("U_ANA", "still broken")

    [reply] = replies_to(fake_slack, "DU_ANA", 1)
    assert f"steps:{mailbox['id']}" in block_ids(reply["blocks"])


def test_an_angry_first_question_gets_the_full_answer_with_support_first(slack, fake_slack, seed):
    mailbox = seed("ana@acme.com", error=EXPIRED)

    slack.dm("U_ANA", "wtf, my mailbox disconnected AGAIN, 3rd time this week!!")

    [reply] = replies_to(fake_slack, "DU_ANA", 1)
    ids = block_ids(reply["blocks"])
    assert ids[0] == "support_first" and f"steps:{mailbox['id']}" in ids
    assert action_ids(reply["blocks"])[0].startswith("escalate")
    assert escalate_values(reply["blocks"]) == [str(mailbox["id"])]
    assert f"reconnect:{mailbox['id']}" in action_ids(reply["blocks"])
