"""A trained linear model, answering in pure Python and numpy: features → calibrated probabilities.

The weights come from `knowledge/models/*.npz`, written by `knowledge.training` (scikit-learn is
needed only to train). One file may hold several heads (the question model has an intent head and a
named-cause head); each head has its own classes, temperatures (from cross-validated calibration)
and abstention threshold. Every head is fitted on two weightings of the same features (two views,
`training.Vocabulary.matrix`); its probabilities are the mean of the two views'.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from knowledge.features import word_features
from knowledge.loader import KnowledgeError
from knowledge.neighbours import OFF, NeighbourIndex, word_columns

MODELS_DIR = Path(__file__).parent / "models"
OOV_CACHE = 20_000  # words not seen in training whose n-gram sums are kept


@dataclass(frozen=True)
class Head:
    """One classifier of a model: its name, classes, columns, temperature and thresholds."""

    name: str
    classes: tuple[str, ...]
    start: int
    temperature: float
    threshold: float  # below this top probability the head abstains
    high: float  # at or above it the answer is stated without hedging
    neighbour: float = OFF  # below the threshold, a training row this alike with the best guess states it
    idf_temperature: float = 1.0  # the second view's

    @property
    def end(self) -> int:
        return self.start + len(self.classes)


@dataclass(frozen=True)
class Prediction:
    """A head's answer: classes with probabilities, best first."""

    ranked: tuple[tuple[str, float], ...]

    @property
    def best(self) -> tuple[str, float]:
        return self.ranked[0]


