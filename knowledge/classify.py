"""Raw provider error → (reason code, confidence): structure and code tables first, then a model.

1. The error's structure is read (`knowledge.structure`): SMTP, AADSTS, OAuth, IMAP, POP3, Gmail API,
   Graph codes, the SMTP stage, exception names.
2. The code tables (`knowledge/codes/*.yaml`) say what those codes mean; the reason files' own
   signatures (`knowledge/reasons/*.md`) say what wording means.
3. The concepts the words carry, in any language (`knowledge/concepts.yaml`: "hasło" is a password).
4. A linear model over words, word pairs, character n-grams and that evidence gives calibrated
   probabilities. Below the threshold set from cross-validation the answer is `unknown`.
Support's own labelled examples (`knowledge/examples/failures.jsonl`) decide for texts they match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from knowledge.codes import CodeTables, Row
from knowledge.concepts import Concepts
from knowledge.decide import decide, table_reason
from knowledge.examples import Examples
from knowledge.features import normalise, text_features
from knowledge.loader import Reason, Signature
from knowledge.model import LinearModel
from knowledge.structure import Structure, bounded, read_structure
from knowledge.text import error_words
from mailbox_assistant.providers import canonical

HEAD = "reason"
_MAY_CARRY_CODES = re.compile(r"[\d_\[]|[a-z][A-Z]")
EXAMPLE_CONFIDENCE = 0.99


@dataclass(frozen=True)
class Diagnosis:
    """What an error says, why, and how sure: `level` is `high`, `likely` or `unsure`."""

    reason: str
    confidence: float
    level: str
    structure: Structure | None = None
    rows: tuple[Row, ...] = ()
    signatures: tuple[Signature, ...] = ()
    ranked: tuple[tuple[str, float], ...] = ()
    decided_by: str = "model"
    evidence: tuple[str, ...] = field(default=())
    neighbour: tuple[str, float] | None = None  # the nearest training row's label and similarity


def canonical_provider(provider: str | None) -> str | None:
    """The provider's canonical key (the tables' google, microsoft, …), or None when not given."""
    return canonical(provider) if provider else None


class ErrorReader:
    """Structure, table rows and signatures of an error, as evidence tokens for the model."""

    def __init__(self, reasons: Iterable[Reason], tables: CodeTables, concepts: Concepts) -> None:
        self.tables = tables
        self.concepts = concepts
        self._by_first_word: dict[str, list[Signature]] = {}
        self._regexes: list[Signature] = []
        for reason in reasons:
            for signature in reason.signatures:
                if signature.regex is not None:
                    self._regexes.append(signature)
                else:
                    self._by_first_word.setdefault(signature.words[0], []).append(signature)

    def read(self, raw_error: str, provider: str | None = None):
        """(structure, table rows, signatures, evidence tokens) of an error."""
        text, words, structure = self._structure(raw_error)
        rows = self.tables.lookup(structure, provider)
        signatures = self._signatures(text, words)
        return structure, rows, signatures, evidence_tokens(structure, rows, signatures)

    def rows(self, raw_error: str) -> list[Row]:
        """The table rows of the codes an error (or a message quoting one) carries, no more.

        A text carries a code only with a digit, an underscore, a bracket or a CamelCase name; a chat
        message mostly carries none, and its structure is then not read (a name written all in
        capitals with none of those, such as a bare AUTHENTICATIONFAILED, is not looked up).
        """
        if not _MAY_CARRY_CODES.search(raw_error):
            return []
        return self.tables.lookup(self._structure(raw_error)[2], None)

    def model_inputs(self, raw_error: str, provider: str | None = None, normalised: str | None = None):
        """(structure, rows, signatures, words, pairs, evidence): what the model reads, and why.

        `normalised`: `features.normalise(bounded(raw_error))` when the caller already has it.
        """
        structure, rows, signatures, evidence = self.read(raw_error, provider)
        if normalised is None:
            normalised = normalise(bounded(raw_error))
        words, pairs = text_features(normalised, normalised=True)
        return structure, rows, signatures, words, pairs, evidence + self.concepts.tokens(words, pairs)

    def features(self, raw_error: str, provider: str | None = None):
        """(words, pairs, evidence) as the model reads them."""
        return self.model_inputs(raw_error, canonical_provider(provider))[3:]

    @staticmethod
    def _structure(raw_error: str):
        """(the part read, its words, its structure)."""
        text = bounded(raw_error)
        words = error_words(text, limit=len(text))
        return text, words, read_structure(text, words)

    def _signatures(self, text: str, words: list[str]) -> tuple[Signature, ...]:
        """The reasons' signatures the text contains, those inside a longer one left out."""
        spans = []
        for start, word in enumerate(words):
            for signature in self._by_first_word.get(word, ()):
                end = start + len(signature.words)
                if tuple(words[start:end]) == signature.words:
                    spans.append((start, end, signature))
        found = [
            signature
            for start, end, signature in spans
            if not any(s <= start and end <= e and (e - s) > (end - start) for s, e, _ in spans)
        ]
        if self._regexes:
            lowered = text.lower()
            found += [signature for signature in self._regexes if signature.regex.search(lowered)]
        return tuple(dict.fromkeys(found))


