"""The phrase lists of `intents.yaml` and the reasons' `question_phrases`, found in a chat message.

The question model (`knowledge.understand`) reads what is found here as evidence, so a phrase support
adds to a list counts on the next start."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz import fuzz, process

from knowledge.classify import Classifier
from knowledge.loader import INTENTS, Reason
from knowledge.text import question_words

MAX_GAP = 2  # words allowed between the words of a phrase
TYPO_CUTOFF = 84.0  # similarity (0–100) for a word to count as a misspelling of a known word
TYPO_MIN_LENGTH = 5
QUOTED_CONFIDENCE = 0.8  # a quoted provider error must classify at least this confidently
_QUOTED = re.compile(r"(?:^|\s)[\"'“‘]([^\"'”’]{8,300})[\"'”’](?=$|\s|[.,;:!?)])")

Phrase = tuple[str, ...]
Group = tuple[str, str]  # ("intent", name), ("reason", code), ("hint", code) or ("context", "mailbox")


class PhraseFinder:
    """Phrase lists of intents and reasons, indexed by first word, with a vocabulary for typos."""

    def __init__(
        self,
        reasons: Iterable[Reason],
        intents: dict[str, dict[str, list[str]]],
        classifier: Classifier,
    ) -> None:
        self._classifier = classifier
        groups: dict[Group, list[str]] = {
            ("intent", name): intents["intents"].get(name, []) for name in INTENTS
        }
        groups[("context", "mailbox")] = intents.get("context", {}).get("mailbox", [])
        for reason in reasons:
            groups[("reason", reason.code)] = list(reason.question_phrases)
            groups[("hint", reason.code)] = list(reason.question_hints)
        self._by_first_word: dict[str, list[tuple[Group, Phrase]]] = {}
        vocabulary: set[str] = set()
        for group, texts in groups.items():
            for phrase in _phrases(texts):
                self._by_first_word.setdefault(phrase[0], []).append((group, phrase))
                vocabulary.update(phrase)
        self._vocabulary = sorted(vocabulary)
        self._vocabulary_set = frozenset(vocabulary)
        self._correct = lru_cache(maxsize=8192)(self._closest_known_word)

    def groups(self, question: str) -> dict[Group, float]:
        """The phrase groups a message contains (intents, named reasons, hints), with their strength."""
        return self._found([self._correct(word) for word in question_words(question)])

    def quoted_reasons(self, question: str) -> list[str]:
        """Reasons shown by provider errors quoted in the message, when they classify confidently."""
        found = []
        for quoted in _QUOTED.findall(question[:4000]):
            code, confidence = self._classifier.classify(quoted)
            if code != "unknown" and confidence >= QUOTED_CONFIDENCE:
                found.append(code)
        return found

    def _found(self, words: list[str]) -> dict[Group, float]:
        """Per group, the length of the longest phrase found plus a little for each other one."""
        lengths: dict[Group, list[int]] = {}
        for start, word in enumerate(words):
            for group, phrase in self._by_first_word.get(word, ()):
                if _occurs_at(words, start, phrase):
                    lengths.setdefault(group, []).append(len(phrase))
        return {group: max(found) + 0.01 * (len(found) - 1) for group, found in lengths.items()}

    def _closest_known_word(self, word: str) -> str:
        if len(word) < TYPO_MIN_LENGTH or word.isdigit() or word in self._vocabulary_set:
            return word
        found = process.extractOne(word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF)
        return found[0] if found else word


def _phrases(texts: Iterable[str]) -> list[Phrase]:
    return [words for words in (tuple(question_words(text)) for text in texts) if words]


def _occurs_at(words: list[str], start: int, phrase: Phrase) -> bool:
    """Whether the phrase starts at `start`, each next word within MAX_GAP words of the previous."""
    position = start
    for wanted in phrase[1:]:
        window = words[position + 1 : position + 2 + MAX_GAP]
        if wanted not in window:
            return False
        position += 1 + window.index(wanted)
    return True
