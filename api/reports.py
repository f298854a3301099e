"""Reports: what became of the disconnections of a period (the outcomes report)."""

from __future__ import annotations

from flask import Blueprint

from api.auth import requires
from api.openapi import responses, spec
from api.report_schemas import OutcomeReport, OutcomesQuery
from api.web import get_session
from mailbox_assistant.orm import utcnow
from mailbox_assistant.outcomes.report import outcomes_report, period

bp = Blueprint("reports", __name__, url_prefix="/api/v1/reports")


@bp.get("/outcomes")
@spec.validate(resp=responses(HTTP_200=OutcomeReport), tags=["reports"])
@requires("read")
def get_outcomes(query: OutcomesQuery) -> OutcomeReport:
    """Disconnections of a period by reason, by provider and in all: reconnected, escalated, votes,
    self-serve rate and median time to reconnect (default: the last 30 days)."""
    since, until = period(query.since, query.until, utcnow())  # since >= until: an empty period
    report = outcomes_report(get_session(), since, until)
    return OutcomeReport.model_validate({**report.as_dict(), "since": since, "until": until})
