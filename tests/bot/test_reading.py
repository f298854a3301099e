"""Reading a message (pure): topic, someone named, follow-up and frustration cues, language, files."""

from __future__ import annotations

import pytest

from bot.directory import people_named
from bot.reading import read_question
from mailbox_assistant.conversations.types import SlackUser


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("can you write me a cold email?", "off_topic"),
        ("what's the weather", "off_topic"),
        ("how do I create a sequence", "off_topic"),
        ("hi", "help"),
        ("help", "help"),
        ("good morning!", "help"),
        ("that worked, thanks", "thanks"),
        ("thanks!", "thanks"),
        ("ok", "thanks"),
        ("got it!", "thanks"),
        ("thanks but it still fails", "mailbox"),
        ("thanks, it doesn't work", "mailbox"),
        ("is it working now?", "mailbox"),
        ("my email stopped working", "mailbox"),
        ("why did my mailbox disconnect?", "mailbox"),
        ("my password is X and it still fails", "mailbox"),
        ("wtf", "mailbox"),
        ("any update?", "mailbox"),
    ],
)
def test_the_topic(text, topic):
    question = read_question(text)

    assert question.topic == topic
    assert question.wants_help == (topic != "mailbox")


@pytest.mark.parametrize(
    ("text", "email", "slack_id", "name"),
    [
        ("what about bo@acme.com?", "bo@acme.com", None, None),
        ("why did <@U0BOT> <@U123ABC> disconnect?", None, "U123ABC", None),
        ("why is frank's inbox down", None, None, "frank"),
        ("What's wrong with Frank Moreau's mailbox?", None, None, "Frank Moreau"),
        ("what about Frank?", None, None, "Frank"),
        ("what about now?", None, None, None),
        ("what about imap?", None, None, None),
        ("what about my other mailbox?", None, None, None),
        ("it's my mailbox that is down", None, None, None),
        ("why is Google's mailbox service down?", None, None, None),
        ("<@U0BOT> why did my mailbox disconnect?", None, None, None),
        ("o que aconteceu com o email do frank?", None, None, "frank"),
        ("el correo de Frank está caído", None, None, "Frank"),
        ("das Postfach von Frank Moreau geht nicht", None, None, "Frank Moreau"),
        ("la boîte mail de frank ne marche plus", None, None, "frank"),
        ("und was ist mit ivy?", None, None, "ivy"),
        ("¿y Frank?", None, None, "Frank"),
        ("e a Ana?", None, None, "Ana"),
        ("e agora?", None, None, None),  # "and now?": a follow-up
        ("und jetzt?", None, None, None),
        ("mi cuenta de outlook no funciona", None, None, None),
        ("la bandeja de entrada no carga", None, None, None),  # "the inbox"
        ("meu email da empresa caiu", None, None, None),
        ("was ist mit meinem Postfach?", None, None, None),
        ("tentaram entrar na minha conta da Rússia", None, None, None),  # the asker's own account
        ("escríbeme un correo de seguimiento para un cliente", None, None, None),
    ],
)
def test_someone_named(text, email, slack_id, name):
    question = read_question(text, bot_user_id="U0BOT")

    assert (question.about_email, question.about_slack_id, question.about_name) == (email, slack_id, name)


@pytest.mark.parametrize(
    ("text", "follow_up", "frustrated", "asks_if_fixed"),
    [
        ("still broken", True, False, False),
        ("is it fixed now?", True, False, True),
        ("any update?", True, False, True),
        ("and now?", True, False, False),
        ("3rd time this week", True, True, False),
        ("wtf", True, True, False),
        ("STILL BROKEN", True, True, False),
        ("sigue sin funcionar", True, False, False),
        ("¿ya está arreglado?", True, False, True),
        ("já voltou?", True, False, True),
        ("c'est réparé ?", True, False, True),
        ("geht es jetzt wieder?", True, False, True),
        ("otra vez!!! ya es la tercera vez esta semana", True, True, False),
        ("schon wieder getrennt, zum dritten Mal", True, True, False),
        ("por qué se desconectó mi buzón?", False, False, False),
        ("why did my mailbox disconnect?", False, False, False),
    ],
)
def test_follow_up_and_frustration_cues(text, follow_up, frustrated, asks_if_fixed):
    question = read_question(text)

    assert (question.follow_up, question.frustrated, question.asks_if_fixed) == (
        follow_up,
        frustrated,
        asks_if_fixed,
    )


def test_a_file_with_no_text_asks_for_the_status():
    question = read_question("", with_file=True)

    assert question.with_file and question.intent == "why_disconnected" and not question.wants_help


def test_the_language_is_read():
    assert read_question("warum ist mein Postfach getrennt?").language == "de"
    assert read_question("why did my mailbox disconnect?").language == "en"


def person(user_id, real_name, display_name="", handle="", **kw):
    names = tuple(n for n in (real_name, display_name) if n)
    handle = handle or real_name.lower().replace(" ", ".")
    email = f"{user_id.lower()}@acme.com"
    return SlackUser(id=user_id, email=email, name=real_name, is_bot=False, names=names, handle=handle, **kw)


PEOPLE = [
    person("U1", "Frank Moreau", "frankie", handle="frank"),
    person("U2", "Frank Silva"),
    person("U3", "José Núñez"),
    person("U4", "Frank Old", deleted=True),
    SlackUser(id="B1", email=None, name="Frank Bot", is_bot=True, names=("Frank Bot",)),
]


@pytest.mark.parametrize(
    ("name", "ids"),
    [
        ("frank moreau", ["U1"]),
        ("FRANKIE", ["U1"]),
        ("jose nunez", ["U3"]),
        ("josé", ["U3"]),
        ("frank.silva", ["U2"]),
        ("frank", ["U1", "U2"]),  # U1's handle, U2's first name: ambiguous
        ("zed", []),
        ("", []),
    ],
)
def test_people_named(name, ids):
    assert [p.id for p in people_named(PEOPLE, name)] == ids
