"""The one decision rule of the error classifier, shared by answering and by cross-validation.

A strong code-table row (or a `codes` signature of a reason file) decides (the registries are more
reliable than any wording), unless the
model is confident of another reason: a code misused by a provider ("552 5.1.1 … over quota")
is then read by its words. Otherwise the model decides, and below the threshold it abstains, unless
the nearest training row (`knowledge.neighbours`) is at least `neighbour_min` alike and carries the
model's best guess: a near copy of a known error is answered as that error was.
"""

from __future__ import annotations

from knowledge.neighbours import OFF

OVERRULE = 0.85  # the model's probability for another reason that overrules a strong table row
TABLE_CONFIDENCE = 0.95


def decide(
    ranked: list[tuple[str, float]] | tuple[tuple[str, float], ...],
    table_reason: str | None,
    threshold: float,
    abstain: str | None,
    neighbour: tuple[str, float] | None = None,
    neighbour_min: float = OFF,
) -> tuple[str, float, str]:
    """(answer, confidence, what decided: table | model | neighbour | threshold) from the ranking.

    `neighbour`: (label, similarity) of the nearest training row, when the caller looked it up.
    """
    best, probability = ranked[0]
    if table_reason is not None and not (best != table_reason and probability >= OVERRULE):
        model_p = dict(ranked).get(table_reason, 0.0)
        return table_reason, max(TABLE_CONFIDENCE, model_p), "table"
    if abstain is not None and probability < threshold:
        if neighbour is not None and neighbour[0] == best and neighbour[1] >= neighbour_min:
            return best, probability, "neighbour"
        return abstain, probability, "threshold"
    return best, probability, "model"


def table_reason(rows, signatures=()) -> str | None:
    """The reason the strong table rows and `codes` signatures of an error agree on, else None.

    A `codes` signature in a reason file is support's own code table, so it decides like a strong row.
    """
    reasons = {row.reason for row in rows if row.strength == "strong" and row.reason != "ambiguous"}
    reasons |= {signature.reason for signature in signatures if signature.tier == "codes"}
    return reasons.pop() if len(reasons) == 1 else None
