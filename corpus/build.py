"""Merge the gathered raw files into one corpus per kind and split it into train, dev and test.

Run: .venv/bin/python corpus/build.py
The split is a stable hash of each row's normalised text, so near copies (other IDs, addresses,
timestamps, numbers) land in the same split and a row never moves once written. The test split is
sealed: it is scored once, at the end, by `bench/kb_accuracy.py --sealed`.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.features import normalise  # noqa: E402

SPLITS = {"failures": (0.60, 0.15), "questions": (0.65, 0.15)}  # train, dev; the rest is test
_DIGITS = re.compile(r"\d+")
REQUIRED = {
    "failures": ("id", "text", "reason", "source"),
    "questions": ("id", "text", "intent", "reason"),
}


def key(text: str) -> str:
    """What makes two rows the same: the normalised text with every number as 0."""
    return " ".join(_DIGITS.sub("0", normalise(text)).split())


def split_of(row_key: str, kind: str) -> str:
    train, dev = SPLITS[kind]
    point = int(hashlib.sha256(row_key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "train" if point < train else "dev" if point < train + dev else "test"


def development_keys(kind: str) -> set[str]:
    """Rows already in tests/data (the development examples) are trained on, never tested."""
    keys = set()
    for path in (ROOT / "tests" / "data").glob(f"{kind}-*.jsonl"):
        keys.update(key(json.loads(line)["text"]) for line in path.read_text().splitlines() if line.strip())
    return keys


def relabels(kind: str) -> dict[str, str]:
    """id → label from `corpus/<kind>/relabel.jsonl`: a review's decisions, each with its reason."""
    path = ROOT / "corpus" / kind / "relabel.jsonl"
    if not path.exists():
        return {}
    return {row["id"]: row["to"] for row in map(json.loads, path.read_text().splitlines()) if row}


def build(kind: str) -> dict[str, int]:
    rows, seen = {"train": [], "dev": [], "test": []}, development_keys(kind)
    changed = relabels(kind)
    for path in sorted((ROOT / "corpus" / kind / "raw").glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                print(f"{path.name}:{number}: not JSON, skipped", file=sys.stderr)
                continue
            if any(field not in row for field in REQUIRED[kind]) or not str(row["text"]).strip():
                print(f"{path.name}:{number}: missing fields, skipped", file=sys.stderr)
                continue
            if row.get("id") in changed:
                to = changed[row["id"]]  # a reason, or for a question {"intent", "reason"}
                row = {**row, **(to if isinstance(to, dict) else {"reason": to}), "relabelled": True}
            row_key = key(row["text"])
            if row_key in seen:
                continue
            seen.add(row_key)
            rows[split_of(row_key, kind)].append(row)
    for split, items in rows.items():
        with (ROOT / "corpus" / kind / f"{split}.jsonl").open("w", encoding="utf-8") as out:
            for row in items:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return {split: len(items) for split, items in rows.items()}


if __name__ == "__main__":
    for kind in SPLITS:
        print(kind, build(kind))
