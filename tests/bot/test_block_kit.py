"""The new replies are Block Kit that Slack accepts (slack_sdk's models check ids, lengths and types)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from slack_sdk.models.blocks import Block

from bot import replies
from bot.answering import with_notes
from bot.follow_up import LastAnswer, about_of, follow_up_answer
from bot.reading import read_question
from mailbox_assistant.conversations.types import Reply, SlackUser
from tests.bot.factories import NOW, connected, disconnected

PEOPLE = [SlackUser(f"U{n}", f"frank{n}@acme.com", f"Frank <{n}>", False) for n in range(12)]


def follow_up(text):
    mailboxes = (disconnected(), connected())
    last = LastAnswer.from_about(NOW - timedelta(minutes=1), about_of(Reply(text="", mailboxes=mailboxes)))
    return follow_up_answer(
        read_question(text), last, list(mailboxes), reconnect_url=lambda m: "https://x.test/r"
    )


REPLIES = {
    "off_topic": replies.off_topic_reply(),
    "thanks": replies.thanks_reply(),
    "refused": replies.refuse_other_person(),
    "unknown": replies.unknown_person("zed <@U1>"),
    "ambiguous": replies.ambiguous_person("frank", PEOPLE),
    "no_email": replies.no_email_for(PEOPLE[0]),
    "follow_up": follow_up("still broken"),
    "support_first": follow_up("wtf"),
    "notes": with_notes(read_question("mi buzón no funciona", with_file=True), replies.thanks_reply()),
}


@pytest.mark.parametrize("name", REPLIES)
def test_reply_is_valid_block_kit(name):
    reply = REPLIES[name]

    assert reply.text and reply.blocks
    for data in reply.blocks:
        block = Block.parse(data)
        block.validate_json()
        for element in getattr(block, "elements", None) or []:
            if hasattr(element, "validate_json"):
                element.validate_json()


def test_names_from_slack_are_escaped():
    ambiguous = str(REPLIES["ambiguous"].blocks)

    assert "Frank &lt;3&gt;" in ambiguous and "<3>" not in ambiguous
    assert "…and 2 more." in ambiguous
    assert "<@U1>" not in str(REPLIES["unknown"].blocks)
