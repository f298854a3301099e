"""Bearer API-key authentication and per-route scopes, enforced for the whole app (fail closed).

`install(app)` runs `authorize` before every request: a route needs an API key unless its view is
marked `@public` (health, the OpenAPI document, the signed reconnect pages); an unmarked view needs
the admin scope. A blueprint cannot forget the check, because the check is not the blueprint's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, Response, current_app, g, request

from api.errors import ApiError
from api.keys import Credential, authenticate_hash, hash_key, scope_allows
from api.web import get_connection

View = TypeVar("View", bound=Callable[..., object])
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="mailbox-assistant"'}
PUBLIC_ENDPOINTS = frozenset({"static"})  # Flask's own static route (the reconnect pages' CSS)


def install(app: Flask) -> None:
    """Check the API key of every request to `app`, and that deferred checks were made."""
    app.before_request(authorize)
    app.after_request(ensure_admitted)


def public(view: View) -> View:
    """Mark a view as open to anyone: no API key is asked for."""
    view.public = True  # type: ignore[attr-defined]
    return view


def requires(scope: str, *, key_read_by_view: bool = False) -> Callable[[View], View]:
    """Mark a view as needing `scope`; `authorize` enforces it before validation runs.

    `key_read_by_view`: the view has nothing to validate and reads the key (by `g.api_key_hash`) in
    the same query as its data, then calls `admit` before it uses anything else it read: one round
    trip instead of two on the hottest read. `ensure_admitted` answers 500 if such a view forgot.
    """

    def mark(view: View) -> View:
        view.required_scope = scope  # type: ignore[attr-defined]
        view.key_read_by_view = key_read_by_view  # type: ignore[attr-defined]
        return view

    return mark


def authorize() -> None:
    """401 without a valid key, 403 when its scope is too small; unmarked views need admin."""
    if request.endpoint is None or request.endpoint in PUBLIC_ENDPOINTS:
        return  # no route matched: the 404 or 405 follows
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "public", False):
        return
    g.required_scope = getattr(view, "required_scope", "admin")
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(401, "An API key is required: send 'Authorization: Bearer <key>'.", CHALLENGE)
    g.api_key_hash = hash_key(key.strip())
    # Flask answers OPTIONS itself without calling the view, so such a request is admitted here.
    if getattr(view, "key_read_by_view", False) and request.method != "OPTIONS":
        g.admission_pending = True
        return
    admit(authenticate_hash(get_connection(), g.api_key_hash))


def admit(api_key: Credential | None) -> None:
    """Let the request through with this key (the active key of the request's hash, or None)."""
    needed = g.required_scope
    if api_key is None:
        raise ApiError(401, "The API key is invalid or has been revoked.", CHALLENGE)
    if not scope_allows(api_key.scope, needed):
        raise ApiError(403, f"This API key has scope '{api_key.scope}'; this request needs '{needed}'.")
    g.api_key_id = api_key.id
    g.admission_pending = False


def ensure_admitted(response: Response) -> Response:
    """Fail closed: a view marked key_read_by_view that answered without calling `admit` is a 500."""
    if g.get("admission_pending") and response.status_code < 400:
        raise RuntimeError(f"{request.endpoint} answered without checking the API key")
    return response
