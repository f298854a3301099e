"""Support's own labelled examples (`knowledge/examples/*.jsonl`): they decide for texts they match.

A row added here takes effect on the next start, without retraining or a release; `kb train` also
learns from them, so the model generalises from the example to its neighbours after a retrain.
"""

from __future__ import annotations

import json
from pathlib import Path

from rapidfuzz import fuzz, process

from knowledge.features import normalise
from knowledge.loader import REASON_CODES, KnowledgeError

EXAMPLES_DIR = Path(__file__).parent / "examples"
FUZZY_CUTOFF = 95.0  # a near copy (other IDs, addresses or timestamps) of an example
FUZZY_MIN_CHARS = 30
MAX_TEXT = 20_000


class Examples:
    """Labelled texts by their normalised form, with a fuzzy look-up for near copies."""

    def __init__(self, rows: list[dict], label: str) -> None:
        self._labels: dict[str, object] = {}
        for row in rows:
            self._labels[_key(row["text"])] = row[label] if label != "*" else row
        self._keys = [key for key in self._labels if len(key) >= FUZZY_MIN_CHARS]

    def find(self, text: str, *, normalised: bool = False):
        """The label of the example this text is (or nearly is), else None.

        `normalised`: the text already went through `features.normalise` (the classifier shares it).
        """
        if not self._labels:
            return None
        key = " ".join(text[:MAX_TEXT].split()) if normalised else _key(text[:MAX_TEXT])
        if key in self._labels:
            return self._labels[key]
        if len(key) < FUZZY_MIN_CHARS or not self._keys:
            return None
        found = process.extractOne(key, self._keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        return self._labels[found[0]] if found else None

    def __len__(self) -> int:
        return len(self._labels)


def _key(text: str) -> str:
    return " ".join(normalise(text).split())


def read_jsonl(path: Path, required: tuple[str, ...]) -> list[dict]:
    """The rows of an examples file; raises KnowledgeError naming the line of any bad row."""
    if not path.exists():
        return []
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise KnowledgeError(f"examples/{path.name}: line {number}: not JSON: {exc}") from None
        if not isinstance(row, dict) or any(key not in row for key in required):
            raise KnowledgeError(f"examples/{path.name}: line {number}: needs {', '.join(required)}")
        if not isinstance(row["text"], str) or not row["text"].strip():
            raise KnowledgeError(f"examples/{path.name}: line {number}: text must be non-empty")
        if "reason" in required and row["reason"] not in (*REASON_CODES, None):
            raise KnowledgeError(f"examples/{path.name}: line {number}: unknown reason {row['reason']!r}")
        rows.append(row)
    return rows


def failure_examples(directory: Path = EXAMPLES_DIR) -> Examples:
    """Support's labelled provider errors."""
    return Examples(read_jsonl(directory / "failures.jsonl", ("text", "reason")), "reason")


def question_examples(directory: Path = EXAMPLES_DIR) -> Examples:
    """Support's labelled questions: the whole row ({"text", "intent", "reason"})."""
    return Examples(read_jsonl(directory / "questions.jsonl", ("text", "intent", "reason")), "*")
