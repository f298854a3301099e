"""The OpenAPI document and the validation agree, and hostile bodies are 4xx: each case here is one
that schemathesis found answered otherwise."""

from __future__ import annotations

import re

import pytest

from mailbox_assistant.mailboxes.store import CURSOR_PATTERN, encode_cursor
from mailbox_assistant.orm import MAX_ID


def mailbox_body(**fields):
    return {"email": "rep@acme.com", "provider": "google", "owner_email": "rep@acme.com"} | fields


def test_a_provider_longer_than_its_max_length_before_trimming_is_422(client, auth):
    padded = " " * 35 + "google" + " " * 5  # 46 characters as sent, 6 once trimmed

    response = client.post("/api/v1/mailboxes", json=mailbox_body(provider=padded), headers=auth("write"))

    assert response.status_code == 422
    assert response.json["errors"][0]["loc"] == "body.provider"


def test_a_provider_with_spaces_within_its_length_is_trimmed(client, auth):
    response = client.post(
        "/api/v1/mailboxes", json=mailbox_body(provider="  Google "), headers=auth("write")
    )

    assert response.status_code == 201 and response.json["provider"] == "google"


@pytest.mark.parametrize(
    "occurred_at",
    [0, 1767225600, 1767225600.5, "1767225600", "2026-03-01 10:00:00Z", "2026-03-01T10:00Z", True],
)
def test_occurred_at_that_is_not_an_rfc3339_string_is_422(new_mailbox, post_event, occurred_at):
    mailbox = new_mailbox()

    response = post_event(mailbox["id"], type="error", error="x", occurred_at=occurred_at)

    assert response.status_code == 422
    assert response.json["errors"][0]["loc"] == "body.occurred_at"


@pytest.mark.parametrize(
    ("occurred_at", "stored"),
    [
        ("2026-03-01T10:00:00Z", "2026-03-01T10:00:00+00:00"),
        ("2026-03-01t10:00:00.25z", "2026-03-01T10:00:00.250000+00:00"),
        ("2026-03-01T10:00:00+05:30", "2026-03-01T04:30:00+00:00"),
        ("9998-12-31T23:59:59-23:59", "9999-01-01T23:58:59+00:00"),
    ],
)
def test_rfc3339_timestamps_are_accepted_and_stored_in_utc(new_mailbox, post_event, occurred_at, stored):
    mailbox = new_mailbox()

    response = post_event(mailbox["id"], type="error", error="x", occurred_at=occurred_at)

    assert response.status_code == 201, response.json
    assert response.json["occurred_at"] == stored


def test_the_document_carries_the_pattern_the_timestamp_is_checked_with(client):
    from api.schemas import TIMESTAMP_PATTERN

    schema = client.get("/openapi.json").json["components"]["schemas"]["EventCreate"]
    occurred_at = schema["properties"]["occurred_at"]["anyOf"][0]

    assert occurred_at == {"type": "string", "format": "date-time", "pattern": TIMESTAMP_PATTERN}


@pytest.mark.parametrize("cursor", ["AAAAAAAAAAA", "__________w", "zzzzzzzzzz0", encode_cursor(MAX_ID)])
def test_every_cursor_of_the_documented_form_is_read(client, auth, new_mailbox, cursor):
    new_mailbox()

    response = client.get("/api/v1/mailboxes", query_string={"cursor": cursor}, headers=auth("read"))

    assert response.status_code == 200, response.json


def test_the_documented_cursor_is_the_one_the_api_hands_out(client, auth, new_mailbox):
    for n in range(3):
        new_mailbox(email=f"rep{n}@acme.com")
    document = client.get("/openapi.json").json
    [parameter] = [
        p for p in document["paths"]["/api/v1/mailboxes"]["get"]["parameters"] if p["name"] == "cursor"
    ]

    page = client.get("/api/v1/mailboxes?limit=2", headers=auth("read")).json
    rest = client.get(f"/api/v1/mailboxes?cursor={page['next_cursor']}", headers=auth("read")).json

    assert parameter["schema"]["pattern"] == CURSOR_PATTERN
    assert re.search(CURSOR_PATTERN, page["next_cursor"])
    assert [m["email"] for m in page["items"] + rest["items"]] == [
        "rep0@acme.com",
        "rep1@acme.com",
        "rep2@acme.com",
    ]


@pytest.mark.parametrize(
    "cursor", ["not-a-cursor", "AAAAAAAAAAB", "AAAAAAAAAA", "AAAAAAAAAAA=", "AAAA!AAAAAA"]
)
def test_a_cursor_outside_the_documented_form_is_a_400(client, auth, cursor):
    response = client.get("/api/v1/mailboxes", query_string={"cursor": cursor}, headers=auth("read"))

    assert response.status_code == 400
    assert "cursor" in response.json["detail"]


@pytest.mark.parametrize("address", ["rep@mail.test", "o'brien+sales@acme.io", "rep@acme"])
def test_an_address_of_the_email_format_is_accepted(client, auth, address):
    response = client.post(
        "/api/v1/mailboxes", json=mailbox_body(email=address, owner_email=address), headers=auth("write")
    )

    assert response.status_code == 201, response.json


def test_an_address_with_a_display_name_is_422(client, auth):
    response = client.post(
        "/api/v1/mailboxes", json=mailbox_body(email="Rep <rep@acme.com>"), headers=auth("write")
    )

    assert response.status_code == 422


@pytest.mark.parametrize("depth", [20_000, 100_000])
def test_a_deeply_nested_json_body_is_a_400(client, auth, new_mailbox, depth):
    mailbox = new_mailbox()
    for path, nested in (
        ("/api/v1/mailboxes", "[" * depth + "]" * depth),
        (f"/api/v1/mailboxes/{mailbox['id']}/events", '{"a":' * depth + "1" + "}" * depth),
    ):
        response = client.post(path, data=nested, content_type="application/json", headers=auth("write"))

        assert response.status_code == 400, (path, response.status_code)
        assert response.mimetype == "application/problem+json"


def test_options_with_any_bearer_is_never_a_500(app, client, api_keys, new_mailbox):
    mailbox = new_mailbox()
    bearers = [api_keys["read"], "mba_unknown", "x" * 5000, "\u00e9t\u00e9"]
    paths = [
        "/api/v1/mailboxes",
        f"/api/v1/mailboxes/{mailbox['id']}",
        f"/api/v1/mailboxes/{mailbox['id']}/events",
    ]
    paths += ["/api/v1/events", "/api/v1/incidents"]

    for path in paths:
        for bearer in bearers:
            response = client.options(path, headers={"Authorization": f"Bearer {bearer}"})

            assert response.status_code in (200, 401, 403), (path, bearer[:10], response.status_code)
