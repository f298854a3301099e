"""The `db upgrade` and `api-key` commands (mailbox_assistant.cli.api)."""

from __future__ import annotations

import argparse
import json

import pytest
from sqlalchemy import create_engine, inspect

from mailbox_assistant.cli import api as api_commands


def run(argv: list[str]) -> int:
    """Parse `argv` with only the status API's commands registered, and run it."""
    parser = argparse.ArgumentParser(prog="mailbox-assistant")
    api_commands.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture
def cli_database(database_url, monkeypatch):
    """Point DATABASE_URL at the test database, as the CLI reads it from the environment."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    return database_url


def test_db_upgrade_creates_the_schema_from_any_directory(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/fresh.db"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)

    assert run(["db", "upgrade"]) == 0

    tables = set(inspect(create_engine(url)).get_table_names())
    assert {"mailboxes", "events", "api_keys", "alembic_version"} <= tables


def test_api_key_create_prints_the_key_alone_on_the_last_line(cli_database, capsys, client):
    assert run(["api-key", "create", "--name", "sync", "--scope", "write"]) == 0

    key = capsys.readouterr().out.splitlines()[-1]
    assert key.startswith("mba_") and " " not in key
    response = client.post(
        "/api/v1/mailboxes",
        json={"email": "a@acme.com", "provider": "imap", "owner_email": "a@acme.com"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 201


def test_api_key_list_never_shows_keys(cli_database, capsys):
    run(["api-key", "create", "--name", "reader", "--scope", "read"])
    key = capsys.readouterr().out.splitlines()[-1]

    assert run(["api-key", "list", "--json"]) == 0

    out = capsys.readouterr().out
    assert key not in out
    listed = [json.loads(line) for line in out.splitlines()]
    assert [(k["name"], k["scope"], k["revoked_at"]) for k in listed] == [("reader", "read", None)]


def test_api_key_revoke_makes_the_key_unusable(cli_database, capsys, client):
    run(["api-key", "create", "--name", "old", "--scope", "read"])
    key = capsys.readouterr().out.splitlines()[-1]
    key_id = json.loads(_list_json(capsys)[0])["id"]

    assert run(["api-key", "revoke", str(key_id)]) == 0

    assert client.get("/api/v1/events", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    assert run(["api-key", "revoke", "999"]) == 1


def test_unknown_scope_is_refused(cli_database):
    with pytest.raises(SystemExit):
        run(["api-key", "create", "--name", "x", "--scope", "root"])


def _list_json(capsys) -> list[str]:
    """Lines of `api-key list --json`."""
    run(["api-key", "list", "--json"])
    return capsys.readouterr().out.splitlines()
