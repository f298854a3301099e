"""A user's chat message → (intent, named cause): a two-head model over words and evidence.

Evidence: the phrase lists support edits (`intents.yaml`, the reasons' `question_phrases`), found
outside negated clauses ("I did NOT change my password" names no cause); provider errors pasted into
the message, read by the classifier's structure and code tables; whether the message is a
hypothetical ("if I change my password, will it …?"). Words inside a negated clause are features of
their own. Support's labelled questions (`knowledge/examples/questions.jsonl`) decide for messages
they match.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.classify import ErrorReader
from knowledge.decide import decide
from knowledge.examples import Examples
from knowledge.features import is_hypothetical, marked_words, normalise, pair_features, position_features
from knowledge.match import PhraseFinder
from knowledge.model import LinearModel
from knowledge.text import strip_slack_markup

MAX_QUESTION = 4000  # characters of a message that are read; Slack's own limit is 40,000
NO_CAUSE = "none"
INTENT_GROUPS = ("intent", "context")  # phrase groups about what is asked, not which cause is named


@dataclass(frozen=True)
class Understanding:
    """What a message asks and the cause it names, with the model's probabilities."""

    intent: str
    reason: str | None
    intent_confidence: float
    reason_confidence: float


class QuestionReader:
    """Features of a message: marked words, pairs and evidence tokens."""

    def __init__(self, phrases: PhraseFinder, errors: ErrorReader) -> None:
        self.phrases = phrases
        self.errors = errors

    def features(self, question: str) -> tuple[list[str], list[str], list[str]]:
        """(words, pairs, evidence) as the question model reads them."""
        text = strip_slack_markup((question or "")[:MAX_QUESTION])
        normalised = normalise(text)
        words = marked_words(normalised, negation=True, normalised=True)
        # A negated cause is not named ("I did NOT change my password"), but a negated phrase can
        # be the request itself ("this didn't help"): causes are read outside negations, intents not.
        positive_words = [w for w in words if not w.startswith("neg_")]
        negated = len(positive_words) < len(words)
        pairs = pair_features(words)
        # Not word pairs: the concepts below read only those.
        placed = position_features(normalised, normalised=True)
        found = self.phrases.groups(text)
        evidence = [f"e:{kind}:{name}" for (kind, name) in found if kind in INTENT_GROUPS]
        if negated:  # only then do the words outside negations differ from the whole text
            found = self.phrases.groups(" ".join(positive_words))
        evidence += [f"e:{kind}:{name}" for (kind, name) in found if kind not in INTENT_GROUPS]
        positive_pairs = pair_features(positive_words) if negated else pairs
        evidence += self.errors.concepts.tokens(positive_words, positive_pairs)
        rows = self.errors.rows(text)
        evidence += [f"e:pasted:{row.reason}:{row.strength}" for row in rows if row.reason != "ambiguous"]
        evidence += [f"e:quoted:{code}" for code in self.phrases.quoted_reasons(text)]
        if is_hypothetical(text):
            evidence.append("e:hypothetical")
        if "?" in text:
            evidence.append("e:question_mark")
        if len(words) <= 3:
            evidence.append("e:short")
        return list(dict.fromkeys(words)), list(dict.fromkeys(pairs + placed)), list(dict.fromkeys(evidence))


class Matcher:
    """Answers what a message asks: intent and named cause, `other` / no cause when unsure."""

    def __init__(self, reader: QuestionReader, model: LinearModel, examples: Examples) -> None:
        self.reader = reader
        self.model = model
        self.intent_head = next(head for head in model.heads if head.name == "intent")
        self.reason_head = next(head for head in model.heads if head.name == "reason")
        self.examples = examples

    def match(self, question: str) -> tuple[str, str | None]:
        """The intent of a chat message and the cause it names (None when it names none)."""
        understanding = self.understand(question)
        return understanding.intent, understanding.reason

    def understand(self, question: str) -> Understanding:
        """Intent and named cause with their probabilities."""
        question = question or ""
        if not question.strip():
            return Understanding("other", None, 1.0, 1.0)
        known = self.examples.find(question)
        if known is not None:
            return Understanding(known["intent"], known["reason"], 0.99, 0.99)
        words, pairs, evidence = self.reader.features(question)
        predictions = self.model.predict(words, pairs, evidence)
        intent, intent_p = predictions["intent"].best
        ranked = predictions["reason"].ranked
        head = self.reason_head
        near = self.model.agreeing_neighbour(head, words, ranked, NO_CAUSE)
        reason, _, _ = decide(ranked, None, head.threshold, NO_CAUSE, near, head.neighbour)
        if intent_p < self.intent_head.threshold:
            intent = "other"
        return Understanding(intent, None if reason == NO_CAUSE else reason, intent_p, ranked[0][1])
