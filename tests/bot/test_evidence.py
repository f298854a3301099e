"""A cause the person names is confirmed when the record agrees or is what that cause produces."""

from __future__ import annotations

from bot import conversation
from bot.conversation import Asker
from mailbox_assistant.mailboxes.evidence import COMPATIBLE, judge
from tests.bot.blockutil import all_text, block_ids
from tests.bot.factories import NOW, disconnected
from tests.bot.test_direct_messages import ERRORS, reply_to

ANA = Asker(slack_id="U_ANA", email="ana@acme.com")
GOOGLE_REVOKED = "invalid_grant: Token has been expired or revoked."


def test_the_same_cause_is_confirmed():
    assert judge("password_changed", "password_changed").kind == "same"


def test_a_google_revoked_token_is_what_a_password_change_produces():
    verdict = judge("password_changed", "token_expired", "google", GOOGLE_REVOKED)

    assert verdict.kind == "compatible" and "password change produces exactly this" in verdict.because


def test_an_expired_microsoft_token_from_inactivity_is_not_a_password_change():
    inactivity = "AADSTS700082: The refresh token has expired due to inactivity."

    assert judge("password_changed", "token_expired", "microsoft", inactivity).kind == "different"
    assert (
        judge("password_changed", "token_expired", "microsoft", "AADSTS50173: revoked").kind == "compatible"
    )


def test_a_contradicting_cause_is_different_and_an_unknown_record_is_unconfirmed():
    assert judge("password_changed", "sending_limit", "google", "550 5.4.5 quota").kind == "different"
    assert judge("storage_full", "unknown").kind == "unconfirmed"


def test_every_pair_explains_itself_and_names_real_reasons():
    import knowledge

    codes = {reason.code for reason in knowledge.reasons()}
    for pair in COMPATIBLE:
        assert {pair.named, pair.recorded} <= codes and pair.named != pair.recorded
        assert pair.because and not pair.because.endswith(".")


def test_confirmation_comes_before_the_mailbox_and_no_correction_is_shown():
    question = conversation.read_question("I changed my password, is that why my mailbox disconnected?")

    reply = conversation.answer(
        question, ANA, [disconnected("token_expired", error=GOOGLE_REVOKED)], reconnect_url=str, now=NOW
    )

    ids = block_ids(reply.blocks)
    assert ids[0] == "confirmed:mb-1" and "reason:token_expired:mb-1" in ids
    assert "note:mb-1" not in ids and "different cause" not in all_text(reply.blocks)


def test_slack_a_password_change_is_confirmed_by_googles_revoked_token(slack, fake_slack, seed):
    mailbox = seed("ana@acme.com", error=GOOGLE_REVOKED)

    slack.dm("U_ANA", "I changed my password yesterday, is that why my mailbox disconnected?")

    blocks = reply_to(fake_slack, "DU_ANA")["blocks"]
    text = all_text(blocks)
    assert f"confirmed:{mailbox['id']}" in block_ids(blocks)
    assert "Yes — a password change produces exactly this" in text
    assert "different cause" not in text and f"note:{mailbox['id']}" not in block_ids(blocks)


def test_slack_the_recorded_cause_named_is_confirmed(slack, fake_slack, seed):
    mailbox = seed("bruno@acme.com", provider="microsoft", error=ERRORS["password_changed"])
    fake_slack.add_user("U_BRUNO", "bruno@acme.com")

    slack.dm("U_BRUNO", "I reset my password this morning, is that why my mailbox disconnected?")

    blocks = reply_to(fake_slack, "DU_BRUNO")["blocks"]
    assert f"confirmed:{mailbox['id']}" in block_ids(blocks)
    assert all_text(blocks).startswith("Yes — that's what our records show for *bruno@acme.com*")


def test_a_denied_cause_is_read_in_each_language():
    for text in (
        "I did NOT change my password, so why?",
        "no cambié mi contraseña, por qué se cayó?",
        "je n'ai pas changé mon mot de passe, pourquoi ?",
        "não mudei a senha, por que caiu?",
    ):
        question = conversation.read_question(text)
        assert (question.named_reason, question.denied_reason) == (None, "password_changed"), text
    assert conversation.read_question("why did my mailbox disconnect?").denied_reason is None


def test_a_denied_cause_the_record_shows_is_explained_and_support_offered_as_strongly():
    question = conversation.read_question("I did NOT change my password, so why did it disconnect?")

    reply = conversation.answer(
        question, ANA, [disconnected("password_changed", provider="microsoft")], reconnect_url=str, now=NOW
    )

    text = all_text(reply.blocks)
    assert "You said this didn't happen: _the mailbox password was changed_" in text
    assert "an admin, a company policy or the provider itself" in text
    escalate = [e for blk in reply.blocks if blk["type"] == "actions" for e in blk["elements"]]
    assert any(e["action_id"].startswith("escalate") and e.get("style") == "primary" for e in escalate)
    assert "confirmed:mb-1" not in block_ids(reply.blocks)


def test_slack_a_denied_cause_another_record_shows_is_agreed_with(slack, fake_slack, seed):
    mailbox = seed("ana@acme.com", error=GOOGLE_REVOKED)

    slack.dm("U_ANA", "I did NOT change my password, so why did my mailbox disconnect?")

    blocks = reply_to(fake_slack, "DU_ANA")["blocks"]
    assert block_ids(blocks)[0] == f"confirmed:{mailbox['id']}"
    assert "Right — our records show a different cause" in all_text(blocks)
    assert "You said this didn't happen" not in all_text(blocks)
