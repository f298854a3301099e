"""The pure conversation layer: every answer case, without Slack or HTTP."""

from __future__ import annotations

import knowledge
from bot import conversation, replies
from bot.conversation import Asker, Question
from mailbox_assistant.slack.blocks import to_mrkdwn
from tests.bot.blockutil import action_ids, all_text, block_ids, buttons
from tests.bot.factories import NOW, connected, disconnected

ANA = Asker(slack_id="U_ANA", email="ana@acme.com")
ADMIN = Asker(slack_id="U_ADMIN", email="boss@acme.com", is_admin=True)
WHY = Question(text="why did my mailbox disconnect?", intent="why_disconnected")


def link(mailbox):
    return f"https://example.test/reconnect/{mailbox.id}"


def answer(question, asker, own, others=None):
    return conversation.answer(question, asker, own, others=others, reconnect_url=link, now=NOW)


def test_one_disconnected_mailbox_explains_cause_steps_and_buttons():
    mailbox = disconnected("token_expired", provider="google")
    reason = knowledge.get_reason("token_expired")

    reply = answer(WHY, ANA, [mailbox])

    assert reply.private
    assert "reason:token_expired:mb-1" in block_ids(reply.blocks)
    text = all_text(reply.blocks)
    assert "ana@acme.com" in text and reason.title in text and to_mrkdwn(reason.summary) in text
    for step in reason.steps_for("google"):
        assert to_mrkdwn(step) in text
    reconnect = next(b for b in buttons(reply.blocks) if b["action_id"].startswith("reconnect"))
    assert reconnect["url"] == "https://example.test/reconnect/mb-1"
    escalate = next(b for b in buttons(reply.blocks) if b["action_id"].startswith("escalate"))
    assert escalate["value"] == "mb-1"
    assert action_ids(reply.blocks)[-2:] == ["feedback:yes", "feedback:no"]


def test_steps_follow_the_provider():
    google = all_text(answer(WHY, ANA, [disconnected("password_changed", provider="google")]).blocks)
    microsoft = all_text(answer(WHY, ANA, [disconnected("password_changed", provider="microsoft")]).blocks)
    reason = knowledge.get_reason("password_changed")

    assert all(to_mrkdwn(step) in google for step in reason.steps_for("google"))
    assert all(to_mrkdwn(step) in microsoft for step in reason.steps_for("microsoft"))


def test_several_mailboxes_get_one_section_each_disconnected_first():
    mailboxes = [
        connected(id="mb-ok", email="ana@acme.com"),
        disconnected("storage_full", id="mb-full", email="ana.sales@acme.com"),
        disconnected("sending_limit", id="mb-limit", email="ana.ops@acme.com"),
    ]

    reply = answer(WHY, ANA, mailboxes)

    ids = block_ids(reply.blocks)
    assert ids.index("mailbox:mb-full") < ids.index("mailbox:mb-ok")
    assert ids.index("mailbox:mb-limit") < ids.index("mailbox:mb-ok")
    assert "reason:storage_full:mb-full" in ids and "reason:sending_limit:mb-limit" in ids
    assert ids.count("feedback") == 1


def test_none_disconnected_mentions_a_recent_disconnection_and_its_cause():
    reply = answer(WHY, ANA, [connected(failed_days_ago=2)])

    assert "all_connected" in block_ids(reply.blocks)
    assert "reason:password_changed:mb-2" in block_ids(reply.blocks)
    assert "connected" in reply.text
    assert not any(a.startswith("reconnect") for a in action_ids(reply.blocks))


def test_none_disconnected_omits_an_old_disconnection():
    reply = answer(WHY, ANA, [connected(failed_days_ago=40)])

    assert not any(i.startswith("reason:") for i in block_ids(reply.blocks))


def test_no_mailbox_names_the_email_looked_up_and_offers_support():
    reply = answer(WHY, ANA, [])

    assert "ana@acme.com" in all_text(reply.blocks)
    assert any(
        b["action_id"].startswith("escalate") and b["value"] == "ana@acme.com" for b in buttons(reply.blocks)
    )


def test_unknown_cause_is_honest_and_support_is_the_main_action():
    reply = answer(WHY, ANA, [disconnected("unknown", error="Unexpected error 0x8004")])

    assert "reason:unknown:mb-1" in block_ids(reply.blocks)
    assert knowledge.get_reason("unknown").title in all_text(reply.blocks)
    escalate = next(b for b in buttons(reply.blocks) if b["action_id"].startswith("escalate"))
    assert escalate.get("style") == "primary"


