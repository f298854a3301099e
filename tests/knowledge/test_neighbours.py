"""The nearest-row rule: a text very like a training row, on which the model is unsure, is answered
as that row was — when the row agrees with the model's best guess."""

from knowledge.decide import decide
from knowledge.features import text_features
from knowledge.model import LinearModel
from knowledge.neighbours import NeighbourIndex, build_index
from knowledge.training import HeadSpec, train_model
from tests.knowledge.test_model import TEXTS as MODEL_TEXTS
from tests.knowledge.test_model import report

# The model tests' texts, and a message no documented cause explains.
TEXTS = [*MODEL_TEXTS, ("the server is busy, try again later", "unknown")]


def test_the_nearest_row_is_the_one_sharing_the_rarest_features():
    rows = [[0, 1, 2], [2, 3, 4], [5, 6, 7], [1, 2, 8]]
    index = NeighbourIndex(build_index(rows, 9), len(rows))

    row, similarity = index.nearest([5, 6, 7])
    assert row == 2 and abs(similarity - 1.0) < 1e-6
    row, similarity = index.nearest([3, 4, 9 - 1])
    assert row in (1, 3) and 0 < similarity < 1
    assert index.nearest([]) == (-1, 0.0)


def test_below_the_threshold_only_an_agreeing_and_close_row_states_the_guess():
    ranked = [("sending_limit", 0.6), ("storage_full", 0.3), ("unknown", 0.1)]

    assert decide(ranked, None, 0.9, "unknown", ("sending_limit", 0.95), 0.8)[::2] == (
        "sending_limit",
        "neighbour",
    )
    assert decide(ranked, None, 0.9, "unknown", ("storage_full", 0.99), 0.8)[0] == "unknown"
    assert decide(ranked, None, 0.9, "unknown", ("sending_limit", 0.7), 0.8)[0] == "unknown"
    assert decide(ranked, None, 0.9, "unknown", None, 0.8)[0] == "unknown"


def test_the_written_model_finds_the_training_row_a_near_copy_came_from(tmp_path):
    samples = [(*text_features(text), []) for text, _ in TEXTS]
    classes = ("sending_limit", "storage_full", "password_changed", "unknown")
    spec = HeadSpec("reason", classes, [label for _, label in TEXTS], "unknown", 1.0, 1.0)
    settings = report(threshold=0.9, high=0.95, neighbour=0.6)
    train_model(tmp_path / "m.npz", samples, [spec], {"reason": settings})
    model = LinearModel(tmp_path / "m.npz")
    (head,) = model.heads

    assert head.neighbour == 0.6
    label, similarity = model.nearest(head, text_features("the mailbox is over its quota")[0])
    assert label == "storage_full" and similarity > 0.6
    assert model.nearest(head, text_features("zzzz qqqq")[0]) is None


def test_a_model_written_without_the_rule_never_uses_it(tmp_path):
    samples = [(*text_features(text), []) for text, _ in TEXTS]
    classes = ("sending_limit", "storage_full", "password_changed", "unknown")
    spec = HeadSpec("reason", classes, [label for _, label in TEXTS], "unknown", 1.0, 1.0)
    settings = report(threshold=0.9, high=0.95)
    train_model(tmp_path / "m.npz", samples, [spec], {"reason": settings})
    model = LinearModel(tmp_path / "m.npz")

    assert model.heads[0].neighbour > 1
    assert model.nearest(model.heads[0], text_features("the mailbox is over quota")[0]) is None
