"""Helpers for the status API tests: auth headers and mailbox creation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient


@pytest.fixture
def auth(api_keys: dict[str, str]) -> Callable[[str], dict[str, str]]:
    """auth("read") → the Authorization header of the read key."""
    return lambda scope: {"Authorization": f"Bearer {api_keys[scope]}"}


@pytest.fixture
def new_mailbox(client: FlaskClient, auth: Callable[[str], dict[str, str]]) -> Callable[..., dict[str, Any]]:
    """Register a mailbox through the API and return its JSON."""

    def create(
        email: str = "rep@acme.com", provider: str = "google", owner_email: str = "rep@acme.com"
    ) -> Any:  # noqa: E501
        response = client.post(
            "/api/v1/mailboxes",
            json={"email": email, "provider": provider, "owner_email": owner_email},
            headers=auth("write"),
        )
        assert response.status_code in (200, 201), response.json
        return response.json

    return create


@pytest.fixture
def post_event(client: FlaskClient, auth: Callable[[str], dict[str, str]]) -> Callable[..., Any]:
    """Post an event for a mailbox through the API and return the response."""

    def post(mailbox_id: int, **body: Any) -> Any:
        return client.post(f"/api/v1/mailboxes/{mailbox_id}/events", json=body, headers=auth("write"))

    return post
