"""The loaded knowledge base and the module-level functions the rest of the project calls."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from knowledge.classify import Classifier, Diagnosis, ErrorReader
from knowledge.codes import CODES_DIR, load_tables
from knowledge.concepts import CONCEPTS_FILE, load_concepts
from knowledge.examples import EXAMPLES_DIR, failure_examples, question_examples
from knowledge.loader import INTENTS_FILE, REASONS_DIR, Reason, load_intents, load_reasons
from knowledge.match import PhraseFinder
from knowledge.model import MODELS_DIR, LinearModel
from knowledge.understand import Matcher, QuestionReader, Understanding


class KnowledgeBase:
    """Reasons, code tables, intents, examples and the two models built on them; pure after load."""

    def __init__(
        self,
        reasons_dir: Path = REASONS_DIR,
        intents_file: Path = INTENTS_FILE,
        codes_dir: Path = CODES_DIR,
        models_dir: Path = MODELS_DIR,
        examples_dir: Path = EXAMPLES_DIR,
        concepts_file: Path = CONCEPTS_FILE,
    ) -> None:
        self.reasons = load_reasons(reasons_dir)
        self.tables = load_tables(codes_dir)
        self.error_reader = ErrorReader(self.reasons.values(), self.tables, load_concepts(concepts_file))
        self.classifier = Classifier(
            self.error_reader, LinearModel(models_dir / "failures.npz"), failure_examples(examples_dir)
        )
        phrases = PhraseFinder(self.reasons.values(), load_intents(intents_file), self.classifier)
        self.question_reader = QuestionReader(phrases, self.error_reader)
        self.matcher = Matcher(
            self.question_reader, LinearModel(models_dir / "questions.npz"), question_examples(examples_dir)
        )

    def get_reason(self, code: str) -> Reason:
        """The reason with this code; any code we do not know is treated as `unknown`."""
        return self.reasons.get(code) or self.reasons["unknown"]


@lru_cache(maxsize=1)
def default_knowledge_base() -> KnowledgeBase:
    """The knowledge base shipped with the package, loaded once per process."""
    return KnowledgeBase()


def classify(raw_error: str | None, provider: str | None = None) -> tuple[str, float]:
    """Raw provider error → (reason code, confidence in [0, 1]); `unknown` when unsure."""
    return default_knowledge_base().classifier.classify(raw_error, provider)


def diagnose(raw_error: str | None, provider: str | None = None) -> Diagnosis:
    """Raw provider error → the reason with its confidence level (high, likely, unsure) and evidence."""
    return default_knowledge_base().classifier.diagnose(raw_error, provider)


def confidence_level(reason: str, confidence: float | None) -> str:
    """How firmly to tell a classified reason: `high` (state it), `likely` ("most likely …"), `unsure`."""
    return default_knowledge_base().classifier.level(reason, confidence)


def match(question: str) -> tuple[str, str | None]:
    """User question → (intent, reason code it names or None)."""
    return default_knowledge_base().matcher.match(question)


def understand(question: str) -> Understanding:
    """User question → intent and named cause with the model's confidence in each."""
    return default_knowledge_base().matcher.understand(question)


def get_reason(code: str) -> Reason:
    """The documented reason for a code (unknown codes give the `unknown` entry)."""
    return default_knowledge_base().get_reason(code)


def reasons() -> list[Reason]:
    """Every documented reason, `unknown` last."""
    entries = default_knowledge_base().reasons
    return [entry for code, entry in entries.items() if code != "unknown"] + [entries["unknown"]]
