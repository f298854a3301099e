"""Concepts (`knowledge/concepts.yaml`): one idea in many languages, as evidence for the models.

A model trained mostly on English errors learns that "too many login attempts" means throttling or a
lockout; it has seen few Polish or Turkish ones. Reading "zbyt wiele prób logowania" and "çok fazla
başarısız oturum açma girişimi" as the concepts too_many, attempts and sign_in lets what was learned
from the English carry over. Which reason a concept points to is learned in training, not written.

Terms are compared without case or accents, on the words the models read: an exact word, a prefix
(`contrase*`), two words in a row (`de passe`), or, for Chinese, Japanese and Korean, a piece of a run
of text. Each distinct word is looked up once and cached.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from knowledge.loader import KnowledgeError
from knowledge.text import fold

CONCEPTS_FILE = Path(__file__).parent / "concepts.yaml"
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser: ~8 times faster
MAX_TERMS = 5_000
MAX_TERM_CHARS = 40
MIN_PREFIX = 3
TOKEN_PREFIX = "e:concept:"
WEIGHT = 0.25  # a concept's value as a feature (a code or a signature counts 1): cross-validated
WORD_CACHE = 50_000  # distinct words whose concepts are remembered
_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
# Scripts written without spaces between words: their terms are found inside a run of letters.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_WORD = re.compile(r"[^\W_]+")


class Concepts:
    """Terms → concept names; `tokens` gives the evidence of a text's words and word pairs."""

    def __init__(self, terms: dict[str, list[str]]) -> None:
        self._exact: dict[str, set[str]] = {}
        self._prefix: dict[str, set[str]] = {}
        self._pieces: list[tuple[str, str]] = []
        self._pairs: dict[str, list[tuple[str, bool, str]]] = {}
        for concept, items in terms.items():
            for raw in items:
                term, prefix = fold(raw.rstrip("*")), raw.endswith("*")
                words = term.split()
                if len(words) == 2:
                    self._pairs.setdefault(words[0], []).append((words[1], prefix, concept))
                elif _UNSPACED.search(term):
                    self._pieces.append((term, concept))
                else:
                    (self._prefix if prefix else self._exact).setdefault(term, set()).add(concept)
        self._lengths = sorted({len(term) for term in self._prefix})
        self._cache: dict[str, tuple[str, tuple[str, ...]]] = {}

    def tokens(self, words: list[str], pairs: list[str]) -> list[str]:
        """`e:concept:<name>` for every concept among the words and the `b:first second` pairs."""
        found: set[str] = set()
        cache, of_word = self._cache, self._of_word
        for word in words:
            found.update((cache.get(word) or of_word(word))[1])
        if self._pairs:
            for pair in pairs:
                found.update(cache[pair] if pair in cache else self._of_pair(pair))
        return [TOKEN_PREFIX + name for name in sorted(found)]

    def _of_pair(self, pair: str) -> tuple[str, ...]:
        """The concepts of a `b:first second` pair's two-word terms (cached with the words)."""
        first, _, second = pair[2:].partition(" ")
        options = self._pairs.get(self._of_word(first)[0], ())
        folded = self._of_word(second)[0] if options else ""
        found = tuple(
            sorted(
                {
                    concept
                    for term, prefix, concept in options
                    if folded == term or (prefix and folded.startswith(term))
                }
            )
        )
        self._remember(pair, found)
        return found

    def _of_word(self, word: str) -> tuple[str, tuple[str, ...]]:
        """(the word folded, its concepts), from the cache when it was seen before."""
        known = self._cache.get(word)
        if known is not None:
            return known
        folded = fold(word)
        found = set(self._exact.get(folded, ()))
        for length in self._lengths:
            if length > len(folded):
                break
            found.update(self._prefix.get(folded[:length], ()))
        if not folded.isascii() and self._pieces and _UNSPACED.search(folded):
            found.update(concept for piece, concept in self._pieces if piece in folded)
        result = folded, tuple(sorted(found))
        self._remember(word, result)
        return result

    def _remember(self, key: str, value) -> None:
        if len(self._cache) >= WORD_CACHE:
            self._cache.clear()
        self._cache[key] = value


def evidence_value(token: str) -> float:
    """What an evidence token counts as a feature: WEIGHT for a concept, 1 for a code or a signature."""
    return WEIGHT if token.startswith(TOKEN_PREFIX) else 1.0


def load_concepts(path: Path = CONCEPTS_FILE) -> Concepts:
    """The concepts file, checked; raises KnowledgeError naming the problem."""
    return Concepts(read_concepts(path))


def read_concepts(path: Path = CONCEPTS_FILE) -> dict[str, list[str]]:
    """concept → terms, each checked: a name in snake_case, terms of one or two words."""
    name = path.name
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YamlLoader)
    except OSError as exc:
        raise KnowledgeError(f"{name}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{name}: bad YAML: {exc}") from None
    if not isinstance(data, dict) or not data:
        raise KnowledgeError(f"{name}: must map concept names to lists of terms")
    total = 0
    for concept, terms in data.items():
        if not isinstance(concept, str) or not _NAME.fullmatch(concept):
            raise KnowledgeError(f"{name}: concept {concept!r}: names are lower-case words joined by _")
        if not isinstance(terms, list) or not terms:
            raise KnowledgeError(f"{name}: {concept}: needs a list of terms")
        for term in terms:
            problem = _term_problem(term)
            if problem:
                raise KnowledgeError(f"{name}: {concept}: term {term!r}: {problem}")
        total += len(terms)
    if total > MAX_TERMS:
        raise KnowledgeError(f"{name}: {total} terms; at most {MAX_TERMS}")
    return data


def _term_problem(term: object) -> str | None:
    if not isinstance(term, str) or not term.strip():
        return "must be non-empty text"
    if len(term) > MAX_TERM_CHARS:
        return f"longer than {MAX_TERM_CHARS} characters"
    body = term[:-1] if term.endswith("*") else term
    if "*" in body:
        return "* may only end a term"
    words = body.split()
    if len(words) > 2:
        return "at most two words"
    if any(not _WORD.fullmatch(word) for word in words):
        return "words are letters and digits only"
    if term.endswith("*") and len(words) == 1 and len(body) < MIN_PREFIX:
        return f"a prefix needs at least {MIN_PREFIX} letters"
    return None
