"""Support's labelled examples decide for the texts they match, without retraining or a release."""

import json
import shutil

import pytest

from knowledge.base import KnowledgeBase
from knowledge.examples import EXAMPLES_DIR
from knowledge.loader import KnowledgeError


@pytest.fixture
def examples_copy(tmp_path):
    target = tmp_path / "examples"
    shutil.copytree(EXAMPLES_DIR, target)
    return target


def test_an_example_support_adds_decides_for_it_and_its_near_copies(examples_copy):
    raw = "FROB-17 the frobnicator refused session 7f3a for user jo@acme.com"
    with (examples_copy / "failures.jsonl").open("a") as out:
        out.write(json.dumps({"text": raw, "reason": "account_suspended"}) + "\n")
    kb = KnowledgeBase(examples_dir=examples_copy)

    assert kb.classifier.classify(raw)[0] == "account_suspended"
    assert kb.classifier.classify(raw.replace("jo@acme.com", "bo@acme.com"))[0] == "account_suspended"


def test_a_question_support_adds_decides_for_it(examples_copy):
    question = "the purple light on my dashboard blinks twice"
    with (examples_copy / "questions.jsonl").open("a") as out:
        out.write(json.dumps({"text": question, "intent": "contact_support", "reason": None}) + "\n")

    assert KnowledgeBase(examples_dir=examples_copy).matcher.match(question) == ("contact_support", None)


def test_a_bad_example_line_is_refused_with_its_line(examples_copy):
    (examples_copy / "failures.jsonl").write_text('{"text": "x", "reason": "broken_reason"}\n')

    with pytest.raises(KnowledgeError, match="examples/failures.jsonl: line 1: unknown reason"):
        KnowledgeBase(examples_dir=examples_copy)
