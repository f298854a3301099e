"""classify(raw_error): provider errors map to documented reasons, and it abstains when unsure."""

import pytest

from knowledge import classify, diagnose
from knowledge.base import KnowledgeBase
from knowledge.evaluation import score_classify
from tests.knowledge.conftest import read_jsonl

FAILURES = read_jsonl("failures-dev.jsonl") + read_jsonl("failures-extra.jsonl")


def test_labelled_errors_are_mostly_right_and_rarely_confidently_wrong():
    # These sets are part of what the model learns from: a guard against a broken model or reader.
    # The held-out figures (cross-validation, the sealed test) are bench/kb_accuracy.py's.
    score = score_classify(FAILURES, classify)

    assert score.right >= 0.80
    assert score.confidently_wrong <= 0.02


@pytest.mark.parametrize(
    ("raw_error", "reason"),
    [
        ("invalid_grant: Token has been expired or revoked.", "token_expired"),
        ("AADSTS50173: The provided grant has expired due to it being revoked", "password_changed"),
        ("535-5.7.8 Username and Password not accepted.", "password_changed"),
        ("534-5.7.14 Please log in via your web browser and then try again.", "suspicious_activity"),
        ("550 5.4.5 Daily user sending quota exceeded.", "sending_limit"),
        ("NO [OVERQUOTA] Quota exceeded (mailbox for user is full)", "storage_full"),
        ("AADSTS50057: The user account is disabled.", "account_suspended"),
        ("421 4.3.0 Temporary System Problem.  Try again later (10).", "provider_outage"),
        ("NO [UNAVAILABLE] Temporary authentication failure.", "provider_outage"),
    ],
)
def test_known_provider_errors_map_to_their_reason(raw_error, reason):
    assert classify(raw_error)[0] == reason


def test_gmails_overquota_is_throttling_when_the_provider_is_known():
    raw = "NO [OVERQUOTA] Account exceeded command or bandwidth limits."

    assert classify(raw, "gmail")[0] == "sending_limit"
    assert classify(raw)[0] in ("sending_limit", "unknown")  # storage elsewhere: not said with confidence


def test_lower_cased_and_truncated_errors_never_name_another_cause():
    original = "535-5.7.8 Username and Password not accepted. Learn more at"

    assert classify(original.lower())[0] == "password_changed"
    assert classify("username and password not acce")[0] in ("password_changed", "unknown")
    assert classify("Daily user sending quota exce")[0] in ("sending_limit", "unknown")


def test_python_exception_reprs_are_read_through():
    raw = "smtplib.SMTPAuthenticationError: (535, b'5.7.8 Username and Password not accepted.')"

    assert classify(raw)[0] == "password_changed"


@pytest.mark.parametrize(
    "raw_error",
    [
        "550 5.1.1 The email account that you tried to reach does not exist.",
        "Technical details of permanent failure: DNS Error: Domain name not found",
        "[Error: self signed certificate in certificate chain] code: 'SELF_SIGNED_CERT_IN_CHAIN'",
        "something went wrong",
        "",
        None,
    ],
)
def test_errors_that_are_not_about_the_mailbox_or_say_nothing_give_unknown(raw_error):
    assert classify(raw_error)[0] == "unknown"


def test_a_specific_code_beats_a_generic_word_in_the_same_error():
    reason, confidence = classify('{"error":"invalid_grant","error_description":"AADSTS50057: disabled"}')

    assert reason == "account_suspended"
    assert confidence > 0.9


def test_a_tie_between_two_reasons_is_not_answered_confidently():
    diagnosis = diagnose("disabled, unavailable")

    assert diagnosis.reason == "unknown" and diagnosis.level == "unsure"
    assert max(p for code, p in diagnosis.ranked if code != "unknown") < 0.5


def test_a_signature_added_to_a_knowledge_file_is_evidence_without_code_changes(knowledge_copy):
    # A `codes` signature is weighed by the model like phrases and hints; it does not decide alone
    # (to make a new code decide, support adds a table row: test_codes).
    reasons_dir, intents = knowledge_copy
    raw = "XYZ-9001 mailbox frozen by the frobnicator"
    before = KnowledgeBase(reasons_dir, intents).classifier.diagnose(raw)
    path = reasons_dir / "account_suspended.md"
    path.write_text(path.read_text().replace("  codes:\n", "  codes:\n    - xyz-9001\n", 1))

    after = KnowledgeBase(reasons_dir, intents).classifier.diagnose(raw)
    assert [s.text for s in after.signatures] == ["xyz-9001"] and not before.signatures
    assert dict(after.ranked)["account_suspended"] > dict(before.ranked)["account_suspended"] + 0.1


def test_a_strong_row_the_words_contradict_is_not_told_as_the_tables_reason():
    # 535 5.7.8 is a rejected password in the registries; this text says the account is disabled.
    diagnosis = diagnose("535 5.7.8 Error: authentication failed: account disabled by the administrator")

    assert diagnosis.reason != "password_changed"
    assert any(row.code == "5.7.8" and row.reason == "password_changed" for row in diagnosis.rows)


def test_a_strong_row_states_its_reason_when_the_words_agree_though_the_model_alone_is_unsure():
    diagnosis = diagnose("AADSTS50173")

    assert diagnosis.reason == "password_changed" and diagnosis.decided_by == "table"
    assert diagnosis.ranked[0][0] == "password_changed" and diagnosis.ranked[0][1] < 0.9
    assert diagnosis.level == "high"
