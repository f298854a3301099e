"""Training the linear models with scikit-learn (a development dependency), written to `models/*.npz`.

Multinomial logistic regression over the features of `knowledge.features`, fitted twice on two
weightings of the same features (two views, `Vocabulary.matrix`): counts over the root of the text's
feature count, and counts times their inverse document frequency over the root of the sum of
count × idf². Each view's regularisation is chosen by stratified k-fold cross-validation and its
temperature fitted on its out-of-fold scores (calibration); a head's probabilities are the mean of
its two views'. The abstention threshold is the lowest top probability at which the out-of-fold
answers of that mean stay under the allowed share of confident mistakes.

Why two: on the error corpus the mean answered 5–6 points more of the rows right at the same share
of confident mistakes than either view alone (each alone within 3 points of the other); two fits of
one view at different regularisations gained nothing.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from knowledge.concepts import evidence_value
from knowledge.features import word_features
from knowledge.neighbours import OFF, NeighbourIndex, build_index, word_columns

Featurize = Callable[[dict], tuple[list[str], list[str], list[str]]]  # a labelled row → features
C_GRID = (3.0, 10.0, 30.0, 100.0, 300.0)
MIN_DF = 2
# Similarities tried for the nearest-row rule (`knowledge.neighbours`); OFF: the rule is not used.
NEIGHBOUR_GRID = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
VIEWS = (0, 1)  # the two weightings of the features (`Vocabulary.matrices`), each fitted as a model
ALL_BELOW = 2.0  # a threshold above every probability: the answers a head gives when unsure
# The rule is kept only when it answers this much more of the rows right out of fold: it costs a
# look-up per unsure text and the index's memory (which heads keep it is decided at each training).
MIN_GAIN = 0.005


@dataclass
class HeadSpec:
    """What one head learns: its name, its classes, the label of each sample, what abstaining means."""

    name: str
    classes: tuple[str, ...]
    labels: list[str]
    abstain: str | None  # the class answered when unsure (unknown, other, none), or None
    max_wrong: float  # allowed share of confident mistakes out of fold
    high_wrong: float  # share of mistakes allowed at the "stated without hedging" level
    decided: list[str | None] | None = None  # per sample, the reason a strong code-table row gives


@dataclass
class HeadReport:
    """Cross-validated figures of one head."""

    name: str
    c: float
    temperature: float
    threshold: float
    high: float
    right: float
    confidently_wrong: float
    out_of_fold: list[str]
    probabilities: np.ndarray | None = None
    neighbour: float = OFF  # the similarity at which the nearest training row's agreement is stated
    idf_c: float = 10.0  # the second view's regularisation and temperature
    idf_temperature: float = 1.0


class Vocabulary:
    """Feature strings → columns, split by kind as `knowledge.model` stores them."""

    def __init__(self, samples: Sequence[tuple[list[str], list[str], list[str]]]) -> None:
        counts: Counter[str] = Counter()
        for words, pairs, evidence in samples:
            features = {f for w in words for f in word_features(w)} | set(pairs) | set(evidence)
            counts.update(features)
        keep = sorted(f for f, n in counts.items() if n >= MIN_DF or f.startswith("e:"))
        self.columns = {feature: i for i, feature in enumerate(keep)}
        # The second view's inverse document frequency (scikit-learn's smooth form).
        n = len(samples)
        self.idf = np.array([math.log((1 + n) / (1 + counts[f])) + 1 for f in keep])
        self._word_columns: dict[str, list[int]] = {}

    def text_columns(self, sample: tuple[list[str], list[str], list[str]]) -> list[int]:
        """The columns of a sample's words and their n-grams: what the nearest-row index compares."""
        known = self._word_columns
        found: list[int] = []
        for word in sample[0]:
            if word not in known:
                known[word] = word_columns(word, self.columns)
            found += known[word]
        return found

    def matrix(self, samples: Sequence[tuple[list[str], list[str], list[str]]], view: int = 0):
        """The scaled sample × feature matrix of one view (`matrices`)."""
        return self.matrices(samples)[view]

    def matrices(self, samples: Sequence[tuple[list[str], list[str], list[str]]]) -> list:
        """The scaled sample × feature matrix of each view, the samples' features counted once.

        View 0: text features count / sqrt(total), evidence 1. A concept is weaker evidence than a
        code or a signature (`concepts.evidence_value`); the model file stores its weights multiplied
        by that value, so answering treats all evidence alike.
        View 1: every feature count × idf, over sqrt(Σ count × idf²) of the sample's known features.
        Both are linear in each word's features, so the model file can sum a word's once.
        """
        from scipy.sparse import csr_matrix

        cells_of = ([], [])  # per view, per sample: column → value
        idf, columns = self.idf, self.columns
        for sample in samples:
            text, total, evidence = self._counts(sample)
            scale = 1 / math.sqrt(max(total, 1))
            first = {column: n * scale for column, n in text.items()}
            for token in evidence:
                column = columns[token]
                first[column] = first.get(column, 0.0) + evidence_value(token)
            text.update(columns[token] for token in evidence)
            norm = math.sqrt(sum(n * idf[column] ** 2 for column, n in text.items())) or 1.0
            cells_of[0].append(first)
            cells_of[1].append({column: n * idf[column] / norm for column, n in text.items()})
        built = []
        for rows in cells_of:
            data, indices, indptr = [], [], [0]
            for cells in rows:
                for column in sorted(cells):
                    indices.append(column)
                    data.append(cells[column])
                indptr.append(len(indices))
            built.append(csr_matrix((data, indices, indptr), shape=(len(samples), len(columns))))
        return built

    def _counts(self, sample: tuple[list[str], list[str], list[str]]) -> tuple[Counter[int], int, list[str]]:
        """(text feature columns with counts, the text's feature count with unknown ones, known evidence)."""
        words, pairs, evidence = sample
        columns = self.columns
        row: Counter[int] = Counter()
        total = len(pairs)
        for word in words:
            features = word_features(word)
            total += len(features)
            row.update(columns[f] for f in features if f in columns)
        row.update(columns[p] for p in pairs if p in columns)
        return row, total, [token for token in evidence if token in columns]


