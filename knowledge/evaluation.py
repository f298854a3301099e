"""Scoring the matchers against labelled examples (used by the tests and bench/kb_accuracy.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Score:
    """The share of examples answered right, and the share answered wrong with a definite answer."""

    right: float
    confidently_wrong: float


def read_examples(path: Path) -> list[dict]:
    """The rows of a JSONL file of labelled examples ({"id", "text", …labels})."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def score_classify(rows: Iterable[dict], classify: Callable[[str], tuple[str, float]]) -> Score:
    """Right: the labelled reason. Confidently wrong: another reason that is not `unknown`."""
    right = wrong = total = 0
    for row in rows:
        reason, _ = classify(row["text"])
        total += 1
        right += reason == row["reason"]
        wrong += reason not in (row["reason"], "unknown")
    return Score(right / total, wrong / total)


def score_match(rows: Iterable[dict], match: Callable[[str], tuple[str, str | None]]) -> Score:
    """Right: intent and named reason both. Confidently wrong: a wrong intent, or a wrong named reason."""
    right = wrong = total = 0
    for row in rows:
        intent, reason = match(row["text"])
        total += 1
        right += (intent, reason) == (row["intent"], row["reason"])
        wrong += intent != row["intent"] or reason not in (row["reason"], None)
    return Score(right / total, wrong / total)
