"""Request logs: one JSON line per request with method, route, status and duration, never secrets."""

from __future__ import annotations

import json
import logging
import re
import shlex
from pathlib import Path

from api import create_app
from api.web import dispose_database
from mailbox_assistant.settings import load_settings

PROCFILE = Path(__file__).resolve().parents[2] / "Procfile"


def logged(caplog):
    """The request log's lines, parsed."""
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "api.requests"]


def test_each_request_logs_one_structured_line(client, auth, caplog):
    caplog.set_level(logging.INFO, logger="api.requests")

    client.get("/api/v1/mailboxes?owner_email=ana@acme.com", headers=auth("read"))

    lines = logged(caplog)
    assert len(lines) == 1
    assert lines[0]["method"] == "GET"
    assert lines[0]["route"] == "/api/v1/mailboxes"
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


def test_the_route_is_logged_not_the_path_with_its_ids(client, auth, new_mailbox, caplog):
    mailbox = new_mailbox()
    caplog.set_level(logging.INFO, logger="api.requests")

    client.get(f"/api/v1/mailboxes/{mailbox['id']}", headers=auth("read"))

    assert [line["route"] for line in logged(caplog)] == ["/api/v1/mailboxes/<int:mailbox_id>"]


def test_a_reconnect_link_token_never_reaches_the_log(database_url, caplog):
    app = create_app(load_settings(database_url=database_url, secret_key="test-secret-key"))
    token = "eyJtYWlsYm94IjoxfQ.Zk3s9Q.secret-signature-of-the-link"
    caplog.set_level(logging.DEBUG)
    try:
        client = app.test_client()
        client.get(f"/reconnect/{token}")
        client.post(f"/reconnect/{token}")
        client.get(f"/reconnect/{token}/more")  # no route matches: nothing of the path is logged
    finally:
        dispose_database(app)

    assert [(line["method"], line["route"]) for line in logged(caplog)] == [
        ("GET", "/reconnect/<token>"),
        ("POST", "/reconnect/<token>"),
        ("GET", None),
    ]
    assert "secret-signature" not in caplog.text


def test_gunicorn_writes_no_access_log_that_would_carry_paths():
    """gunicorn logs no access lines unless told to (its accesslog defaults to None); our request log
    writes the route instead, so no process of the Procfile may switch gunicorn's on."""
    for line in PROCFILE.read_text().splitlines():
        process, _, command = line.partition(":")
        if "gunicorn" not in command:
            continue
        options = shlex.split(command)
        assert not [o for o in options if re.match(r"--access-?log", o)], process
        assert "--log-config" not in options and "-c" not in options and "--config" not in options, process
