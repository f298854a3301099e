"""The knowledge base: documented disconnection reasons, code tables and the two models built on them.

Public API (stable; the api, bot and worker use only these):
    classify(raw_error, provider=None) -> (reason_code, confidence)
    diagnose(raw_error, provider=None) -> Diagnosis   .reason .confidence .level (high | likely | unsure)
    confidence_level(reason, confidence) -> "high" | "likely" | "unsure"   (for a stored classification)
    match(question) -> (intent, reason_code | None)
    understand(question) -> Understanding   .intent .reason .intent_confidence .reason_confidence
    get_reason(code) -> Reason      .code .title .summary .self_serve .escalate .steps_for(provider)
    reasons() -> list[Reason]
"""

from knowledge.base import (
    Reason,
    classify,
    confidence_level,
    diagnose,
    get_reason,
    match,
    reasons,
    understand,
)

__all__ = [
    "Reason",
    "classify",
    "confidence_level",
    "diagnose",
    "get_reason",
    "match",
    "reasons",
    "understand",
]
