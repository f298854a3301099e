"""Bearer API-key authentication and per-route scopes for the API blueprints."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import current_app, g, request

from api.errors import ApiError
from api.keys import authenticate, scope_allows
from api.web import get_session

View = TypeVar("View", bound=Callable[..., object])
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="mailbox-assistant"'}


def requires(scope: str) -> Callable[[View], View]:
    """Mark a view as needing `scope`; `authorize` enforces it before validation runs."""

    def mark(view: View) -> View:
        view.required_scope = scope  # type: ignore[attr-defined]
        return view

    return mark


def authorize() -> None:
    """401 without a valid key, 403 when its scope is too small; unmarked views need admin."""
    view = current_app.view_functions.get(request.endpoint or "")
    needed = getattr(view, "required_scope", "admin")
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(401, "An API key is required: send 'Authorization: Bearer <key>'.", CHALLENGE)
    api_key = authenticate(get_session(), key.strip())
    if api_key is None:
        raise ApiError(401, "The API key is invalid or has been revoked.", CHALLENGE)
    if not scope_allows(api_key.scope, needed):
        raise ApiError(403, f"This API key has scope '{api_key.scope}'; this request needs '{needed}'.")
    g.api_key_id = api_key.id
