"""match(question): what users type in Slack → intent and the cause they name."""

import pytest

from knowledge import match
from knowledge.evaluation import score_match
from tests.knowledge.conftest import read_jsonl

QUESTIONS = read_jsonl("questions-dev.jsonl") + read_jsonl("questions-extra.jsonl")


def test_labelled_questions_are_mostly_right_and_rarely_confidently_wrong():
    score = score_match(QUESTIONS, match)

    assert score.right >= 0.95
    assert score.confidently_wrong <= 0.02


@pytest.mark.parametrize(
    ("question", "intent", "reason"),
    [
        ("why did my mailbox disconnect?", "why_disconnected", None),
        ("how do I reconnect?", "how_to_reconnect", None),
        ("can I talk to a human please", "contact_support", None),
        ("I changed my password and now it's disconnected", "why_disconnected", "password_changed"),
        ("I'm abroad this week, is that why my inbox dropped?", "why_disconnected", "suspicious_activity"),
        ("we blasted a campaign and the mailbox went red", "why_disconnected", "sending_limit"),
        ("my inbox is full, would that make it disconnect?", "why_disconnected", "storage_full"),
        ("is gmail down?", "why_disconnected", "provider_outage"),
    ],
)
def test_plain_questions(question, intent, reason):
    assert match(question) == (intent, reason)


def test_slack_markup_and_emoji_do_not_get_in_the_way():
    question = "<@U0123ABC> my <mailto:jo@acme.com|jo@acme.com> inbox got disconnected :sob: :sob:"

    assert match(question) == ("why_disconnected", None)


def test_typos_are_forgiven():
    assert match("reconect mailbox after pasword change??") == ("how_to_reconnect", "password_changed")
    assert match("inbox diconected y") == ("why_disconnected", None)


def test_a_quoted_provider_error_names_its_cause():
    assert match("Got a bounce saying 'Daily user sending quota exceeded', why?")[1] == "sending_limit"


def test_a_named_cause_outweighs_circumstances():
    question = "pls escalate, our whole team's inboxes disconnected after Google suspended our workspace"

    assert match(question) == ("contact_support", "account_suspended")


@pytest.mark.parametrize(
    "question",
    ["what's the weather in lisbon", "do you integrate with hubspot?", "thanks, that fixed it!", "", "   "],
)
def test_questions_not_about_mailboxes_are_other(question):
    assert match(question) == ("other", None)


@pytest.mark.parametrize(
    "message",
    [
        "nobody changed the password",
        "we haven't changed the password",
        "no one changed the password",
        "nadie cambió la contraseña",
        "ninguém mudou a senha",
        "niemand hat das Passwort geändert",
        "keiner hat das Passwort geändert",
    ],
)
def test_a_cause_inside_a_negated_clause_is_marked_negated(message):
    """The model and the phrase lists read a negated clause's words apart ("nobody changed …")."""
    from knowledge.features import marked_words

    words = marked_words(message, negation=True)

    assert not [w for w in words[2:] if not w.startswith("neg_")], words  # all after the negator
    assert marked_words("the password changed, nobody told me", negation=True)[:3] == [
        "the",
        "password",
        "changed",
    ]  # a clause ends the negation's reach


def test_the_ask_is_read_where_it_usually_sits():
    """The first words and the last sentence are features of their own: a long story ending in a
    request is read by its request."""
    from knowledge.features import position_features

    story = "Long week. Back from the offsite on Monday and the Outlook inbox was grey. What do I do now?"
    features = position_features(story)
    assert features[:2] == ["b:<s> long", "b:<s> long week"]
    assert {"b:<last> what", "b:<last> now"} <= set(features)
    assert not [f for f in position_features("why did my inbox drop") if f.startswith("b:<last>")]
    assert position_features("") == [] and position_features("?!.") == []
    assert match(story)[0] == "how_to_reconnect"
    assert match("I reconnected yesterday and it is red again today. why?")[0] == "why_disconnected"
