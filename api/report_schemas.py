"""Request and response models of the reports (the outcomes report contract, in the OpenAPI document)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema, create_model

from api.schemas import _HOUR, _MINUTE, _YEAR, Input, UtcTimestamp  # the RFC 3339 pieces

# The forms a period's bound may take (the document carries this pattern): an ISO 8601 date (midnight
# UTC), or a date-time whose offset may be left out (UTC) or sent as "Z" or ±HH:MM; a "+" that a query
# string turned into a space is read as "+" (…T10:00:00 02:00 meant +02:00).
_DAY = rf"{_YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
PERIOD_BOUND_PATTERN = (
    rf"^{_DAY}(?:[Tt]{_HOUR}:{_MINUTE}:{_MINUTE}(?:\.[0-9]+)?(?:[Zz]|[+\- ]{_HOUR}:{_MINUTE})?)?$"
)
_PERIOD_BOUND = re.compile(PERIOD_BOUND_PATTERN)


def _period_bound(value: Any) -> Any:
    """A bound of PERIOD_BOUND_PATTERN as the RFC 3339 date-time it means; anything else is refused."""
    if not isinstance(value, str):
        return value
    if not _PERIOD_BOUND.fullmatch(value):
        raise ValueError("must be an ISO 8601 date or date-time, e.g. 2026-03-01 or 2026-03-01T10:00:00Z")
    if len(value) == 10:
        return datetime.combine(datetime.fromisoformat(value).date(), time(), tzinfo=UTC)
    if value[-6] == " ":
        return f"{value[:-6]}+{value[-5:]}"
    if value[-1] in "Zz" or value[-6] in "+-":
        return value
    return value + "Z"


PeriodBound = Annotated[
    UtcTimestamp,
    BeforeValidator(_period_bound),
    WithJsonSchema({"type": "string", "pattern": PERIOD_BOUND_PATTERN}),
]


class OutcomesQuery(Input):
    """The period of the report: disconnections that began at or after `since` and before `until`."""

    since: PeriodBound | None = Field(
        default=None, description="ISO 8601 date (UTC) or date-time; default: 30 days before until"
    )
    until: PeriodBound | None = Field(
        default=None, description="ISO 8601 date (UTC) or date-time; default: now"
    )


_FIGURES: dict[str, Any] = {
    "disconnections": (int, Field(description="Disconnections that began in the period")),
    "reconnected": (int, Field(description="Of them, reconnected since (at any time)")),
    "reconnected_within_24h": (int, Field(description="Of them, reconnected within 24 hours")),
    "escalated": (int, Field(description="Of them, handed to support while open or within 24 h after")),
    "feedback_yes": (int, Field(description="'Did this help?' answered yes about them")),
    "feedback_no": (int, Field(description="'Did this help?' answered no about them")),
    "self_serve_rate": (
        float | None,
        Field(description="Reconnected within 24 h with no escalation, over disconnections; null if none"),
    ),
    "median_minutes_to_reconnect": (
        float | None,
        Field(description="Median time to reconnect of the reconnected ones; null if none"),
    ),
    "notified": (
        int,
        Field(description="Of them, told to the owner: by a proactive DM or a bot answer that showed it"),
    ),
    "median_minutes_to_first_notice": (
        float | None,
        Field(description="Median time to the first notice of the notified ones; null if none"),
    ),
}

OutcomeTotals = create_model(
    "OutcomeTotals", __doc__="The figures of all the period's disconnections.", **_FIGURES
)
ReasonOutcomes = create_model(
    "ReasonOutcomes",
    __doc__="The figures of the disconnections with one reason.",
    reason=(str, Field(description="Reason code")),
    **_FIGURES,
)
ProviderOutcomes = create_model(
    "ProviderOutcomes",
    __doc__="The figures of the disconnections of one provider's mailboxes.",
    provider=(str, Field(description="Provider key (google, microsoft, …)")),
    **_FIGURES,
)


class OutcomeReport(BaseModel):
    """What became of the disconnections of a period (see the README for the definitions)."""

    since: UtcTimestamp
    until: UtcTimestamp
    reasons: list[ReasonOutcomes]  # type: ignore[valid-type]
    providers: list[ProviderOutcomes]  # type: ignore[valid-type]
    totals: OutcomeTotals  # type: ignore[valid-type]
