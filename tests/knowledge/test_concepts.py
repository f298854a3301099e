"""The concepts file: one idea read in many languages and scripts, and a bad file refused by name."""

from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase
from knowledge.concepts import Concepts, load_concepts, read_concepts
from knowledge.features import text_features
from knowledge.loader import KnowledgeError, lint


def concepts_of(text: str) -> set[str]:
    words, pairs = text_features(text)
    return {token.removeprefix("e:concept:") for token in load_concepts().tokens(words, pairs)}


@pytest.mark.parametrize(
    "text",
    [
        "Too many failed login attempts. Try again later.",
        "Zbyt wiele nieudanych prób logowania. Spróbuj ponownie później.",
        "Çok fazla başarısız oturum açma girişimi yapıldı. Bir süre sonra yeniden deneyin.",
        "Trop de tentatives de connexion infructueuses. Réessayez plus tard.",
    ],
)
def test_a_lockout_reads_as_the_same_concepts_in_four_languages(text):
    assert {"too_many", "attempts", "sign_in", "temporary"} <= concepts_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "Contraseña incorrecta",
        "contrasena incorrecta",  # typed without the accent
        "Mot de passe incorrect",  # two words
        "パスワードが正しくありません",  # no spaces: found inside the run
        "Неверный пароль",
    ],
)
def test_a_wrong_password_is_read_with_or_without_accents_spaces_or_latin_letters(text):
    assert {"password", "invalid"} <= concepts_of(text)


def test_a_prefix_term_needs_the_whole_prefix():
    assert "password" not in concepts_of("pass the message on")
    assert "password" in concepts_of("passwords expired")


def test_a_message_with_none_of_the_terms_has_no_concepts():
    assert concepts_of("hello there, nice weather") == set()


def test_a_pasted_lockout_in_polish_is_evidence_the_classifier_sees():
    kb = KnowledgeBase()
    evidence = kb.classifier.diagnose("Zbyt wiele prób logowania").evidence

    assert {"e:concept:too_many", "e:concept:attempts", "e:concept:sign_in"} <= set(evidence)


def test_a_negated_cause_in_a_question_names_no_concept():
    kb = KnowledgeBase()
    _, _, evidence = kb.question_reader.features("I did not change my password")

    assert "e:concept:password" not in evidence
    assert "e:concept:password" in kb.question_reader.features("I changed my password")[2]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("password: [ok, 'three word term']", "at most two words"),
        ("password: ['pa*ss']", r"\* may only end a term"),
        ("password: ['pa*']", "at least 3 letters"),
        ("Password: [passw*]", "lower-case"),
        ("password: []", "needs a list of terms"),
        ("password: [passw*, 'mot-de-passe']", "letters and digits only"),
        ("- just a list", "must map concept names"),
        ("password: [unclosed", "bad YAML"),
    ],
)
def test_a_bad_concepts_file_is_refused_with_the_reason(tmp_path: Path, content, problem):
    path = tmp_path / "concepts.yaml"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(KnowledgeError, match=problem):
        read_concepts(path)


def test_the_shipped_concepts_file_passes_lint():
    assert not [problem for problem in lint() if "concepts.yaml" in problem]
    assert len(read_concepts()) >= 30


def test_the_word_cache_stays_bounded(monkeypatch):
    monkeypatch.setattr("knowledge.concepts.WORD_CACHE", 100)
    concepts = Concepts({"password": ["passw*"]})
    for number in range(1000):
        concepts.tokens([f"word{number}"], [])

    assert len(concepts._cache) <= 100
