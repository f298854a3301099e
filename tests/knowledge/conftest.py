"""Fixtures for the knowledge tests: the labelled example sets and a scratch copy of the files."""

import shutil
from pathlib import Path

import pytest

from knowledge.evaluation import read_examples
from knowledge.loader import INTENTS_FILE, REASONS_DIR

DATA = Path(__file__).parent.parent / "data"


def read_jsonl(name: str) -> list[dict]:
    """The rows of one labelled example file in tests/data."""
    return read_examples(DATA / name)


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> tuple[Path, Path]:
    """A writable copy of the reason files and the intents file, for tests that break or extend them."""
    reasons = tmp_path / "reasons"
    shutil.copytree(REASONS_DIR, reasons)
    intents = tmp_path / "intents.yaml"
    shutil.copy(INTENTS_FILE, intents)
    return reasons, intents
