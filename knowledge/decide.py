"""The one decision rule of the error classifier, shared by answering and by cross-validation.

A strong code-table row decides when the model's best reading of the error is the same reason: the
registry and the words agree, and the answer is stated even when the model alone would be unsure
(a bare `AADSTS50173` is a password change). When they disagree the model decides, as it does when
no table row speaks: a code some provider misuses ("552 5.1.1 … over quota") is read by its words,
and a code whose words point elsewhere ("535 5.7.8 … account disabled") is not told as the table's
reason. Below the threshold the model abstains, unless the nearest training row
(`knowledge.neighbours`) is at least `neighbour_min` alike and carries the model's best guess: a
near copy of a known error is answered as that error was.

The reason files' `codes` signatures are evidence the model weighs, like their phrases and hints,
not decisions. Out of fold on the corpus (3,627 errors, confident mistakes held to 1 %), deciding with
them as well answered 58.7 % right against this rule's 61.0 % (their codes, such as 4.7.28, are read
differently by different providers); the rule before it (a strong row decided unless the model was
0.85 sure of another reason) answered 60.5 % without them and 54.1 % with them, as it was shipped.
"""

from __future__ import annotations

from knowledge.neighbours import OFF

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
    if table_reason is not None and best == table_reason:
        return table_reason, max(TABLE_CONFIDENCE, probability), "table"
    if abstain is not None and probability < threshold:
        if neighbour is not None and neighbour[0] == best and neighbour[1] >= neighbour_min:
            return best, probability, "neighbour"
        return abstain, probability, "threshold"
    return best, probability, "model"


def table_reason(rows) -> str | None:
    """The reason the strong table rows of an error agree on, else None."""
    reasons = {row.reason for row in rows if row.strength == "strong" and row.reason != "ambiguous"}
    return reasons.pop() if len(reasons) == 1 else None