def cross_validate(features, spec: HeadSpec, folds: int = 5, seed: int = 7, scored=None) -> HeadReport:
    """Choose each view's C and temperature, then the threshold, on out-of-fold scores of one head.

    `scored`: the features each held-out row is scored with, when they differ from what training
    reads (the error model learns with the provider its row names, and is judged on the text alone).
    """
    scored = features if scored is None else scored
    from sklearn.model_selection import StratifiedKFold

    y = np.array([spec.classes.index(label) for label in spec.labels])
    smallest = min(Counter(y.tolist()).values())
    splitter = StratifiedKFold(n_splits=max(2, min(folds, smallest)), shuffle=True, random_state=seed)
    folds_data = []
    neighbours: list[tuple[str, float]] = [("", 0.0)] * len(y)  # out of fold: nearest row's label, similarity
    for train, test in splitter.split(np.zeros(len(y)), y):
        vocabulary = Vocabulary([features[i] for i in train])
        train_samples, test_samples = [features[i] for i in train], [scored[i] for i in test]
        matrices = list(
            zip(vocabulary.matrices(train_samples), vocabulary.matrices(test_samples), strict=True)
        )
        folds_data.append((train, test, matrices))
        if spec.abstain is not None:
            index = NeighbourIndex(
                build_index([vocabulary.text_columns(features[i]) for i in train], len(vocabulary.columns)),
                len(train),
            )
            for i in test:
                row, similarity = index.nearest(vocabulary.text_columns(scored[i]))
                neighbours[i] = (spec.labels[train[row]] if row >= 0 else "", similarity)
    fitted = []  # per view: (C, temperature, out-of-fold probabilities)
    for view in VIEWS:
        best = None
        for c in C_GRID:
            scores = np.zeros((len(y), len(spec.classes)))
            for train, test, matrices in folds_data:
                train_x, test_x = matrices[view]
                coef, bias = _full_coef(_fit(train_x, y[train], c), len(spec.classes))
                scores[test] = test_x @ coef.T + bias
            temperature = fit_temperature(scores, y)
            loss = _log_loss(scores, y, temperature)
            if best is None or loss < best[0]:
                best = (loss, c, temperature, _softmax(scores / temperature))
        fitted.append(best[1:])
    (c, temperature, _), (idf_c, idf_temperature, _) = fitted
    probabilities = np.mean([view_probabilities for _, _, view_probabilities in fitted], axis=0)
    if spec.abstain is None:
        neighbours = None  # a head that always answers has nothing for the rule to add
    threshold, neighbour = choose_threshold(probabilities, y, spec, spec.max_wrong, neighbours)
    high = max(threshold, choose_threshold(probabilities, y, spec, spec.high_wrong)[0])
    answers = _answers(probabilities, spec, threshold, neighbours, neighbour)
    right = float(np.mean([a == label for a, label in zip(answers, spec.labels, strict=True)]))
    wrong = _wrong_share(answers, spec)
    return HeadReport(
        spec.name,
        c,
        temperature,
        threshold,
        high,
        right,
        wrong,
        answers,
        probabilities,
        neighbour,
        idf_c,
        idf_temperature,
    )


def fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """The temperature that minimises the log loss of the scores (a one-parameter calibration)."""
    grid = np.exp(np.linspace(math.log(0.05), math.log(20.0), 200))
    return float(min(grid, key=lambda t: _log_loss(scores, y, t)))


def choose_threshold(
    probabilities: np.ndarray,
    y: np.ndarray,
    spec: HeadSpec,
    max_wrong: float,
    neighbours: list[tuple[str, float]] | None = None,
) -> tuple[float, float]:
    """(threshold, neighbour similarity) answering most rows right with confident mistakes at or
    under `max_wrong`: the lowest such threshold for each similarity of NEIGHBOUR_GRID (or none).

    Each row's answer is read from `decide` three times (above any threshold; below it with the
    nearest row's agreement; below it without), so every pair of the grid is a vector operation.
    """
    ranked = _ranked(probabilities, spec)
    top = np.array([row[0][1] for row in ranked])
    labels = np.array(spec.labels, dtype=object)
    above = np.array(_answers(probabilities, spec, 0.0, ranked=ranked), dtype=object)
    below = np.array(_answers(probabilities, spec, ALL_BELOW, ranked=ranked), dtype=object)
    similarities = (OFF,)
    if neighbours:
        agreeing = np.array(_answers(probabilities, spec, ALL_BELOW, neighbours, -1.0, ranked), dtype=object)
        nearest = np.array([similarity for _, similarity in neighbours])
        similarities = (OFF, *NEIGHBOUR_GRID)
    found: dict[float, tuple[float, float]] = {}  # similarity → (right, its lowest threshold)
    for similarity in similarities:
        low = np.where(nearest >= similarity, agreeing, below) if similarity < OFF else below
        for threshold in np.round(np.arange(0.2, 1.0, 0.01), 2):
            answers = np.where(top >= threshold, above, low)
            if np.mean((answers != labels) & (answers != spec.abstain)) <= max_wrong:
                found[similarity] = (float(np.mean(answers == labels)), float(threshold))
                break
    if not found:
        return float(min(0.999, top.max())), OFF
    best = max(found, key=lambda similarity: found[similarity][0])  # the first of equals: OFF
    if OFF in found and found[best][0] < found[OFF][0] + MIN_GAIN:
        best = OFF
    return found[best][1], best