def test_not_self_serve_has_no_reconnect_button():
    reply = answer(WHY, ANA, [disconnected("account_suspended")])

    assert not knowledge.get_reason("account_suspended").self_serve
    assert not any(a.startswith("reconnect") for a in action_ids(reply.blocks))
    escalate = next(b for b in buttons(reply.blocks) if b["action_id"].startswith("escalate"))
    assert escalate.get("style") == "primary"
    assert (
        "reconnect"
        in all_text([b for b in reply.blocks if b.get("block_id", "").startswith("reason:")]).lower()
    )


def test_named_cause_differs_from_status_answers_from_status():
    question = conversation.read_question("I changed my password, is that why my mailbox disconnected?")
    assert question.named_reason == "password_changed"

    reply = answer(question, ANA, [disconnected("sending_limit")])

    assert "reason:sending_limit:mb-1" in block_ids(reply.blocks)
    assert "note:mb-1" in block_ids(reply.blocks)
    assert "different cause" in all_text(reply.blocks)


def test_general_why_question_lists_the_documented_causes():
    question = conversation.read_question("Why do mailboxes disconnect?")
    assert question.general

    reply = conversation.general_answer(question)

    assert not reply.private
    codes = {i.split(":")[1] for i in block_ids(reply.blocks) if i.startswith("kb:")}
    assert codes == {r.code for r in knowledge.reasons()} - {"unknown"}


def test_how_to_reconnect_without_disconnected_mailbox_gives_general_steps():
    question = conversation.read_question("how do I reconnect?")
    assert question.intent == "how_to_reconnect"

    reply = answer(question, ANA, [connected(provider="google")])

    assert "steps" in block_ids(reply.blocks)
    assert to_mrkdwn(knowledge.get_reason("token_expired").steps_for("google")[0]) in all_text(reply.blocks)


def test_other_address_is_refused_for_non_admins():
    question = conversation.read_question("why did <mailto:jo@acme.com|jo@acme.com> disconnect?")
    assert question.about_email == "jo@acme.com"

    reply = answer(question, ANA, [connected()], others=[disconnected(email="jo@acme.com", id="mb-jo")])

    assert "refused" in block_ids(reply.blocks)
    assert "mb-jo" not in str(reply.blocks)
    assert not reply.private


def test_admin_may_ask_about_another_address():
    question = conversation.read_question("why did jo@acme.com disconnect?")

    reply = answer(
        question, ADMIN, [], others=[disconnected("storage_full", email="jo@acme.com", id="mb-jo")]
    )

    assert "reason:storage_full:mb-jo" in block_ids(reply.blocks)


def test_asking_about_ones_own_mailbox_address_is_allowed():
    question = conversation.read_question("why did ana.sales@acme.com disconnect?")
    own = [connected(), disconnected("storage_full", id="mb-s", email="ana.sales@acme.com")]

    reply = answer(question, ANA, own)

    assert "reason:storage_full:mb-s" in block_ids(reply.blocks)
    assert "mailbox:mb-2" not in block_ids(reply.blocks)


def test_read_question_strips_mentions_and_links():
    question = conversation.read_question("<@U0BOT> why did my mailbox disconnect?")

    assert question.text == "why did my mailbox disconnect?"
    assert question.intent == "why_disconnected"
    assert not question.general and not question.wants_help


def test_greeting_gets_help():
    assert conversation.read_question("hi").wants_help
    assert conversation.read_question("thanks!").wants_help
    assert not conversation.read_question("what is wrong with my mailboxes").wants_help
    assert "help" in block_ids(replies.help_reply().blocks)


def test_status_unavailable_is_an_apology():
    reply = replies.status_unavailable()

    assert "Sorry" in reply.text
    assert "status_unavailable" in block_ids(reply.blocks)


def test_home_lists_mailboxes_with_status_cause_and_buttons():
    mailboxes = [connected(id="mb-ok"), disconnected("token_expired", id="mb-bad")]

    view_blocks = conversation.home_blocks(mailboxes, reconnect_url=link, now=NOW)

    ids = block_ids(view_blocks)
    assert ids.index("mailbox:mb-bad") < ids.index("mailbox:mb-ok")
    assert "reason:token_expired:mb-bad" in ids
    assert "reconnect:mb-bad" in action_ids(view_blocks)