def evidence_tokens(structure: Structure, rows: Iterable[Row], signatures: Iterable[Signature]) -> list[str]:
    """Evidence as model features: what the tables and signatures say, by reason and strength."""
    tokens = [f"e:stage:{structure.stage}"]
    if structure.imap_status:
        tokens.append(f"e:imap:{structure.imap_status}")
    for code in structure.codes:
        tokens.append(f"e:has:{code.kind}")
    for row in rows:
        tokens += [f"e:table:{row.reason}:{row.strength}", f"e:{row.kind}:{row.reason}"]
    for signature in signatures:
        tokens.append(f"e:sig:{signature.reason}:{signature.tier}")
    return list(dict.fromkeys(tokens))


class Classifier:
    """Reads an error and answers with a reason, a confidence and the evidence."""

    def __init__(self, reader: ErrorReader, model: LinearModel, examples: Examples) -> None:
        self.reader = reader
        self.model = model
        self.head = next(head for head in model.heads if head.name == HEAD)
        self.examples = examples

    def classify(self, raw_error: str | None, provider: str | None = None) -> tuple[str, float]:
        """The reason behind a raw provider error, with a confidence between 0 and 1."""
        diagnosis = self.diagnose(raw_error, provider)
        return diagnosis.reason, diagnosis.confidence

    def diagnose(self, raw_error: str | None, provider: str | None = None) -> Diagnosis:
        """The reason with its evidence: structure, table rows, signatures and the model's ranking."""
        if not raw_error or not raw_error.strip():
            return Diagnosis("unknown", 0.0, "unsure", decided_by="empty")
        normalised = normalise(bounded(raw_error))  # once, for the examples and the model's words
        known = self.examples.find(normalised, normalised=True)
        if known is not None:
            return Diagnosis(known, EXAMPLE_CONFIDENCE, "high", decided_by="example")
        provider = canonical_provider(provider)
        structure, rows, signatures, words, pairs, evidence = self.reader.model_inputs(
            raw_error, provider, normalised
        )
        ranked = self.model.predict(words, pairs, evidence)[HEAD].ranked
        decided = table_reason(rows)
        head = self.head
        near = self.model.agreeing_neighbour(head, words, ranked, "unknown")
        reason, probability, decided_by = decide(
            ranked, decided, head.threshold, "unknown", near, head.neighbour
        )
        if decided_by == "table":
            probability = max(probability, head.high)
        elif decided_by == "neighbour":
            # As sure as the least sure stated answer: cross-validation set the similarity so that
            # these answers keep confident mistakes within the same allowance.
            probability = head.threshold
        elif reason == "unknown":
            # How sure we are that it is none of the documented causes, not the best guess's score.
            probability = min(dict(ranked).get("unknown", 0.0), self.head.threshold - 0.01)
        level = self.level(reason, probability)
        return Diagnosis(
            reason,
            round(probability, 3),
            level,
            structure,
            tuple(rows),
            signatures,
            ranked,
            decided_by,
            tuple(evidence),
            near,
        )

    def level(self, reason: str, confidence: float | None) -> str:
        """How firmly a stored (reason, confidence) may be told: high, likely or unsure.

        A record without a confidence (kept from before confidences were stored) is told as it is;
        one below the "high" bar, whatever scale it came from, is told as the likely cause.
        """
        if reason == "unknown":
            return "unsure"
        return "high" if confidence is None or confidence >= self.head.high else "likely"

    def explain(self, raw_error: str, provider: str | None = None) -> list[str]:
        """The evidence behind an answer, one line each, for `kb classify --explain`."""
        diagnosis = self.diagnose(raw_error, provider)
        lines = [f"reason: {diagnosis.reason} (confidence {diagnosis.confidence:.2f}, {diagnosis.level})"]
        if diagnosis.structure is None:
            return lines + [f"decided by: {diagnosis.decided_by}"]
        lines.append(f"decided by: {diagnosis.decided_by}")
        structure = diagnosis.structure
        codes = ", ".join(f"{code.kind} {code.value}" for code in structure.codes) or "none"
        lines.append(f"codes found: {codes}; SMTP stage: {structure.stage}")
        if structure.alert:
            lines.append(f"IMAP alert: {structure.alert!r}")
        for row in diagnosis.rows:
            lines.append(
                f"table {row.kind} {row.code}: {row.reason} ({row.strength}) — {row.meaning} [{row.source}]"
            )
        table = table_reason(diagnosis.rows)
        if table is not None and diagnosis.decided_by != "table" and diagnosis.ranked:
            lines.append(
                f"the strong rows' {table} does not decide: the model reads the whole error as"
                f" {diagnosis.ranked[0][0]}"
            )
        for signature in diagnosis.signatures:
            lines.append(f"signature of {signature.reason} ({signature.tier}): {signature.text!r}")
        if diagnosis.neighbour is not None:
            label, similarity = diagnosis.neighbour
            lines.append(
                f"nearest known error: {label} (similarity {similarity:.2f}; agreeing with the model's"
                f" guess, it is stated from {self.head.neighbour:.2f})"
            )
        top = ", ".join(f"{code} {p:.2f}" for code, p in diagnosis.ranked[:3])
        lines.append(f"model: {top}; threshold {self.head.threshold:.2f}, stated above {self.head.high:.2f}")
        words, pairs = text_features(bounded(raw_error))
        strongest = self.model.contributions(self.head, words, pairs, list(diagnosis.evidence))[:6]
        lines += [f"  {name} → {code} (+{weight:.2f})" for name, code, weight in strongest]
        return lines
