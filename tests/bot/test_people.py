"""Questions about someone else: refused unless an admin asks; admins name people by mention, address or
name (users.info, users.lookupByEmail, users.list), end to end over signed Slack requests."""

from __future__ import annotations

import pytest

from tests.bot.blockutil import all_text, block_ids
from tests.bot.test_direct_messages import ERRORS, reply_to

SUSPENDED = ERRORS["account_suspended"]


@pytest.fixture
def frank(fake_slack, seed):
    """Frank Moreau, in Slack and with a suspended mailbox."""
    fake_slack.add_user("U_FRANK", "frank@acme.com", name="Frank Moreau", display_name="frankie")
    return seed("frank@acme.com", provider="microsoft", error=SUSPENDED)


@pytest.mark.parametrize(
    "text",
    [
        "what about bo@acme.com?",
        "why is frank's inbox down",
        "what's wrong with <@U_FRANK>'s mailbox?",
        "what about Frank?",
        "o que aconteceu com o email do frank?",
        "und was ist mit Frank?",
    ],
)
def test_anyone_but_an_admin_is_refused_politely_and_nothing_is_looked_up(slack, fake_slack, frank, text):
    slack.dm("U_ANA", text)

    reply = reply_to(fake_slack, "DU_ANA")
    # A question in another language is answered with a first line in it ("language").
    assert [i for i in block_ids(reply["blocks"]) if i != "language"] == ["refused"]
    assert "Sorry, I can only show you your own mailboxes" in all_text(reply["blocks"])
    assert str(frank["id"]) not in str(reply) and "account_suspended" not in str(reply)
    assert not fake_slack.calls_to("users.list") and not fake_slack.calls_to("users.lookupByEmail")


def test_mentioning_oneself_is_asking_about_ones_own(slack, fake_slack, seed):
    mailbox = seed("ana@acme.com", error=ERRORS["token_expired"])

    slack.dm("U_ANA", "why did <@U_ANA> get disconnected?")

    assert f"reason:token_expired:{mailbox['id']}" in block_ids(reply_to(fake_slack, "DU_ANA")["blocks"])


def test_an_admin_names_a_person_and_hears_about_their_mailboxes(slack, fake_slack, frank):
    slack.dm("U_ADMIN", "what's wrong with frank's mailbox?")

    blocks = reply_to(fake_slack, "DU_ADMIN")["blocks"]
    ids = block_ids(blocks)
    assert ids[0] == "about_person" and "Frank Moreau* (frank@acme.com)" in all_text(blocks)
    assert f"reason:account_suspended:{frank['id']}" in ids
    assert fake_slack.calls_to("users.list")


@pytest.mark.parametrize("text", ["¿qué le pasa al buzón de Frank?", "das Postfach von frank geht nicht"])
def test_an_admin_names_a_person_in_another_language(slack, fake_slack, frank, text):
    slack.dm("U_ADMIN", text)

    blocks = reply_to(fake_slack, "DU_ADMIN")["blocks"]
    ids = block_ids(blocks)
    assert "about_person" in ids and "Frank Moreau* (frank@acme.com)" in all_text(blocks)
    assert f"reason:account_suspended:{frank['id']}" in ids


def test_an_admin_may_name_someone_by_display_name_or_mention(slack, fake_slack, frank):
    slack.dm("U_ADMIN", "why is frankie's inbox down?")
    slack.dm("U_ADMIN", "why did <@U_FRANK> disconnect?")

    first, second = (c.body for c in fake_slack.wait_for_call("chat.postMessage", count=2))
    for reply in (first, second):
        assert f"reason:account_suspended:{frank['id']}" in block_ids(reply["blocks"])
    assert "U_FRANK" in [call.body["user"] for call in fake_slack.calls_to("users.info")]


def test_an_admin_asking_about_an_address_learns_whose_it_is(slack, fake_slack, seed):
    bo = seed("bo@acme.com", error=ERRORS["token_expired"])

    slack.dm("U_ADMIN", "what about bo@acme.com?")

    blocks = reply_to(fake_slack, "DU_ADMIN")["blocks"]
    assert f"reason:token_expired:{bo['id']}" in block_ids(blocks)
    assert "Here is what I see for *Bo* (bo@acme.com)" in all_text(blocks)
    assert [call.body["email"] for call in fake_slack.calls_to("users.lookupByEmail")] == ["bo@acme.com"]


def test_an_address_that_is_no_slack_user_is_still_answered(slack, fake_slack, seed):
    shared = seed("sales@acme.com", owner_email="sales@acme.com", error=ERRORS["token_expired"])

    slack.dm("U_ADMIN", "why did sales@acme.com disconnect?")

    blocks = reply_to(fake_slack, "DU_ADMIN")["blocks"]
    assert f"reason:token_expired:{shared['id']}" in block_ids(blocks)
    assert "about_person" not in block_ids(blocks)


def test_an_ambiguous_name_asks_which_one(slack, fake_slack, frank):
    fake_slack.add_user("U_FRANK2", "frank.silva@acme.com", name="Frank Silva")

    slack.dm("U_ADMIN", "what about frank?")

    blocks = reply_to(fake_slack, "DU_ADMIN")["blocks"]
    text = all_text(blocks)
    assert block_ids(blocks) == ["ambiguous_person"]
    assert "I found 2 people named *frank*, which one?" in text
    assert "Frank Moreau* (frank@acme.com)" in text and "Frank Silva* (frank.silva@acme.com)" in text
    assert "account_suspended" not in str(blocks)


def test_an_unknown_name_says_so(slack, fake_slack):
    slack.dm("U_ADMIN", "why is zed's mailbox down?")

    blocks = reply_to(fake_slack, "DU_ADMIN")["blocks"]
    assert block_ids(blocks) == ["unknown_person"]
    assert "couldn't find anyone named *zed*" in all_text(blocks)


def test_names_are_found_across_pages_and_the_member_list_is_cached(slack, fake_slack, frank):
    for number in range(250):  # more members than one page of users.list holds
        fake_slack.add_user(f"U_FILL{number:03d}", f"fill{number}@acme.com", name=f"Filler {number}")
    fake_slack.add_user("U_ZOE", "zoe@acme.com", name="Zoë Laurent")  # on the second page

    slack.dm("U_ADMIN", "what about Zoe Laurent?")
    first = reply_to(fake_slack, "DU_ADMIN")
    slack.dm("U_ADMIN", "what's wrong with frank's mailbox?")

    second = fake_slack.wait_for_call("chat.postMessage", count=2)[1].body
    assert "Zoë Laurent* (zoe@acme.com)" in all_text(first["blocks"])
    assert f"reason:account_suspended:{frank['id']}" in block_ids(second["blocks"])
    pages = fake_slack.calls_to("users.list")
    assert len(pages) == 2 and pages[1].body["cursor"]
