"""How firmly a cause is told follows the classifier's confidence: stated, or "most likely" with support
offered as strongly as reconnecting (signed Slack requests → bot → real status API → stand-in)."""

from __future__ import annotations

from sqlalchemy import update

from knowledge.base import default_knowledge_base
from mailbox_assistant.mailboxes.models import Mailbox
from tests.bot.blockutil import all_text, buttons
from tests.bot.test_direct_messages import reply_to

EXPIRED = "invalid_grant: Token has been expired or revoked."


def styles(blocks):
    return {button["action_id"].split(":")[0]: button.get("style") for button in buttons(blocks)}


def test_a_confident_cause_is_stated_with_reconnect_as_the_main_action(slack, fake_slack, seed):
    seed("ana@acme.com", error=EXPIRED)

    slack.dm("U_ANA", "why did my mailbox disconnect?")

    blocks = reply_to(fake_slack, "DU_ANA")["blocks"]
    assert "Most likely" not in all_text(blocks)
    assert styles(blocks)["reconnect"] == "primary"
    assert styles(blocks).get("escalate") != "primary"


def test_an_uncertain_cause_is_told_as_likely_with_support_as_strong_as_reconnecting(
    slack, fake_slack, seed, db_session
):
    mailbox = seed("ana@acme.com", error=EXPIRED)
    just_under = default_knowledge_base().classifier.head.high - 0.001
    db_session.execute(
        update(Mailbox).where(Mailbox.id == int(mailbox["id"])).values(last_failure_confidence=just_under)
    )
    db_session.commit()

    slack.dm("U_ANA", "why did my mailbox disconnect?")

    blocks = reply_to(fake_slack, "DU_ANA")["blocks"]
    text = all_text(blocks)
    assert "Most likely" in text and "not certain" in text
    assert styles(blocks)["reconnect"] == styles(blocks)["escalate"] == "primary"
