"""`kb train`: fit both models on the corpus, the development examples and support's examples.

Training reads `corpus/<kind>/train.jsonl` (and `dev.jsonl` unless held out), `tests/data/<kind>-*.jsonl`
and `knowledge/examples/<kind>.jsonl`; never `test.jsonl`, the sealed split.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from knowledge.classify import Classifier, ErrorReader
from knowledge.codes import CODES_DIR, load_tables
from knowledge.concepts import load_concepts
from knowledge.decide import table_reason
from knowledge.examples import EXAMPLES_DIR, failure_examples
from knowledge.loader import INTENTS_FILE, REASONS_DIR, load_intents, load_reasons
from knowledge.match import PhraseFinder
from knowledge.model import MODELS_DIR, LinearModel
from knowledge.training import HeadReport, failure_heads, question_heads, read_rows, train
from knowledge.understand import QuestionReader

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class TrainingRun:
    """The cross-validated figures of a training run, per model and head."""

    failures: dict[str, HeadReport]
    questions: dict[str, HeadReport]
    failure_rows: int
    question_rows: int


def report_lines(run: TrainingRun) -> list[str]:
    """The cross-validated figures of every head, one line each, with the settings training chose
    (C and T of the first view / the second)."""
    lines = [f"cross-validated (5-fold) on {run.failure_rows} errors and {run.question_rows} questions"]
    for model, reports in (("errors", run.failures), ("questions", run.questions)):
        for r in reports.values():
            lines.append(
                f"  {model:9s} {r.name:6s} right {r.right:6.1%}  confidently wrong {r.confidently_wrong:5.1%}"
                f"   (C={r.c:g}/{r.idf_c:g}, T={r.temperature:.2f}/{r.idf_temperature:.2f},"
                f" threshold {r.threshold:.2f}, high {r.high:.2f})"
            )
    return lines


def training_rows(
    kind: str, hold_dev: bool, root: Path = ROOT, leave_out: frozenset[str] = frozenset()
) -> list[dict]:
    """Every labelled row training may read for `failures` or `questions`, but texts in `leave_out`."""
    splits = ["train"] if hold_dev else ["train", "dev"]
    paths = [root / "corpus" / kind / f"{split}.jsonl" for split in splits]
    paths += sorted((root / "tests" / "data").glob(f"{kind}-*.jsonl"))
    paths.append(EXAMPLES_DIR / f"{kind}.jsonl")
    return [row for row in read_rows(paths) if row["text"] not in leave_out]


def train_all(
    models_dir: Path = MODELS_DIR,
    hold_dev: bool = False,
    folds: int = 5,
    leave_out: frozenset[str] = frozenset(),
) -> TrainingRun:
    """Train the error model, then the question model (which reads pasted errors with the first).

    `leave_out`: texts not to learn from (the benchmark's stand-in for the blind sets).
    """
    reasons = load_reasons(REASONS_DIR)
    reader = ErrorReader(reasons.values(), load_tables(CODES_DIR), load_concepts())
    failures = training_rows("failures", hold_dev, leave_out=leave_out)
    # The model learns with the provider each row names (as the bot passes the mailbox's), and is
    # cross-validated on the text alone, as an error arrives when no mailbox is known: the threshold
    # is set for the harder case.
    decided = [table_reason(reader.read(row["text"])[1]) for row in failures]
    failure_reports = train(
        models_dir / "failures.npz",
        failures,
        lambda row: reader.features(row["text"], row.get("provider")),
        lambda rows: failure_heads(rows, decided),
        folds,
        score_with=lambda row: reader.features(row["text"]),
    )
    classifier = Classifier(reader, LinearModel(models_dir / "failures.npz"), failure_examples())
    phrases = PhraseFinder(reasons.values(), load_intents(INTENTS_FILE), classifier)
    questions_reader = QuestionReader(phrases, reader)
    questions = training_rows("questions", hold_dev, leave_out=leave_out)
    question_reports = train(
        models_dir / "questions.npz",
        questions,
        lambda row: questions_reader.features(row["text"]),
        question_heads,
        folds,
    )
    return TrainingRun(failure_reports, question_reports, len(failures), len(questions))
