"""Incidents: provider outages detected by the worker (many mailboxes of one provider down at once)."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import select

from api.auth import requires
from api.openapi import responses, spec
from api.schemas import IncidentList, IncidentOut, IncidentQuery
from api.web import get_session
from mailbox_assistant.mailboxes.models import Incident

bp = Blueprint("incidents", __name__, url_prefix="/api/v1/incidents")


@bp.get("")
@spec.validate(resp=responses(HTTP_200=IncidentList), tags=["incidents"])
@requires("read")
def list_incidents(query: IncidentQuery) -> IncidentList:
    """Provider incidents, newest first; `active=true` for the ongoing ones."""
    statement = select(Incident).order_by(Incident.id.desc()).limit(query.limit)
    if query.active is not None:
        ended = Incident.ended_at.is_(None) if query.active else Incident.ended_at.is_not(None)
        statement = statement.where(ended)
    rows = get_session().execute(statement).scalars()
    return IncidentList(items=[incident_out(row) for row in rows])


def incident_out(incident: Incident) -> IncidentOut:
    """The incident JSON."""
    return IncidentOut(
        id=incident.id,
        provider=incident.provider,
        active=incident.ended_at is None,
        started_at=incident.started_at,
        ended_at=incident.ended_at,
        mailbox_count=incident.mailbox_count,
        reconnected_count=incident.reconnected_count,
    )
