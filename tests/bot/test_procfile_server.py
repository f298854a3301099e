"""The bot as the Procfile runs it (gunicorn over `bot.http:create_app()`): it logs its own INFO lines, and a
refused request's body is not among them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.bot.conftest import SIGNING_SECRET

ROOT = Path(__file__).resolve().parents[2]
MARKER = "PRIVATE-BODY-MARKER"


def procfile_command(name: str) -> str:
    """The command of process type `name` in the Procfile."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        kind, _, command = line.partition(":")
        if kind.strip() == name:
            return command.strip()
    raise AssertionError(f"no {name} process in the Procfile")


def wait_for(predicate, timeout: float = 30.0, what: str = "the condition"):
    """The first truthy value of `predicate()`, polled until `timeout`."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return value


@pytest.fixture
def procfile_bot(database_url: str, fake_slack, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The Procfile's bot line on port 0 with one worker: (its base URL, the file its stderr goes to)."""
    log = tmp_path / "bot.log"
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "PORT": "0",
        "BOT_CONCURRENCY": "1",
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.base_url,
        "STATUS_API_URL": "http://127.0.0.1:9",
        "STATUS_API_KEY": "mba_test",
        "LOG_LEVEL": "INFO",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["bash", "-c", f"exec {procfile_command('bot')}"], env=env, cwd=ROOT, stdout=out, stderr=out
        )
    try:
        found = wait_for(
            lambda: re.search(r"Listening at: http://[^:]+:(\d+)", log.read_text()), what="gunicorn to listen"
        )
        base_url = f"http://127.0.0.1:{found.group(1)}"
        wait_for(lambda: _healthy(base_url), what="the bot to answer /healthz")
        yield base_url, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def _healthy(base_url: str) -> bool:
    try:
        return requests.get(f"{base_url}/healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False


def test_under_gunicorn_the_bot_logs_at_info_and_never_a_refused_body(procfile_bot):
    base_url, log = procfile_bot
    body = json.dumps({"type": "event_callback", "event": {"type": "message", "text": MARKER}})

    response = requests.post(
        f"{base_url}/slack/events",
        data=body,
        headers={"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=" + "0" * 64},
        timeout=5,
    )

    assert response.status_code == 401
    wait_for(lambda: "bad or stale signature" in log.read_text(), what="the bot's INFO line")
    assert MARKER not in log.read_text()
    assert re.search(r" INFO bot\.http: refused a Slack request", log.read_text())
