"""The training row nearest a text, by the words and character n-grams they share (TF-IDF cosine).

A second opinion beside the linear model. Providers repeat their templates with other IDs, addresses
and numbers, and mail clients say the same thing in many words: when the model's best guess is below
its threshold but a training row very like the text carries that same label, the guess is stated.
How alike the two must be is set by cross-validation, like the threshold (`knowledge.training`).

The index lives in the model file, keyed by the model's own n-gram columns: for each n-gram, the rows
that have it and their weights. N-grams found in more than MAX_DF_SHARE of the rows (and more than
MIN_KEPT_DF) are left out: they weigh little and would make every look-up touch most rows, so a look-up
reads a few thousand postings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from knowledge.features import word_features

MAX_DF_SHARE = 0.1
MIN_KEPT_DF = 50  # in a small corpus every n-gram is kept
OFF = 2.0  # a similarity never reached: the head does not use the rule


def word_columns(word: str, columns: dict[str, int], offset: int = 0) -> list[int]:
    """The index columns of a word's own features (itself and its n-grams) that `columns` holds."""
    return [columns[f] - offset for f in word_features(word) if f in columns]


def build_index(row_columns: Sequence[Sequence[int]], n_columns: int) -> dict[str, np.ndarray]:
    """The arrays of an index over rows, each given as its distinct feature columns."""
    n_rows = len(row_columns)
    lengths = np.array([len(columns) for columns in row_columns], dtype=np.int64)
    columns = (
        np.concatenate([np.asarray(c, dtype=np.int64) for c in row_columns])
        if n_rows and lengths.sum()
        else np.zeros(0, dtype=np.int64)
    )
    rows = np.repeat(np.arange(n_rows, dtype=np.int64), lengths)
    df = np.bincount(columns, minlength=n_columns)
    idf = np.log((1 + n_rows) / (1 + df)) + 1.0
    idf[df > max(MIN_KEPT_DF, MAX_DF_SHARE * n_rows)] = 0.0
    weight = idf[columns]
    norms = np.sqrt(np.bincount(rows, weights=weight**2, minlength=n_rows))
    weight = np.divide(weight, norms[rows], out=np.zeros_like(weight), where=norms[rows] > 0)
    order = np.argsort(columns, kind="stable")
    keep = weight[order] > 0
    order = order[keep]
    indptr = np.zeros(n_columns + 1, dtype=np.int64)
    np.cumsum(np.bincount(columns[order], minlength=n_columns), out=indptr[1:])
    return {
        "nb_idf": idf.astype(np.float32),
        "nb_indptr": indptr.astype(np.int32),
        "nb_rows": rows[order].astype(np.int32),
        "nb_weight": weight[order].astype(np.float32),
    }


class NeighbourIndex:
    """Nearest training row of a set of feature columns, with its cosine similarity."""

    def __init__(self, arrays: dict[str, np.ndarray], n_rows: int) -> None:
        # As stored (float32, int32): float64 copies would double the postings' memory, which is
        # most of what an index costs; each look-up widens only the postings it reads.
        self._idf = arrays["nb_idf"]
        self._indptr = arrays["nb_indptr"]
        self._rows = arrays["nb_rows"]
        self._weight = arrays["nb_weight"]
        self.n_rows = n_rows

    def nearest(self, columns: Sequence[int]) -> tuple[int, float]:
        """(row, similarity in [0, 1]) of the most similar row; (-1, 0.0) when nothing is shared."""
        ids = np.fromiter(set(columns), dtype=np.int64)
        if not len(ids) or not self.n_rows:
            return -1, 0.0
        query = self._idf[ids].astype(np.float64)
        norm = math.sqrt(float(query @ query))
        starts, ends = self._indptr[ids].astype(np.int64), self._indptr[ids + 1].astype(np.int64)
        lengths = ends - starts
        total = int(lengths.sum())
        if not total or not norm:
            return -1, 0.0
        # Every posting of every column, gathered without a Python loop.
        positions = np.arange(total) + np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
        scores = np.bincount(
            self._rows[positions],
            weights=self._weight[positions].astype(np.float64) * np.repeat(query, lengths),
            minlength=self.n_rows,
        )
        best = int(scores.argmax())
        return best, min(1.0, float(scores[best]) / norm)
