"""Authorization fails closed: every route asks for a key unless its view is marked public."""

from __future__ import annotations

import re

import pytest
from flask import Blueprint

from api.app import create_app
from api.auth import requires

PUBLIC = {"static", "health.get_health", "openapi.get_openapi"}
PUBLIC_PREFIXES = (
    "reconnect.",  # signed, expiring links: the link is the credential
    "support.",  # support's page: a signed session cookie is the credential (tests/outcomes)
    "support_sign_in.",
)


def example_path(rule: str) -> str:
    """A concrete URL for a rule: 1 for integers, 'x' for other parts."""
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: "1" if m.group(1) == "int" else "x", rule)


def guarded_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC or rule.endpoint.startswith(PUBLIC_PREFIXES):
            continue
        for method in sorted(rule.methods - {"HEAD"}):
            yield rule.endpoint, method, example_path(rule.rule)


def test_every_route_not_marked_public_answers_401_without_a_key(app, client):
    routes = list(guarded_routes(app))

    assert len(routes) >= 10
    for endpoint, method, path in routes:
        response = client.open(path, method=method)
        assert response.status_code == 401, (endpoint, method, path, response.status_code)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_public_routes_answer_without_a_key(client):
    assert client.get("/healthz").status_code in (200, 503)
    assert client.get("/openapi.json").status_code == 200


def test_a_new_blueprint_that_forgets_every_hook_still_asks_for_a_key(settings):
    bp = Blueprint("forgetful", __name__)

    @bp.get("/api/v1/secret")
    @requires("admin")
    def secret():
        return {"secret": "the admin's data"}

    @bp.get("/api/v1/unmarked")
    def unmarked():
        return {"secret": "nobody said who may read this"}

    app = create_app(settings)
    app.register_blueprint(bp)
    client = app.test_client()

    assert client.get("/api/v1/secret").status_code == 401
    assert client.get("/api/v1/unmarked").status_code == 401


@pytest.mark.parametrize("scope", ["read", "admin"])
def test_options_on_a_mailbox_answers_with_the_methods_not_500(client, api_keys, scope):
    response = client.options("/api/v1/mailboxes/1", headers={"Authorization": f"Bearer {api_keys[scope]}"})

    assert response.status_code == 200
    assert "GET" in response.headers["Allow"]
    assert client.options("/api/v1/mailboxes/1").status_code == 401
