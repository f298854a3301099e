"""Raw provider error → (reason code, confidence): explicit signatures first, fuzzy phrases second."""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz, process

from knowledge.loader import Reason, Signature
from knowledge.text import error_words

# A signature's tier sets its strength: a provider code beats distinctive wording, which beats a
# generic word. Within a tier a longer phrase is more specific, so it earns a little more.
TIER_SCORE = {"codes": 0.97, "phrases": 0.88, "hints": 0.65}
LENGTH_BONUS = 0.005
# Below this the answer is "unknown": a confident wrong answer costs more than asking support.
THRESHOLD = 0.5
# Two reasons this close are a tie; the answer then loses this much confidence.
TIE_MARGIN = 0.004
TIE_PENALTY = 0.3
FUZZY_CUTOFF = 90.0
FUZZY_MIN_CHARS = 12


class Classifier:
    """Holds the signatures of every reason, indexed for fast look-up."""

    def __init__(self, reasons: Iterable[Reason]) -> None:
        self._by_first_word: dict[str, list[Signature]] = {}
        self._regexes: list[Signature] = []
        self._fuzzy_phrases: list[str] = []
        self._fuzzy_reasons: list[str] = []
        for reason in reasons:
            for signature in reason.signatures:
                if signature.regex is not None:
                    self._regexes.append(signature)
                    continue
                self._by_first_word.setdefault(signature.words[0], []).append(signature)
                phrase = " ".join(signature.words)
                if signature.tier != "hints" and len(phrase) >= FUZZY_MIN_CHARS:
                    self._fuzzy_phrases.append(phrase)
                    self._fuzzy_reasons.append(signature.reason)

    def classify(self, raw_error: str | None) -> tuple[str, float]:
        """The reason behind a raw provider error, with a confidence between 0 and 1."""
        if not raw_error or not raw_error.strip():
            return "unknown", 0.0
        words = error_words(raw_error)
        scores = self._signature_scores(words, raw_error[:4000].lower())
        if not scores:
            return self._fuzzy(" ".join(words))
        ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
        reason, score = ranked[0]
        if len(ranked) > 1 and score - ranked[1][1] < TIE_MARGIN:
            score -= TIE_PENALTY
        if score < THRESHOLD:
            return "unknown", round(score, 3)
        return reason, round(score, 3)

    def _signature_scores(self, words: list[str], lowered: str) -> dict[str, float]:
        """Best score per reason over the matching signatures that no longer match contains."""
        spans: list[tuple[int, int, Signature]] = []
        for start, word in enumerate(words):
            for signature in self._by_first_word.get(word, ()):
                end = start + len(signature.words)
                if tuple(words[start:end]) == signature.words:
                    spans.append((start, end, signature))
        scores: dict[str, float] = {}
        for start, end, signature in spans:
            inside_longer = any(s <= start and end <= e and (e - s) > (end - start) for s, e, _ in spans)
            if not inside_longer:
                _keep_best(scores, signature.reason, _score(signature, end - start))
        for signature in self._regexes:
            if signature.regex.search(lowered):
                _keep_best(scores, signature.reason, TIER_SCORE[signature.tier])
        return scores

    def _fuzzy(self, text: str) -> tuple[str, float]:
        """Truncated, re-worded or misspelt errors: the closest signature phrase, if close enough."""
        # A short text would "match" inside any long phrase, so only phrases about its length or
        # shorter are candidates; a truncated error keeps most of its phrase.
        longest = len(text) * 1.25
        candidates = {i: phrase for i, phrase in enumerate(self._fuzzy_phrases) if len(phrase) <= longest}
        best = process.extractOne(text, candidates, scorer=fuzz.partial_ratio, score_cutoff=FUZZY_CUTOFF)
        if best is None:
            return "unknown", 0.0
        _, similarity, index = best
        return self._fuzzy_reasons[index], round(0.55 + (similarity - FUZZY_CUTOFF) / 50, 3)


def _score(signature: Signature, length: int) -> float:
    return TIER_SCORE[signature.tier] + LENGTH_BONUS * min(length, 6)


def _keep_best(scores: dict[str, float], reason: str, score: float) -> None:
    if score > scores.get(reason, 0.0):
        scores[reason] = score
