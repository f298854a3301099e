"""Hostile requests: the bot's memory and log while unsigned requests of 32 MiB arrive at /slack/events.

Runs the bot as the Procfile does (gunicorn, 2 workers of 8 threads; `--dev-server` for `bot --http`) over
a migrated SQLite file, at LOG_LEVEL=INFO. Sends --requests unsigned bodies of --mib MiB each (a JSON
event, Content-Length declared; `--chunked` streams them without one), --concurrency at a time, then
checks the bot still answers a signed request. Measured: the resident memory of all bot processes
(sampled every 20 ms, peak minus the idle figure before the first request) and the bytes its log grew.
Bars: RSS growth < 40 MB and log growth < 1 MB (flat).
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bot_latency import SECRET, free_port, rss_mb, wait_healthy  # noqa: E402
from migrations import upgrade  # noqa: E402
from tests.fakes.slack import FakeSlack  # noqa: E402

BARS = {"rss_growth_mb": 40.0, "log_growth_mb": 1.0}
CHUNK = 256 * 1024


def hostile_body(mib: int) -> bytes:
    """An Events API body padded to `mib` MiB: what a forger posts without a signature."""
    padding = "x" * (mib * 1024 * 1024)
    event = {"type": "message", "channel_type": "im", "channel": "DU1", "user": "U1", "text": padding}
    return json.dumps({"type": "event_callback", "event_id": "EvHOSTILE", "event": event}).encode()


def send(port: int, body: bytes, chunked: bool) -> str:
    """POST `body` unsigned on a new connection; the status, or how the server cut the upload short."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": str(int(time.time())),
        "X-Slack-Signature": "v0=" + "0" * 64,
    }
    try:
        if chunked:
            connection.request(
                "POST", "/slack/events", body=_chunks(body), headers=headers, encode_chunked=True
            )
        else:
            connection.request("POST", "/slack/events", body=body, headers=headers)
        return str(connection.getresponse().status)
    except (BrokenPipeError, ConnectionResetError):
        return "closed while sending"  # refused unread: the server answered and hung up mid-upload
    finally:
        connection.close()


def _chunks(body: bytes):
    view = memoryview(body)
    for start in range(0, len(view), CHUNK):
        yield view[start : start + CHUNK]


def signed_status(port: int) -> int:
    """The status of a signed request the bot has no listener for (it should be 200)."""
    body = json.dumps({"type": "event_callback", "event_id": "EvCHECK", "event": {"type": "reaction_added"}})
    timestamp = str(int(time.time()))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }
    try:
        connection.request("POST", "/slack/events", body=body, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def start_bot(
    args: argparse.Namespace, directory: str, log_path: Path, slack_url: str
) -> tuple[subprocess.Popen, int]:
    """The bot over a fresh SQLite file and the Slack stand-in at `slack_url`, its stderr (and stdout)
    to `log_path`; (process, port)."""
    database_url = f"sqlite:///{directory}/bench.db"
    upgrade(database_url)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "STATUS_API_URL": f"http://127.0.0.1:{free_port()}",  # never reached: nothing here is answered
        "STATUS_API_KEY": "mba_bench",
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack_url,
        "LOG_LEVEL": "INFO",
        "PORT": str(port),
    }
    if args.dev_server:
        run_cli = "import sys; from mailbox_assistant.cli import main; sys.exit(main())"
        command = [sys.executable, "-c", run_cli, "bot", "--http", "--port", str(port)]
    else:
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "bot.http:create_app()",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--worker-class",
            "gthread",
            "--threads",
            "8",
        ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, env=env, cwd=args.app_dir, stdout=log, stderr=log, start_new_session=True
        )
    wait_healthy(port)
    return process, port


def stop_bot(process: subprocess.Popen) -> None:
    """Stop the bot (its workers too), killing them when still busy after 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=20, help="unsigned requests to send")
    parser.add_argument("--mib", type=int, default=32, help="size of each body in MiB")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight at once")
    parser.add_argument("--chunked", action="store_true", help="stream bodies without Content-Length")
    parser.add_argument(
        "--dev-server", action="store_true", help="serve with `bot --http` (werkzeug) instead of gunicorn"
    )
    parser.add_argument(
        "--app-dir", default=str(ROOT), help="serve the bot from this checkout (to compare with another)"
    )
    args = parser.parse_args()

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the stand-in's access lines
    body = hostile_body(args.mib)
    slack = FakeSlack().start()  # the first signed request makes Bolt call auth.test
    with tempfile.TemporaryDirectory() as directory:
        log_path = Path(directory) / "bot.log"
        process, port = start_bot(args, directory, log_path, slack.base_url)
        try:
            time.sleep(1.0)  # let the workers settle after their first request
            idle_rss = rss_mb(process.pid)[1]
            log_before = log_path.stat().st_size
            peak = [idle_rss]
            stop = threading.Event()

            def watch() -> None:
                while not stop.is_set():
                    peak.append(rss_mb(process.pid)[1])
                    stop.wait(0.02)

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
                outcomes = Counter(pool.map(lambda _: send(port, body, args.chunked), range(args.requests)))
            elapsed = time.perf_counter() - started
            still_answers = signed_status(port)
            time.sleep(0.5)  # the last log lines
            stop.set()
            watcher.join()
            after_rss = rss_mb(process.pid)[1]
            log_growth = log_path.stat().st_size - log_before
        finally:
            stop_bot(process)
            slack.stop()

    figures = {"rss_growth_mb": max(peak) - idle_rss, "log_growth_mb": log_growth / 1e6}
    server = "bot --http (werkzeug)" if args.dev_server else "gunicorn, 2 workers x 8 threads"
    sending = "chunked" if args.chunked else "Content-Length"
    print(f"hostile requests ({server}; app from {args.app_dir}):")
    print(
        f"  {args.requests} unsigned requests of {args.mib} MiB ({sending}), {args.concurrency} at a time, "
        f"in {elapsed:.1f} s; answers: {dict(outcomes)}; a signed request afterwards: {still_answers}"
    )
    print(
        f"  bot RSS (all processes): idle {idle_rss:.0f} MB, peak {max(peak):.0f} MB, "
        f"after {after_rss:.0f} MB; growth {figures['rss_growth_mb']:.1f} MB "
        f"(bar < {BARS['rss_growth_mb']:.0f})"
    )
    print(f"  log growth {log_growth:,} bytes (bar < {BARS['log_growth_mb']:.0f} MB)")
    failed = [name for name, bar in BARS.items() if figures[name] >= bar]
    if still_answers != 200:
        failed.append("signed request after the attack")
    print("PASS" if not failed else f"FAIL: {', '.join(failed)}")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
