"""Temporary placeholder until the loader and matchers land (same signatures)."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reason:
    code: str
    title: str
    summary: str
    self_serve: bool
    escalate: bool
    steps: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def steps_for(self, provider: str | None) -> tuple[str, ...]:
        return self.steps.get(provider or "other") or self.steps.get("other", ())


_UNKNOWN = Reason("unknown", "We could not tell why", "We could not tell.", False, True, {"other": ("Ask support.",)})


def classify(raw_error: str | None) -> tuple[str, float]:
    return ("unknown", 0.0)


def match(question: str) -> tuple[str, str | None]:
    return ("other", None)


def get_reason(code: str) -> Reason:
    return _UNKNOWN


def reasons() -> list[Reason]:
    return [_UNKNOWN]