def train_model(path: Path, features, specs: list[HeadSpec], reports) -> None:
    """Fit every head's two views on all of `features` (with the C each report chose) and write the file."""
    vocabulary = Vocabulary(features)
    matrices = vocabulary.matrices(features)
    neighbours = {spec.name: getattr(reports[spec.name], "neighbour", OFF) for spec in specs}
    coefs: list[list[np.ndarray]] = [[] for _ in VIEWS]
    biases: list[list[np.ndarray]] = [[] for _ in VIEWS]
    lines = []
    for spec in specs:
        y = np.array([spec.classes.index(label) for label in spec.labels])
        report = reports[spec.name]
        for view, c in zip(VIEWS, (report.c, report.idf_c), strict=True):
            coef, bias = _full_coef(_fit(matrices[view], y, c), len(spec.classes))
            coefs[view].append(coef)
            biases[view].append(bias)
        lines.append(
            f"{spec.name}\t{','.join(spec.classes)}\t{report.temperature:.4f}\t{report.threshold:.2f}"
            f"\t{report.high:.2f}\t{neighbours[spec.name]:.2f}\t{report.idf_temperature:.4f}"
        )
    labels = {
        spec.name: np.array([spec.classes.index(label) for label in spec.labels], dtype=np.int16)
        for spec in specs
        if neighbours[spec.name] < OFF
    }
    coef = [np.vstack(view_coefs) for view_coefs in coefs]
    bias = np.concatenate([np.concatenate(view_biases) for view_biases in biases])
    write_model(path, vocabulary, coef, bias, lines, features, labels)


