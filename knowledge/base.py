"""The loaded knowledge base and the module-level functions the rest of the project calls."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from knowledge.classify import Classifier
from knowledge.loader import INTENTS_FILE, REASONS_DIR, Reason, load_intents, load_reasons
from knowledge.match import Matcher


class KnowledgeBase:
    """Reasons, intents and the two matchers built on them; pure after load."""

    def __init__(self, reasons_dir: Path = REASONS_DIR, intents_file: Path = INTENTS_FILE) -> None:
        self.reasons = load_reasons(reasons_dir)
        self.classifier = Classifier(self.reasons.values())
        self.matcher = Matcher(self.reasons.values(), load_intents(intents_file), self.classifier)

    def get_reason(self, code: str) -> Reason:
        """The reason with this code; any code we do not know is treated as `unknown`."""
        return self.reasons.get(code) or self.reasons["unknown"]


@lru_cache(maxsize=1)
def default_knowledge_base() -> KnowledgeBase:
    """The knowledge base shipped with the package, loaded once per process."""
    return KnowledgeBase()


def classify(raw_error: str | None) -> tuple[str, float]:
    """Raw provider error → (reason code, confidence in [0, 1]); `unknown` when unsure."""
    return default_knowledge_base().classifier.classify(raw_error)


def match(question: str) -> tuple[str, str | None]:
    """User question → (intent, reason code it names or None)."""
    return default_knowledge_base().matcher.match(question)


def get_reason(code: str) -> Reason:
    """The documented reason for a code (unknown codes give the `unknown` entry)."""
    return default_knowledge_base().get_reason(code)


def reasons() -> list[Reason]:
    """Every documented reason, `unknown` last."""
    entries = default_knowledge_base().reasons
    return [entry for code, entry in entries.items() if code != "unknown"] + [entries["unknown"]]
