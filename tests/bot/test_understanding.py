"""What is not a mailbox question, files, and other languages, end to end over signed Slack requests."""

from __future__ import annotations

import pytest

from knowledge.language import ENGLISH_FOLLOWS
from tests.bot.blockutil import all_text, block_ids, escalate_values
from tests.bot.conftest import wait_for_turns
from tests.bot.test_direct_messages import ERRORS, reply_to

EXPIRED = ERRORS["token_expired"]


@pytest.mark.parametrize(
    "text", ["can you write me a cold email?", "what's the weather", "how do I create a sequence"]
)
def test_an_off_topic_request_gets_a_short_no_and_what_the_bot_does(slack, fake_slack, seed, text):
    seed("ana@acme.com", error=EXPIRED)

    slack.dm("U_ANA", text)

    blocks = reply_to(fake_slack, "DU_ANA")["blocks"]
    assert block_ids(blocks) == ["off_topic"]
    assert "I only help with mailbox connections" in all_text(blocks)
    assert "why your mailbox disconnected" in all_text(blocks)


@pytest.mark.parametrize("text", ["hi", "hello!", "help", "hola"])
def test_greetings_and_help_get_the_help_menu(slack, fake_slack, text):
    slack.dm("U_ANA", text)

    assert "help" in block_ids(reply_to(fake_slack, "DU_ANA")["blocks"])


@pytest.mark.parametrize("text", ["that worked, thanks", "thanks!", "ok it works now"])
def test_thanks_after_a_fix_gets_a_short_friendly_reply(slack, fake_slack, seed, text):
    seed("ana@acme.com", error=EXPIRED)

    slack.dm("U_ANA", text)

    blocks = reply_to(fake_slack, "DU_ANA")["blocks"]
    assert block_ids(blocks) == ["thanks"]
    assert "Glad to help" in all_text(blocks)


def test_a_password_that_still_fails_gets_the_status_and_support_and_is_not_kept(
    slack, fake_slack, seed, engine
):
    mailbox = seed("ana@acme.com", error=EXPIRED)

    slack.dm("U_ANA", "my password is hunter2 and it still fails")

    blocks = reply_to(fake_slack, "DU_ANA")["blocks"]
    assert f"reason:token_expired:{mailbox['id']}" in block_ids(blocks)
    assert str(mailbox["id"]) in escalate_values(blocks)
    question, _ = wait_for_turns(engine, "U_ANA", 2)
    assert question["text"] == "my password is [redacted] and it still fails"


def file_share(slack, user, text=""):
    """A DM with a screenshot attached, as Slack delivers it (subtype file_share, `files`)."""
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel_type": "im",
        "channel": "D" + user,
        "user": user,
        "text": text,
        "ts": "1700000000.000100",
        "files": [{"id": "F0SHOT", "name": "screenshot.png", "mimetype": "image/png", "filetype": "png"}],
    }
    return slack.event(event)


@pytest.mark.parametrize("text", ["", "here's what I see", "this error??"])
def test_a_screenshot_gets_the_status_and_a_note_that_files_are_not_read(slack, fake_slack, seed, text):
    mailbox = seed("ana@acme.com", error=EXPIRED)

    file_share(slack, "U_ANA", text)

    blocks = reply_to(fake_slack, "DU_ANA")["blocks"]
    ids = block_ids(blocks)
    assert ids[0] == "file_note" and "can't read images or files" in all_text(blocks)
    assert f"reason:token_expired:{mailbox['id']}" in ids


def test_a_mention_with_a_screenshot_gets_the_note_too(slack, fake_slack, seed):
    seed("ana@acme.com", error=EXPIRED)
    event = {"type": "app_mention", "channel": "C_GENERAL", "user": "U_ANA", "ts": "1700000000.000200"}
    files = [{"id": "F0SHOT", "name": "screenshot.png", "mimetype": "image/png"}]

    slack.event({**event, "text": "<@U0BOT> see this", "files": files})

    private = fake_slack.wait_for_call("chat.postEphemeral")[0].body
    assert block_ids(private["blocks"])[0] == "file_note"


def test_an_edited_message_still_gets_no_reply(slack, fake_slack):
    edit = {"type": "message", "subtype": "message_changed", "channel_type": "im", "channel": "DU_ANA"}
    slack.event({**edit, "user": "U_ANA", "text": "why?"})
    slack.dm("U_BO", "hello mailbox?")

    reply_to(fake_slack, "DU_BO")
    assert not [c for c in fake_slack.calls_to("chat.postMessage") if c.body["channel"] == "DU_ANA"]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("es", "¿por qué se desconectó mi buzón?"),
        ("pt", "por que minha caixa de email desconectou?"),
        ("fr", "pourquoi ma boîte mail est déconnectée ?"),
        ("de", "warum ist mein Postfach getrennt?"),
    ],
)
def test_a_question_in_another_language_is_answered_with_a_line_in_it(
    slack, fake_slack, seed, language, text
):
    mailbox = seed("ana@acme.com", error=EXPIRED)

    slack.dm("U_ANA", text)

    reply = reply_to(fake_slack, "DU_ANA")
    first = reply["blocks"][0]
    assert first["block_id"] == "language" and first["elements"][0]["text"] == ENGLISH_FOLLOWS[language]
    assert f"reason:token_expired:{mailbox['id']}" in block_ids(reply["blocks"])
    assert reply["text"].startswith(ENGLISH_FOLLOWS[language])


def test_an_english_question_has_no_language_line(slack, fake_slack, seed):
    seed("ana@acme.com", error=EXPIRED)

    slack.dm("U_ANA", "why did my mailbox disconnect?")

    assert "language" not in block_ids(reply_to(fake_slack, "DU_ANA")["blocks"])


@pytest.mark.parametrize(
    "text", ["can someone from your team look at this", "is anyone there who can look at this?"]
)
def test_asking_for_someone_without_saying_support_opens_a_case(slack, fake_slack, seed, text):
    mailbox = seed("ana@acme.com", error=EXPIRED)

    slack.dm("U_ANA", text)

    blocks = reply_to(fake_slack, "DU_ANA")["blocks"]
    assert any(i.startswith("escalation:") for i in block_ids(blocks))
    assert f"Support has your case *#1* about *{mailbox['email']}*" in all_text(blocks)


def test_a_question_about_peoples_mailboxes_in_general_lists_the_causes(slack, fake_slack):
    slack.dm("U_ANA", "why do people's mailboxes disconnect?")

    assert any(i.startswith("kb:") for i in block_ids(reply_to(fake_slack, "DU_ANA")["blocks"]))