def write_model(
    path: Path, vocabulary: Vocabulary, coef: list[np.ndarray], bias: np.ndarray, heads, features, labels=None
) -> None:
    """Split the weights by feature kind; combine each training word's own features into one row.

    `coef`: each view's classes × columns weights. A feature's row holds the first view's weights,
    the second view's weights times the feature's idf, and idf² (what the second view's norm sums),
    so a word's row is the sum of its features' and a text is scored with one gather.
    `labels`: per head using the nearest-row rule, each training row's class; the index is written
    with them, over the n-gram columns.
    """
    first, second = coef
    idf = vocabulary.idf
    weight = {
        feature: np.concatenate([first[:, column], second[:, column] * idf[column], [idf[column] ** 2]])
        for feature, column in vocabulary.columns.items()
    }
    k = first.shape[0]
    width = 2 * k + 1
    grams = sorted(f for f in weight if f.startswith(("w:", "c:", "nw:", "nc:")))
    pairs = sorted(f for f in weight if f.startswith("b:"))
    evidence = sorted(f for f in weight if f.startswith("e:"))
    words = sorted({w for sample in features for w in sample[0]})
    zero = np.zeros(width)
    word_rows = [sum((weight.get(f, zero) for f in word_features(w)), zero) for w in words]
    neighbour_arrays: dict[str, np.ndarray] = {}
    if labels:
        gram_column = {gram: i for i, gram in enumerate(grams)}
        rows = [[column for w in sample[0] for column in word_columns(w, gram_column)] for sample in features]
        neighbour_arrays = build_index(rows, len(grams))
        neighbour_arrays.update({f"nb_labels_{name}": classes for name, classes in labels.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        **neighbour_arrays,
        heads=np.array("\n".join(heads)),
        bias=bias.astype(np.float32),
        words=np.array("\n".join(words)),
        word_matrix=_rows(word_rows, width),
        word_counts=np.array([len(word_features(w)) for w in words], dtype=np.int32),
        grams=np.array("\n".join(grams)),
        gram_matrix=_rows([weight[g] for g in grams], width),
        pairs=np.array("\n".join(pairs)),
        pair_matrix=_rows([weight[p] for p in pairs], width),
        evidence=np.array("\n".join(evidence)),
        # A concept weighs less than other evidence in the first view only (`Vocabulary.matrices`).
        evidence_matrix=_rows([_first_view_scaled(weight[e], k, evidence_value(e)) for e in evidence], width),
    )


def _first_view_scaled(row: np.ndarray, classes: int, value: float) -> np.ndarray:
    """A feature's model-file row with the first view's weights (its first `classes`) times `value`."""
    scaled = row.copy()
    scaled[:classes] *= value
    return scaled


def _rows(rows, width: int) -> np.ndarray:
    return np.array(rows, dtype=np.float32).reshape(len(rows), width)


def _fit(x, y: np.ndarray, c: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=3000).fit(x, y)


def _full_coef(model, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients for every class, including classes missing from the training labels."""
    coef = np.zeros((n_classes, model.coef_.shape[1]))
    bias = np.full(n_classes, -30.0)
    if len(model.classes_) == 2:
        coef[model.classes_[1]], bias[model.classes_[1]] = model.coef_[0], model.intercept_[0]
        coef[model.classes_[0]], bias[model.classes_[0]] = 0.0, 0.0
    else:
        for row, label in enumerate(model.classes_):
            coef[label], bias[label] = model.coef_[row], model.intercept_[row]
    return coef, bias


def _softmax(scores: np.ndarray) -> np.ndarray:
    exp = np.exp(scores - scores.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def _log_loss(scores: np.ndarray, y: np.ndarray, temperature: float) -> float:
    probabilities = _softmax(scores / temperature)
    return float(-np.mean(np.log(probabilities[np.arange(len(y)), y] + 1e-12)))


def _ranked(probabilities: np.ndarray, spec: HeadSpec) -> list[list[tuple[str, float]]]:
    return [
        sorted(zip(spec.classes, row.tolist(), strict=True), key=lambda item: -item[1])
        for row in probabilities
    ]


def _answers(
    probabilities: np.ndarray,
    spec: HeadSpec,
    threshold: float,
    neighbours: list[tuple[str, float]] | None = None,
    neighbour: float = OFF,
    ranked: list | None = None,
) -> list[str]:
    from knowledge.decide import decide

    decided = spec.decided or [None] * len(probabilities)
    ranked = ranked if ranked is not None else _ranked(probabilities, spec)
    nearest = neighbours or [None] * len(probabilities)
    return [
        decide(row, table_reason, threshold, spec.abstain, near, neighbour)[0]
        for row, table_reason, near in zip(ranked, decided, nearest, strict=True)
    ]


def _wrong_share(answers: list[str], spec: HeadSpec) -> float:
    """The share of answers that are confident and wrong."""
    pairs = zip(answers, spec.labels, strict=True)
    return float(np.mean([_confidently_wrong(answer, label, spec) for answer, label in pairs]))


def _confidently_wrong(answer: str, label: str, spec: HeadSpec) -> bool:
    return answer != label and answer != spec.abstain


def read_rows(paths: Sequence[Path]) -> list[dict]:
    """Rows of labelled JSONL files that exist, in order."""
    import json

    rows = []
    for path in paths:
        if path.exists():
            rows += [
                json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
            ]
    return rows


def failure_heads(rows: list[dict], decided: list[str | None] | None = None) -> list[HeadSpec]:
    """The error model: one head over the reason codes, `unknown` when unsure."""
    from knowledge.loader import REASON_CODES

    labels = [row["reason"] for row in rows]
    return [HeadSpec("reason", REASON_CODES, labels, "unknown", 0.01, 0.005, decided)]


def question_heads(rows: list[dict]) -> list[HeadSpec]:
    """The question model: an intent head that always answers, a named-cause head that may abstain."""
    from knowledge.loader import INTENTS, REASON_CODES

    intents = [row["intent"] for row in rows]
    causes = [row["reason"] or "none" for row in rows]
    return [
        HeadSpec("intent", INTENTS, intents, None, max_wrong=1.0, high_wrong=1.0),
        HeadSpec("reason", (*REASON_CODES, "none"), causes, "none", max_wrong=0.01, high_wrong=0.005),
    ]


def train(
    path: Path,
    rows: list[dict],
    featurize: Featurize,
    heads,
    folds: int = 5,
    score_with: Featurize | None = None,
) -> dict[str, HeadReport]:
    """Cross-validate every head on `rows`, then fit on all of them and write `path`.

    `score_with`: how held-out rows are read in cross-validation, when not as training reads them.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # BLAS threads fighting over two cores made fitting 20 times slower
        return _train(path, rows, featurize, heads, folds, score_with)


def _train(path: Path, rows, featurize: Featurize, heads, folds: int, score_with) -> dict[str, HeadReport]:
    features = [featurize(row) for row in rows]
    scored = [score_with(row) for row in rows] if score_with else None
    specs = heads(rows)
    reports = {spec.name: cross_validate(features, spec, folds, scored=scored) for spec in specs}
    train_model(path, features, specs, reports)
    return reports
