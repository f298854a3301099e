"""A user's chat message → (intent, named reason): phrase matching on forgiving word lists."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz import fuzz, process

from knowledge.classify import Classifier
from knowledge.loader import INTENTS, Reason
from knowledge.text import question_words

# Intents tied on score go to the first in this order.
INTENT_PRIORITY = ("contact_support", "how_to_reconnect", "why_disconnected", "other")
MAX_GAP = 2  # words allowed between the words of a phrase
TYPO_CUTOFF = 84.0  # similarity (0–100) for a word to count as a misspelling of a known word
TYPO_MIN_LENGTH = 5
HINT_WEIGHT = 0.1  # circumstantial hints ("the whole team") only decide when nothing is named
QUOTED_CONFIDENCE = 0.8  # a quoted provider error must classify at least this confidently
_QUOTED = re.compile(r"(?:^|\s)[\"'“‘]([^\"'”’]{8,300})[\"'”’](?=$|\s|[.,;:!?)])")

Phrase = tuple[str, ...]


class Matcher:
    """Phrase lists of intents and reasons, with the vocabulary used to forgive typos."""

    def __init__(
        self,
        reasons: Iterable[Reason],
        intents: dict[str, dict[str, list[str]]],
        classifier: Classifier,
    ) -> None:
        self._classifier = classifier
        self._intents = {name: _phrases(intents["intents"].get(name, [])) for name in INTENTS}
        self._mailbox_words = _phrases(intents.get("context", {}).get("mailbox", []))
        self._reasons: dict[str, list[Phrase]] = {}
        self._hints: dict[str, list[Phrase]] = {}
        for reason in reasons:
            self._reasons[reason.code] = _phrases(reason.question_phrases)
            self._hints[reason.code] = _phrases(reason.question_hints)
        every = [*self._intents.values(), *self._reasons.values(), *self._hints.values(), self._mailbox_words]
        self._vocabulary = sorted({word for phrases in every for phrase in phrases for word in phrase})
        self._known = frozenset(self._vocabulary)
        self._correct = lru_cache(maxsize=8192)(self._closest_known_word)

    def match(self, question: str) -> tuple[str, str | None]:
        """The intent of a chat message and the cause it names (None when it names none)."""
        words = [self._correct(word) for word in question_words(question or "")]
        reason, quoted_error = self._named_reason(words, question or "")
        scores = {intent: _best(words, phrases) for intent, phrases in self._intents.items()}
        if scores["contact_support"] > 0 and scores["contact_support"] >= scores["other"]:
            return "contact_support", reason  # asking for a person wins over everything else said
        best = max(INTENT_PRIORITY, key=lambda intent: (scores[intent], -INTENT_PRIORITY.index(intent)))
        if scores[best] > 0:
            return best, reason
        about_mailbox = quoted_error or "?" in question or _best(words, self._mailbox_words) > 0
        if reason is not None and about_mailbox:
            return "why_disconnected", reason
        return "other", reason

    def _named_reason(self, words: list[str], question: str) -> tuple[str | None, bool]:
        """The cause the user names, and whether they quoted a provider error that shows it."""
        scores = {code: _best(words, phrases) for code, phrases in self._reasons.items()}
        quoted_error = False
        for quoted in _QUOTED.findall(question):
            code, confidence = self._classifier.classify(quoted)
            if code != "unknown" and confidence >= QUOTED_CONFIDENCE:
                scores[code] = max(scores[code], 10.0)
                quoted_error = True
        for code, phrases in self._hints.items():
            scores[code] += HINT_WEIGHT * min(_best(words, phrases), 9.0)
        code, score = max(scores.items(), key=lambda item: item[1])
        tied = [other for other, value in scores.items() if abs(value - score) < 1e-9]
        return (code if score > 0 and len(tied) == 1 else None), quoted_error

    def _closest_known_word(self, word: str) -> str:
        if word in self._known or len(word) < TYPO_MIN_LENGTH or word.isdigit():
            return word
        found = process.extractOne(word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF)
        return found[0] if found else word


def _phrases(texts: Iterable[str]) -> list[Phrase]:
    return [words for words in (tuple(question_words(text)) for text in texts) if words]


def _best(words: list[str], phrases: list[Phrase]) -> float:
    """The length of the longest phrase found, plus a little for each other phrase found."""
    found = [len(phrase) for phrase in phrases if _contains(words, phrase)]
    if not found:
        return 0.0
    return max(found) + 0.01 * (len(found) - 1)


def _contains(words: list[str], phrase: Phrase) -> bool:
    """Whether the phrase's words occur in order, each within MAX_GAP words of the previous one."""
    first, rest = phrase[0], phrase[1:]
    for start, word in enumerate(words):
        if word != first:
            continue
        position = start
        for wanted in rest:
            window = words[position + 1 : position + 2 + MAX_GAP]
            if wanted not in window:
                break
            position += 1 + window.index(wanted)
        else:
            return True
    return False
