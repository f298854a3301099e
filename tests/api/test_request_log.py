"""Request logs: one JSON line per request with method, path, status and duration, never secrets."""

from __future__ import annotations

import json
import logging


def test_each_request_logs_one_structured_line(client, auth, caplog):
    caplog.set_level(logging.INFO, logger="api.requests")

    client.get("/api/v1/mailboxes?owner_email=ana@acme.com", headers=auth("read"))

    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "api.requests"]
    assert len(lines) == 1
    assert lines[0]["method"] == "GET"
    assert lines[0]["path"] == "/api/v1/mailboxes"
    assert lines[0]["status"] == 200
    assert lines[0]["duration_ms"] >= 0


def test_logs_never_contain_the_key_or_the_query_string(client, api_keys, caplog):
    caplog.set_level(logging.DEBUG)
    key = api_keys["read"]

    client.get("/api/v1/events?after=0&token=secret-token", headers={"Authorization": f"Bearer {key}"})
    client.get("/api/v1/events", headers={"Authorization": f"Bearer {key}x"})

    assert caplog.records
    assert key not in caplog.text
    assert "secret-token" not in caplog.text