class LinearModel:
    """Weights per word, character n-gram, word pair and evidence token; softmax per head."""

    def __init__(self, path: Path) -> None:
        try:
            data = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise KnowledgeError(f"models/{path.name}: cannot read: {exc}") from None
        self.heads = _heads(path, data)
        self._bias = data["bias"].astype(np.float64)
        # One matrix, its blocks in this order, so a text is scored with one gather and one product.
        blocks = ("word", "gram", "pair", "evidence")
        offsets, start, matrices = {}, 0, []
        for block in blocks:
            offsets[block] = start
            # float32 as written: half of float64's memory, and the same answers.
            matrices.append(data[f"{block}_matrix"].astype(np.float32))
            start += matrices[-1].shape[0]
        # Columns: the first view's scores, the second view's (weights × idf), and idf² (its norm).
        self._classes = sum(len(head.classes) for head in self.heads)
        width = 2 * self._classes + 1
        if len(self._bias) != 2 * self._classes or any(m.shape[1:] != (width,) for m in matrices if len(m)):
            raise KnowledgeError(f"models/{path.name}: not a two-view model file; run `kb train`")
        self._matrix = np.vstack(matrices) if start else np.zeros((1, width))
        self._words = _index(data["words"], offsets["word"])
        self._word_counts = dict(zip(self._words, data["word_counts"].tolist(), strict=True))
        self._grams = _index(data["grams"], offsets["gram"])
        self._pairs = _index(data["pairs"], offsets["pair"])
        self._evidence = _index(data["evidence"], offsets["evidence"])
        self._unseen = lru_cache(maxsize=OOV_CACHE)(self._unseen_word)
        self._labels = {
            head.name: data[f"nb_labels_{head.name}"]
            for head in self.heads
            if f"nb_labels_{head.name}" in data.files
        }
        self._neighbours = None
        if self._labels:
            try:
                arrays = {name: data[name] for name in ("nb_idf", "nb_indptr", "nb_rows", "nb_weight")}
            except KeyError as exc:
                raise KnowledgeError(f"models/{path.name}: nearest-row index incomplete: {exc}") from None
            self._neighbours = NeighbourIndex(arrays, len(next(iter(self._labels.values()))))
        self._gram_offset = offsets["gram"]
        self._word_columns = lru_cache(maxsize=OOV_CACHE)(self._columns_of_word)

    def agreeing_neighbour(
        self, head: Head, words: list[str], ranked: tuple[tuple[str, float], ...], abstain: str
    ) -> tuple[str, float] | None:
        """(label, similarity) of the training row most like these words, looked up only when it
        could change the answer: the head keeps the rule and its best guess, not `abstain`, is below
        the threshold. For `decide`."""
        best, probability = ranked[0]
        if probability >= head.threshold or best == abstain:
            return None
        return self.nearest(head, words)

    def nearest(self, head: Head, words: list[str]) -> tuple[str, float] | None:
        """(label, similarity) of the training row most like these words, for a head that keeps them."""
        labels = self._labels.get(head.name)
        if labels is None or self._neighbours is None:
            return None
        columns = [column for word in words for column in self._word_columns(word)]
        row, similarity = self._neighbours.nearest(columns)
        return (head.classes[int(labels[row])], similarity) if row >= 0 else None

    def _columns_of_word(self, word: str) -> tuple[int, ...]:
        """The n-gram columns (the `grams` list's positions) of a word's own features."""
        return tuple(word_columns(word, self._grams, self._gram_offset))

    def logits(
        self, words: list[str], pairs: list[str], evidence: list[str]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Raw scores of every class of every head, in each of the two views."""
        rows, count = [], len(pairs)
        known, counts = self._words, self._word_counts
        for word in words:
            index = known.get(word)
            if index is None:
                grams, features = self._unseen(word)
                rows.extend(grams)
                count += features
            else:
                rows.append(index)
                count += counts[word]
        pairs_index = self._pairs
        rows.extend(pairs_index[p] for p in pairs if p in pairs_index)
        text_rows = len(rows)
        evidence_index = self._evidence
        rows.extend(evidence_index[e] for e in evidence if e in evidence_index)
        k = self._classes
        if not rows:
            return self._bias[:k], self._bias[k:]
        weights = np.ones((2, len(rows)))
        weights[0, :text_rows] = 1 / math.sqrt(max(count, 1))
        summed = weights @ self._matrix.take(rows, axis=0)  # take: faster than fancy indexing
        norm = math.sqrt(summed[1, -1]) or 1.0
        return self._bias[:k] + summed[0, :k], self._bias[k:] + summed[1, k:-1] / norm

    def predict(self, words: list[str], pairs: list[str], evidence: list[str]) -> dict[str, Prediction]:
        """Calibrated probabilities per head: the mean of its two views'."""
        first, second = (scores.tolist() for scores in self.logits(words, pairs, evidence))
        predictions = {}
        for head in self.heads:
            a = _softmax(first[head.start : head.end], head.temperature)
            b = _softmax(second[head.start : head.end], head.idf_temperature)
            mean = zip(head.classes, [(x + y) / 2 for x, y in zip(a, b, strict=True)], strict=True)
            predictions[head.name] = Prediction(tuple(sorted(mean, key=_probability, reverse=True)))
        return predictions

    def contributions(self, head: Head, words: list[str], pairs: list[str], evidence: list[str]) -> list:
        """(feature, class, weight) of the strongest pieces of evidence, for `--explain` (first view)."""
        count = max(sum(len(word_features(w)) for w in words) + len(pairs), 1)
        found = []
        for word in words:
            rows = [self._words[word]] if word in self._words else self._unseen(word)[0]
            found.append((f"word {word!r}", self._matrix[rows].sum(axis=0) / math.sqrt(count)))
        found += [
            (f"words {p[2:]!r}", self._matrix[self._pairs[p]] / math.sqrt(count))
            for p in pairs
            if p in self._pairs
        ]
        found += [
            (f"evidence {e[2:]}", self._matrix[self._evidence[e]]) for e in evidence if e in self._evidence
        ]
        ranked = []
        for name, vector in found:
            part = vector[head.start : head.end] / head.temperature
            best = int(np.argmax(part))
            ranked.append((name, head.classes[best], float(part[best])))
        return sorted(ranked, key=lambda item: item[2], reverse=True)

    def _unseen_word(self, word: str) -> tuple[list[int], int]:
        """The rows of a word seen in no training text (its known n-grams), and its feature count."""
        features = word_features(word)
        return [self._grams[f] for f in features if f in self._grams], len(features)


def _softmax(scores: list[float], temperature: float) -> list[float]:
    # Plain floats: for a handful of classes numpy's per-call cost is most of the time.
    scaled = [value / temperature for value in scores]
    top = max(scaled)
    exp = [math.exp(value - top) for value in scaled]
    total = sum(exp)
    return [e / total for e in exp]


def _probability(item: tuple[str, float]) -> float:
    return item[1]


def _index(packed: np.ndarray, offset: int) -> dict[str, int]:
    text = str(packed)
    return {item: offset + i for i, item in enumerate(text.split("\n"))} if text else {}


def _heads(path: Path, data) -> tuple[Head, ...]:
    try:
        heads, start = [], 0
        for line in str(data["heads"]).split("\n"):
            name, classes, temperature, threshold, high, neighbour, idf_temperature = line.split("\t")
            names = tuple(classes.split(","))
            heads.append(
                Head(
                    name,
                    names,
                    start,
                    float(temperature),
                    float(threshold),
                    float(high),
                    float(neighbour),
                    float(idf_temperature),
                )
            )
            start += len(names)
        return tuple(heads)
    except (KeyError, ValueError) as exc:
        raise KnowledgeError(f"models/{path.name}: malformed heads: {exc}") from None
