"""The model file: what knowledge.model answers is what scikit-learn fitted, and bad files are refused."""

import json

import numpy as np
import pytest

from knowledge.features import text_features
from knowledge.loader import KnowledgeError
from knowledge.model import LinearModel
from knowledge.training import HeadSpec, Vocabulary, _fit, _full_coef, train_model

TEXTS = [
    ("550 5.4.5 Daily user sending quota exceeded", "sending_limit"),
    ("421 too many connections from your account", "sending_limit"),
    ("rate limit exceeded, slow down", "sending_limit"),
    ("452 4.2.2 The mailbox is over quota", "storage_full"),
    ("mailbox full, no space left", "storage_full"),
    ("quota exceeded: mailbox size limit", "storage_full"),
    ("535 5.7.8 username and password not accepted", "password_changed"),
    ("invalid credentials, wrong password", "password_changed"),
    ("authentication failed: bad password", "password_changed"),
]


def features(text: str):
    words, pairs = text_features(text)
    return words, pairs, ["e:has:test"] if "5." in text else []


def report(**settings):
    """What training reports of a head, with these settings."""
    values = {"c": 10.0, "idf_c": 10.0, "temperature": 1.0, "idf_temperature": 1.0}
    return type("Report", (), {**values, **settings})


def test_the_written_model_gives_scikit_learns_scores_in_both_views(tmp_path):
    from sklearn.linear_model import LogisticRegression  # noqa: F401 - training needs it

    samples = [features(text) for text, _ in TEXTS]
    classes = ("sending_limit", "storage_full", "password_changed")
    spec = HeadSpec("reason", classes, [label for _, label in TEXTS], None, 1.0, 1.0)
    settings = report(threshold=0.5, high=0.9, idf_c=30.0, idf_temperature=0.5)
    train_model(tmp_path / "m.npz", samples, [spec], {"reason": settings})
    vocabulary = Vocabulary(samples)
    y = np.array([classes.index(label) for _, label in TEXTS])
    fitted = [
        _full_coef(_fit(vocabulary.matrix(samples, view), y, c), 3) for view, c in ((0, 10.0), (1, 30.0))
    ]
    model = LinearModel(tmp_path / "m.npz")

    for text in ("daily sending quota exceeded", "the mailbox is full", "wrong password again", "zzz"):
        words, pairs, evidence = features(text)
        for view, ((coef, bias), scores) in enumerate(
            zip(fitted, model.logits(words, pairs, evidence), strict=True)
        ):
            expected = vocabulary.matrix([(words, pairs, evidence)], view) @ coef.T + bias
            assert np.allclose(scores, expected[0], atol=1e-4)
    first, second = model.logits(*features("daily sending quota exceeded"))
    assert not np.allclose(first, second)  # two fits, not one written twice
    (head,) = model.heads
    assert (head.temperature, head.idf_temperature) == (1.0, 0.5)
    assert model.predict(*features("daily sending quota exceeded"))["reason"].best[0] == "sending_limit"


def test_a_damaged_model_file_is_refused_with_its_name(tmp_path):
    path = tmp_path / "failures.npz"
    path.write_bytes(b"not a model")

    with pytest.raises(KnowledgeError, match="models/failures.npz"):
        LinearModel(path)


def test_a_model_file_of_one_view_is_refused_with_the_command_that_rebuilds_it(tmp_path):
    samples = [features(text) for text, _ in TEXTS]
    classes = ("sending_limit", "storage_full", "password_changed")
    spec = HeadSpec("reason", classes, [label for _, label in TEXTS], None, 1.0, 1.0)
    train_model(tmp_path / "m.npz", samples, [spec], {"reason": report(threshold=0.5, high=0.9)})
    with np.load(tmp_path / "m.npz") as data:
        arrays = {name: data[name] for name in data.files}
    one_view = {name: value[:, :3] if name.endswith("_matrix") else value for name, value in arrays.items()}
    np.savez(tmp_path / "old.npz", **{**one_view, "bias": arrays["bias"][:3]})

    with pytest.raises(KnowledgeError, match=r"models/old.npz: not a two-view model file; run `kb train`"):
        LinearModel(tmp_path / "old.npz")


def test_the_shipped_models_name_their_heads_and_thresholds():
    from knowledge.model import MODELS_DIR

    failures = LinearModel(MODELS_DIR / "failures.npz")
    questions = LinearModel(MODELS_DIR / "questions.npz")

    assert [head.name for head in failures.heads] == ["reason"]
    assert [head.name for head in questions.heads] == ["intent", "reason"]
    assert all(0 < head.threshold <= head.high <= 1 for head in failures.heads)
    json.dumps([head.classes for head in questions.heads])


def test_a_clause_written_without_spaces_is_read_by_its_character_ngrams():
    """Japanese writes a clause as one run of letters: the model must see its pieces."""
    from knowledge.features import word_features

    clause = "アカウントで非常に高い頻度の活動が検出されました"  # "very frequent activity was detected"
    (word,) = text_features(clause)[0]

    assert "c:頻度の" in word_features(word)
    assert word_features("a" * 40) == ["w:" + "a" * 40]  # a long ASCII run (base64, a hash): the word alone
