"""The knowledge base: documented disconnection reasons and the two matchers built on them.

Public API (stable; the api, bot and worker use only these):
    classify(raw_error) -> (reason_code, confidence)
    match(question) -> (intent, reason_code | None)
    get_reason(code) -> Reason      .code .title .summary .self_serve .escalate .steps_for(provider)
    reasons() -> list[Reason]
"""

from knowledge.base import Reason, classify, get_reason, match, reasons

__all__ = ["Reason", "classify", "get_reason", "match", "reasons"]
