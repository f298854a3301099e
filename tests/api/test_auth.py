"""API-key authentication: 401 without a valid key, 403 for a too small scope, scopes nest."""

from __future__ import annotations

import pytest

from api.keys import revoke_key
from mailbox_assistant.db import session_scope

READ_ROUTES = [("get", "/api/v1/mailboxes"), ("get", "/api/v1/mailboxes/1"), ("get", "/api/v1/events")]
WRITE_ROUTES = [("post", "/api/v1/mailboxes"), ("post", "/api/v1/mailboxes/1/events")]


@pytest.mark.parametrize(("method", "path"), READ_ROUTES + WRITE_ROUTES)
def test_no_key_is_401_with_a_bearer_challenge(client, method, path):
    response = getattr(client, method)(path, json={})

    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_key_and_other_schemes_are_401(client, api_keys):
    unknown = client.get("/api/v1/events", headers={"Authorization": "Bearer mba_not-a-key"})
    basic = client.get("/api/v1/events", headers={"Authorization": f"Basic {api_keys['admin']}"})

    assert (unknown.status_code, basic.status_code) == (401, 401)


def test_revoked_key_is_401(app, client, api_keys):
    with session_scope(app.extensions["database"]["sessions"]) as session:
        revoke_key(session, 1)  # the read key, created first

    response = client.get("/api/v1/events", headers={"Authorization": f"Bearer {api_keys['read']}"})

    assert response.status_code == 401
    assert "revoked" in response.json["detail"]


@pytest.mark.parametrize(("method", "path"), WRITE_ROUTES)
def test_read_key_cannot_write(client, auth, method, path):
    response = getattr(client, method)(path, json={"type": "error"}, headers=auth("read"))

    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert "write" in response.json["detail"]


def test_auth_is_checked_before_the_body_is_validated(client, auth):
    response = client.post("/api/v1/mailboxes", json={"nonsense": True}, headers=auth("read"))

    assert response.status_code == 403


@pytest.mark.parametrize("scope", ["read", "write", "admin"])
def test_every_scope_can_read(client, auth, scope):
    response = client.get("/api/v1/events", headers=auth(scope))

    assert response.status_code == 200


@pytest.mark.parametrize("scope", ["write", "admin"])
def test_write_and_admin_can_write(client, auth, scope):
    body = {"email": f"{scope}@acme.com", "provider": "imap", "owner_email": "o@acme.com"}

    response = client.post("/api/v1/mailboxes", json=body, headers=auth(scope))

    assert response.status_code == 201


def test_openapi_and_healthz_need_no_key(client):
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/healthz").status_code == 200
