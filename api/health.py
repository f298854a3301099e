"""Health check for load balancers (no auth)."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text

from api.auth import public
from api.openapi import responses, spec
from api.schemas import Health
from api.web import get_session

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@spec.validate(resp=responses(("HTTP_503",), HTTP_200=Health), tags=["health"], security={})
@public
def get_health() -> Health:
    """200 when the app is up and its database answers."""
    get_session().execute(text("SELECT 1"))
    return Health(status="ok", database="ok")
