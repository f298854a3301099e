"""Loading the knowledge files: good files give typed entries, bad ones fail naming file and problem."""

import re

import pytest

from knowledge.base import KnowledgeBase
from knowledge.loader import REASON_CODES, KnowledgeError, lint, load_reasons


def replace_in(path, old, new):
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def test_every_reason_code_has_an_entry_with_steps_for_each_provider():
    reasons = load_reasons()

    assert set(reasons) == set(REASON_CODES)
    for reason in reasons.values():
        assert reason.title and len(reason.summary) > 40
        assert reason.steps_for("google") and reason.steps_for("microsoft") and reason.steps_for("zoho")


def test_steps_differ_by_provider_where_the_providers_differ():
    password = load_reasons()["password_changed"]

    assert password.steps_for("google") != password.steps_for("microsoft")
    assert password.steps_for("yahoo") == password.steps_for("other")
    assert any("app password" in step for step in password.steps_for("google"))


def test_unknown_and_suspended_send_people_to_support():
    reasons = load_reasons()

    assert not reasons["unknown"].self_serve and reasons["unknown"].escalate
    assert not reasons["account_suspended"].self_serve and reasons["account_suspended"].escalate
    assert reasons["password_changed"].self_serve


def test_shipped_files_pass_lint():
    assert lint() == []


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("token_expired.md", "title: The mailbox's sign-in token expired\n", "", "missing field 'title'"),
        ("token_expired.md", "code: token_expired", "code: token_gone", "unknown code 'token_gone'"),
        ("token_expired.md", "self_serve: true", "self_serve: [", "bad YAML"),
        ("token_expired.md", "self_serve: true", "self_serve: maybe", "self_serve must be true or false"),
        ("token_expired.md", "escalate: false", "escalate: false\nowner: me", "unknown field(s) owner"),
        ("token_expired.md", "    - aadsts700082", "    - re: '(unclosed'", "invalid pattern"),
        ("token_expired.md", "    - aadsts700082", "    - 5.4", "put 5.4 in quotes"),
        ("token_expired.md", "## Why this happens", "## Background", "missing section '## Why this happens'"),
        ("token_expired.md", "### Google", "### Gmail", "unknown provider heading '### Gmail'"),
        ("token_expired.md", "    - aadsts700082", "    - 5.4.5", "also a signature of sending_limit"),
    ],
)
def test_a_bad_knowledge_file_is_rejected_with_file_and_problem(knowledge_copy, file, old, new, message):
    reasons_dir, intents = knowledge_copy
    replace_in(reasons_dir / file, old, new)

    problems = lint(reasons_dir, intents)

    assert any(problem.startswith(file) and message in problem for problem in problems), problems


def test_a_duplicate_code_is_rejected(knowledge_copy):
    reasons_dir, _ = knowledge_copy
    (reasons_dir / "copy.md").write_text((reasons_dir / "unknown.md").read_text())

    with pytest.raises(KnowledgeError, match="copy.md: code 'unknown' must match the file name"):
        load_reasons(reasons_dir)


def test_a_missing_reason_file_is_rejected(knowledge_copy):
    reasons_dir, _ = knowledge_copy
    (reasons_dir / "storage_full.md").unlink()

    with pytest.raises(KnowledgeError, match="no file for reason code"):
        load_reasons(reasons_dir)


def test_a_file_without_front_matter_is_rejected(knowledge_copy):
    reasons_dir, intents = knowledge_copy
    (reasons_dir / "unknown.md").write_text("# just prose\n")

    assert any("unknown.md: must start with YAML front matter" in p for p in lint(reasons_dir, intents))


def test_an_intents_file_with_an_unknown_intent_is_rejected(knowledge_copy):
    reasons_dir, intents = knowledge_copy
    intents.write_text("intents:\n  chit_chat:\n    - hello\n")

    with pytest.raises(KnowledgeError, match="intents.yaml: needs an 'intents' section"):
        KnowledgeBase(reasons_dir, intents)


def test_why_it_happens_is_a_sentence_or_two():
    for reason in load_reasons().values():
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", reason.summary) if s]
        assert 1 <= len(sentences) <= 2, reason.code
