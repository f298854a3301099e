"""schemathesis with every one of its checks against the status API, so the OpenAPI document and the
validation stay one truth: what the document allows is accepted, what it refuses is refused, and no
request gets a 5xx.

The app is served in this process on a loopback port and schemathesis runs as its CLI
(`schemathesis run --checks all`), as an operator would run it; the number of examples per operation
and the seed are fixed, so the run is repeatable and bounded in time.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
EXAMPLES_PER_OPERATION = 10
SEED = "20261201"


def test_schemathesis_with_all_checks_finds_nothing(live_api, api_keys, new_mailbox, post_event, tmp_path):
    mailbox = new_mailbox()
    post_event(mailbox["id"], type="disconnected", error="invalid_grant")
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{live_api}/openapi.json",
        "--checks=all",
        f"--header=Authorization: Bearer {api_keys['admin']}",
        f"--max-examples={EXAMPLES_PER_OPERATION}",
        f"--seed={SEED}",
        "--generation-database=none",
        "--workers=1",
        "--no-color",
        "--output-truncate=false",
    ]

    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)

    assert run.returncode == 0, run.stdout[-12000:] + run.stderr[-2000:]
    selected, total = re.search(r"Selected: (\d+)/(\d+)", run.stdout).groups()
    assert selected == total and f"Tested: {total}" in run.stdout  # every operation was exercised
