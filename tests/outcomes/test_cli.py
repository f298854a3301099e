"""The `report` and `support-link` commands."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from mailbox_assistant.cli import main

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def cli_database(database_url, monkeypatch):
    """Point DATABASE_URL at the test database, as the CLI reads it from the environment."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    return database_url


def seed(fleet) -> None:
    """Two disconnections three days ago: one reconnected after 12 minutes, one escalated."""
    quick, stuck = fleet.mailbox("quick@acme.com"), fleet.mailbox("stuck@acme.com", provider="microsoft")
    fleet.disconnect(quick, NOW - timedelta(days=3))
    fleet.reconnect(quick, NOW - timedelta(days=3) + timedelta(minutes=12))
    fleet.disconnect(stuck, NOW - timedelta(days=3), error="550 5.2.2 Mailbox full: quota exceeded")
    fleet.escalate(stuck, NOW - timedelta(days=2))


def test_report_prints_the_tables_by_reason_and_provider(cli_database, fleet, capsys):
    seed(fleet)

    assert main(["report", "--since", "7d"]) == 0

    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("Disconnections from ")
    assert any(line.split()[:3] == ["token_expired", "1", "1"] for line in lines)
    assert any(line.split()[:2] == ["storage_full", "1"] for line in lines)
    totals = [line.split() for line in lines if line.startswith("all ")]
    # … self-serve, median minutes to reconnect, notified (nobody was told), median minutes to notice
    assert totals[0] == ["all", "2", "1", "1", "1", "0", "0", "50%", "12", "0", "-"]
    assert totals[0] == totals[1]  # the providers' table has the same totals


def test_report_json_is_the_status_apis(cli_database, fleet, capsys):
    seed(fleet)
    since, until = NOW - timedelta(days=7), NOW + timedelta(minutes=1)

    assert main(["report", "--since", since.isoformat(), "--until", until.isoformat(), "--json"]) == 0

    assert json.loads(capsys.readouterr().out) == fleet.report(since=since, until=until)


def test_a_period_before_the_last_week_holds_nothing(cli_database, fleet, capsys):
    seed(fleet)

    assert main(["report", "--since", "30d", "--until", "7d", "--json"]) == 0

    assert json.loads(capsys.readouterr().out)["totals"]["disconnections"] == 0


@pytest.mark.parametrize("argv", [["--since", "last week"], ["--since", "1d", "--until", "2d"]])
def test_report_refuses_a_period_it_cannot_read(cli_database, capsys, argv):
    assert main(["report", *argv]) == 2
    assert "mailbox-assistant report:" in capsys.readouterr().out


def test_support_link_prints_a_link_that_signs_in_once(cli_database, monkeypatch, capsys, support_app):
    monkeypatch.setenv("SECRET_KEY", "support-test-secret-key-32-bytes!!")
    monkeypatch.setenv("PUBLIC_URL", "http://support.test")

    assert main(["support-link", "--email", "Sam@Acme.com"]) == 0

    link = capsys.readouterr().out.strip().splitlines()[-1]
    assert link.startswith("http://support.test/support/sign-in/")
    browser = support_app.test_client()
    path = link.removeprefix("http://support.test")
    assert browser.post(path).status_code == 303 and browser.get("/support").status_code == 200
    assert browser.post(path).status_code == 410


def test_support_link_needs_an_address_and_a_secret_key(cli_database, monkeypatch, capsys):
    monkeypatch.delenv("SECRET_KEY", raising=False)

    assert main(["support-link", "--email", "not an address"]) == 2
    assert main(["support-link", "--email", "sam@acme.com"]) == 2
    assert "SECRET_KEY" in capsys.readouterr().err
