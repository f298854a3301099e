"""No message is slow to read: a megabyte that is hostile to regexes is read like any other message.

Each test finishes in well under a second while every pattern is linear; a pattern that scans a long
run again from each of its characters takes minutes to hours here, not a failed assertion.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

import knowledge.language
from bot import reading
from bot.directory import people_named
from bot.follow_up import LastAnswer, Seen, is_follow_up
from bot.reading import MAX_READ, read_question
from knowledge.loader import INTENTS, REASON_CODES
from mailbox_assistant.conversations.types import SlackUser
from tests.bot.factories import NOW

MEGABYTE = 1_000_000
LONG_RUN = 32_000  # characters a pattern or a name look-up reads on its own, with no length bound
# Units repeated to make hostile messages: each once made some pattern rescan the text from every
# character (runs with no end, '\b' at every position, delimiters that never close).
HOSTILE = {
    "angle brackets": "<",
    "letters": "a",
    "dotted letters": "a.",
    "dashed letters": "a-",
    "apostrophes": "a'",
    "mailto links without end": "<mailto:",
    "mentions without end": "<@",
    "user mentions without end": "<@U1|",
    "link labels without end": "<a|",
    "addresses without domain": "a@",
    "address fragments": "@a.",
    "possessives": "x's ",
    "words with no question mark": "up ",
    "token fragments": "eyJ-",
    "spaces": " ",
    "newlines": "\n",
    "accented letters": "é",
    "every plane": "".join(chr(plane * 0x10000 + 0x41) for plane in range(17)),
}
TOPICS = ("mailbox", "help", "thanks", "off_topic")
PEOPLE = [
    SlackUser("U1", "u1@acme.com", "Frank Moreau", is_bot=False, names=("Frank Moreau",), handle="frank"),
]
# The patterns reading applies to a message: its own and those of the language cues.
PATTERNS = [
    value for module in (reading, knowledge.language) for value in vars(module).values()
    if isinstance(value, re.Pattern)
]  # fmt: skip


def hostile(name: str, size: int = MEGABYTE) -> str:
    """`size` characters of the named hostile unit, repeated."""
    unit = HOSTILE[name]
    return unit * (size // len(unit))


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_megabyte_of_hostile_input_is_read(name):
    question = read_question(hostile(name), bot_user_id="U0BOT")

    assert question.intent in INTENTS and question.topic in TOPICS
    assert question.named_reason is None or question.named_reason in REASON_CODES
    assert len(question.text) <= MAX_READ
    assert question.about_name is None or len(question.about_name) <= 100


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_every_pattern_reads_a_long_hostile_run_in_one_pass(name):
    text = hostile(name, LONG_RUN)

    for pattern in PATTERNS:
        spans = [found.span() for found in pattern.finditer(text)]
        assert all(0 <= start <= end <= len(text) for start, end in spans)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_message_names_no_one_in_the_directory(name):
    question = read_question(hostile(name))

    assert people_named(PEOPLE, hostile(name, LONG_RUN)) == []
    assert question.about_name is None or people_named(PEOPLE, question.about_name) == []


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_message_is_read_as_a_follow_up_or_not(name):
    last = LastAnswer(
        at=NOW - timedelta(minutes=1), mailboxes=(Seen("mb-1", "ana@acme.com", "connected", None),)
    )

    assert is_follow_up(read_question(hostile(name)), last, NOW) in (True, False)


def test_a_long_message_is_read_by_its_head_and_tail():
    log = "DEBUG connection pool ok\n" * 3000

    pasted = read_question(
        "my mailbox disconnected, the log says: " + log + "AADSTS50057: The user account is disabled."
    )
    asked_first = read_question("what about bo@acme.com? " + log)
    asked_last = read_question("why did my mailbox disconnect? " + log + "what about frank's inbox?")

    assert pasted.named_reason == "account_suspended"
    assert asked_first.about_email == "bo@acme.com"
    assert asked_last.about_name == "frank"
    assert max(len(q.text) for q in (pasted, asked_first, asked_last)) <= MAX_READ


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("is it back " * 10_000 + "?", True),
        ("working again? thanks", True),
        ("is it fixed now", False),
        ("? it works now", False),
        ("any news on this", True),
    ],
)
def test_asking_whether_it_is_fixed_needs_the_word_before_a_question_mark(text, asks):
    assert read_question(text).asks_if_fixed is asks


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("is Ana.O'Neil+sales@Mail.Acme.co.uk down?", "ana.o'neil+sales@mail.acme.co.uk"),
        ("<mailto:bo@acme.com|bo@acme.com> disconnected", "bo@acme.com"),
        ("bo@acme.com.", "bo@acme.com"),
        ("a" * 65 + "@acme.com", None),
        ("bo@" + "a" * 64 + ".com", None),
    ],
)
def test_an_address_has_the_lengths_mail_allows(text, email):
    assert read_question(text).about_email == email
