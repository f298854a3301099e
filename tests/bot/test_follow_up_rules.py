"""When a message is a follow-up, and what is remembered of an answer (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot import follow_up
from bot.follow_up import FOLLOW_UP_WINDOW, LastAnswer, about_of, is_follow_up, is_how_follow_up
from bot.reading import read_question
from mailbox_assistant.conversations.types import Reply
from tests.bot.blockutil import block_ids
from tests.bot.factories import NOW, connected, disconnected


def last_answer(*mailboxes, minutes_ago=2, follow_ups=0):
    reply = Reply(text="", mailboxes=tuple(mailboxes), follow_ups=follow_ups)
    return LastAnswer.from_about(NOW - timedelta(minutes=minutes_ago), about_of(reply))


def test_what_is_remembered_reads_back_as_it_was_shown():
    mailbox = disconnected()

    last = last_answer(mailbox, connected(), follow_ups=2)

    assert [seen.id for seen in last.mailboxes] == ["mb-1", "mb-2"]
    assert last.mailboxes[0].disconnected_at == mailbox.disconnected_at and last.follow_ups == 2
    assert about_of(Reply(text="help")) is None
    assert LastAnswer.from_about(NOW, {"mailboxes": [{"id": 1}]}) is None  # unreadable: no follow-up


@pytest.mark.parametrize(
    ("text", "minutes_ago", "expected"),
    [
        ("still broken", 2, True),
        ("still broken", FOLLOW_UP_WINDOW.total_seconds() / 60 + 1, False),
        ("why did my mailbox disconnect?", 2, False),  # asked again in full: answered in full
        ("still broken, I changed my password", 2, False),  # a cause named: new information
        ("still broken, what about bo@acme.com?", 2, False),
        ("how do I reconnect again?", 2, False),
        ("still broken, what should I do?", 2, False),
    ],
)
def test_is_follow_up(text, minutes_ago, expected):
    last = last_answer(disconnected(), minutes_ago=minutes_ago)

    assert is_follow_up(read_question(text), last, NOW) is expected


@pytest.mark.parametrize(
    ("text", "minutes_ago", "expected"),
    [
        ("ok how do I fix it", 2, True),
        ("how do I reconnect again?", 2, True),
        ("ok how do I fix it", FOLLOW_UP_WINDOW.total_seconds() / 60 + 1, False),
        ("how do I reconnect bo@acme.com?", 2, False),  # someone named: answered afresh
        ("how do I reconnect? I changed my password", 2, False),  # a cause named: new information
        ("how come it disconnected?", 2, False),  # asks why, whatever the matcher read
    ],
)
def test_is_how_follow_up(text, minutes_ago, expected):
    question = replace(read_question(text), intent="how_to_reconnect")  # as a matcher may read it

    assert is_how_follow_up(question, last_answer(disconnected(), minutes_ago=minutes_ago), NOW) is expected


def test_a_how_follow_up_gets_the_steps_and_the_buttons_not_the_explanation():
    mailbox = disconnected()
    question = replace(read_question("ok how do I fix it"), intent="how_to_reconnect")

    reply = follow_up.follow_up_answer(question, last_answer(mailbox), [mailbox], reconnect_url=str)

    ids = block_ids(reply.blocks)
    assert ids == [
        f"reason:{mailbox.reason_code}:{mailbox.id}",
        f"steps:{mailbox.id}",
        f"actions:{mailbox.id}",
        "follow_up",
    ]
    assert "still disconnected" in reply.blocks[0]["text"]["text"]


def test_a_short_follow_up_read_as_how_to_is_still_a_follow_up():
    question = replace(read_question("and now?"), intent="how_to_reconnect")  # as a matcher may read it

    assert is_follow_up(question, last_answer(disconnected()), NOW)


def test_no_earlier_answer_means_no_follow_up():
    assert not is_follow_up(read_question("still broken"), None, NOW)


def test_a_mailbox_gone_since_is_said_so():
    last = last_answer(disconnected())

    reply = follow_up.follow_up_answer(read_question("any update?"), last, [], reconnect_url=str)

    assert block_ids(reply.blocks) == ["gone", "follow_up"]


def test_disconnected_again_in_between_is_told_apart_from_still_disconnected():
    before = disconnected()
    again = replace(before, disconnected_at=before.disconnected_at + timedelta(minutes=5))

    reply = follow_up.follow_up_answer(
        read_question("still broken"), last_answer(before), [again], reconnect_url=str
    )

    assert "reconnected, then disconnected again" in reply.blocks[0]["text"]["text"]
    assert reply.follow_ups == 1
