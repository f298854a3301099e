"""Bot latency: signed event POST → reply at the Slack stand-in, with 20 concurrent conversations.

Runs the bot as its own processes (gunicorn, as in the Procfile; `--dev-server` for `bot --http`) against
the real status API (gunicorn, over seeded SQLite) and a loopback Slack Web API stand-in in this process.
Bars: reply p50 ≤ 150 ms and p99 ≤ 500 ms; HTTP ack p99 ≤ 100 ms; bot RSS < 200 MB throughout.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import logging
import multiprocessing
import os
import queue
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import sqlalchemy as sa
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.keys import create_key  # noqa: E402
from bot.samples import SAMPLE_MAILBOXES  # noqa: E402
from mailbox_assistant.cli.demo import seed  # noqa: E402
from mailbox_assistant.db import make_engine, make_session_factory, session_scope  # noqa: E402
from migrations import upgrade  # noqa: E402
from tests.fakes.slack import FakeSlack  # noqa: E402

SECRET = "bench-signing-secret"
CONVERSATIONS = 20
BARS = {"reply_p50_ms": 150, "reply_p99_ms": 500, "ack_p99_ms": 100, "rss_mb": 200}


def percentile(values: list[float], fraction: float) -> float:
    """The `fraction` percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def rss_mb(pid: int) -> tuple[float, float]:
    """Resident memory in MB of the largest bot process (gunicorn: master or a worker), and of all of them."""
    sizes = []
    for candidate in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        except FileNotFoundError:
            pass
    return max(sizes, default=0.0), sum(sizes)


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of `pid` and its children so far, in seconds."""
    total = 0.0
    for candidate in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{candidate}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except FileNotFoundError:
            pass
    return total


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=CONVERSATIONS, help="concurrent conversations")
    parser.add_argument("--messages", type=int, default=10, help="messages per conversation")
    parser.add_argument(
        "--postgresql",
        metavar="SERVER_URL",
        help="use a fresh database on this PostgreSQL server, not SQLite",
    )
    parser.add_argument(
        "--think-ms", type=float, default=0, help="pause between a reply and the next message"
    )
    parser.add_argument(
        "--dev-server",
        action="store_true",
        help="serve the bot with `bot --http` (werkzeug) instead of gunicorn as in the Procfile",
    )
    args = parser.parse_args()

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    owners = list(dict.fromkeys(sample.owner_email for sample in SAMPLE_MAILBOXES))
    users = [f"U{index:04d}" for index in range(args.conversations)]
    fake = StandInProcess({user_id: owners[index % len(owners)] for index, user_id in enumerate(users)})
    processes: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory() as tmp, bench_database(args.postgresql, tmp) as database_url:
        upgrade(database_url)
        write_key, read_key = create_keys(database_url)
        api_port, bot_port = free_port(), free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "STATUS_API_URL": f"http://127.0.0.1:{api_port}",
            "STATUS_API_KEY": read_key,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.base_url,
            "LOG_LEVEL": "WARNING",
        }
        gunicorn = [str(ROOT / ".venv/bin/gunicorn"), "--worker-class", "gthread", "--log-level", "warning"]
        api = [
            *gunicorn,
            "api:create_app()",
            "--bind",
            f"127.0.0.1:{api_port}",
            "--workers",
            "1",
            "--threads",
            "16",
        ]
        if not args.dev_server:
            bot = [
                *gunicorn,
                "bot.http:create_app()",
                "--bind",
                f"127.0.0.1:{bot_port}",
                "--workers",
                "2",
                "--threads",
                "8",
            ]
        else:
            bot = [sys.executable, "-m", "mailbox_assistant.cli", "bot", "--http", "--port", str(bot_port)]
        try:
            for command in (api, bot):
                processes.append(subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL))
            wait_healthy(api_port)
            seed(f"http://127.0.0.1:{api_port}", write_key)
            wait_healthy(bot_port)
            server = ("werkzeug" if args.dev_server else "gunicorn") + (
                ", PostgreSQL" if args.postgresql else ", SQLite"
            )
            code = run(fake, users, bot_port, processes[1].pid, args.messages, server, args.think_ms / 1000)
            cpu = {name: cpu_seconds(p.pid) for name, p in zip(("api", "bot"), processes, strict=True)}
            cpu["bench (clients + Slack stand-in)"] = sum(os.times()[:2])
            print("  CPU seconds: " + ", ".join(f"{name} {value:.1f}" for name, value in cpu.items()))
            return code
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=10)
            fake.stop()


@contextlib.contextmanager
def bench_database(postgresql_server: str | None, directory: str) -> Iterator[str]:
    """A fresh SQLite file, or a fresh database on a PostgreSQL server (dropped afterwards)."""
    if not postgresql_server:
        yield f"sqlite:///{directory}/bench.db"
        return
    server = sa.make_url(postgresql_server)
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def create_keys(database_url: str) -> tuple[str, str]:
    """A write key (to seed) and a read key (for the bot)."""
    engine = make_engine(database_url)
    with session_scope(make_session_factory(engine)) as session:
        keys = create_key(session, "bench-seed", "write")[1], create_key(session, "bench-bot", "read")[1]
    engine.dispose()
    return keys


def wait_healthy(port: int) -> None:
    """Wait until a server on `port` answers /healthz."""
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).raise_for_status()
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class StandInProcess:
    """The Slack stand-in in its own process, so the load generator does not slow it (or vice versa)."""

    def __init__(self, users: dict[str, str]) -> None:
        context = multiprocessing.get_context("spawn")
        self.replies = context.Queue()
        ready = context.Queue()
        self.stop_event = context.Event()
        self.process = context.Process(
            target=_serve_stand_in, args=(users, self.replies, ready, self.stop_event), daemon=True
        )
        self.process.start()
        self.base_url = ready.get(timeout=30)

    def stop(self) -> None:
        self.stop_event.set()
        self.process.join(timeout=10)


def _serve_stand_in(users: dict[str, str], replies, ready, stop_event) -> None:
    """Child process: serve FakeSlack; report (channel, arrival time) of every chat.postMessage."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    fake = FakeSlack()
    for user_id, email in users.items():
        fake.add_user(user_id, email)

    def report(call) -> None:
        if call.method == "chat.postMessage":
            replies.put((call.body.get("channel"), call.received_at))  # perf_counter is system-wide on Linux

    fake.on_call.append(report)
    fake.start()
    ready.put(fake.base_url)
    stop_event.wait()
    fake.stop()


def run(
    fake: StandInProcess, users: list[str], port: int, pid: int, messages: int, server: str, think: float
) -> int:
    url = f"http://127.0.0.1:{port}/slack/events"
    verifier = SignatureVerifier(SECRET)
    peak_rss = [rss_mb(pid)]
    stop = threading.Event()

    def watch_memory() -> None:
        while not stop.is_set():
            peak_rss.append(rss_mb(pid))
            stop.wait(0.05)

    event_numbers = itertools.count()
    arrivals = {"D" + user_id: queue.Queue() for user_id in users}

    def route_replies() -> None:
        while True:
            channel, received_at = fake.replies.get()
            if channel is None:
                return
            arrivals[channel].put(received_at)

    router = threading.Thread(target=route_replies, daemon=True)
    router.start()

    def conversation(user_id: str) -> list[tuple[float, float]]:
        timings = []
        with requests.Session() as http:
            for number in range(messages):
                text = f"why did my mailbox disconnect? #{user_id}-{number}"
                event = {
                    "type": "message", "channel_type": "im", "channel": "D" + user_id, "user": user_id,
                    "text": text, "ts": f"{time.time():.6f}",
                }  # fmt: skip
                body = json.dumps(
                    {
                        "type": "event_callback",
                        "team_id": "T0TEAM",
                        "event_id": f"Ev{next(event_numbers)}",
                        "event": event,
                    }
                )
                timestamp = str(int(time.time()))
                headers = {
                    "Content-Type": "application/json",
                    "X-Slack-Request-Timestamp": timestamp,
                    "X-Slack-Signature": verifier.generate_signature(timestamp=timestamp, body=body),
                }
                started = time.perf_counter()
                response = http.post(url, data=body, headers=headers, timeout=5)
                acked = time.perf_counter()
                assert response.status_code == 200, response.text
                arrived = arrivals["D" + user_id].get(timeout=10)
                timings.append((acked - started, arrived - started))
                if think:
                    time.sleep(think)  # a person reading the answer before asking again
        return timings

    # One warm-up conversation per user fills the users.info cache and the connection pools.
    watcher = threading.Thread(target=watch_memory, daemon=True)
    watcher.start()
    with ThreadPoolExecutor(max_workers=len(users)) as pool:
        list(pool.map(lambda u: conversation(u) and None, users[:2]))
        started = time.perf_counter()
        results = [t for per_user in pool.map(conversation, users) for t in per_user]
        elapsed = time.perf_counter() - started
    stop.set()
    watcher.join()
    fake.replies.put((None, 0.0))

    acks = [a * 1000 for a, _ in results]
    replies = [r * 1000 for _, r in results]
    figures = {
        "reply_p50_ms": statistics.median(replies),
        "reply_p99_ms": percentile(replies, 0.99),
        "ack_p99_ms": percentile(acks, 0.99),
        "rss_mb": max(largest for largest, _ in peak_rss),
    }
    pause = f"{think * 1000:.0f} ms pause between messages" if think else "no pause between messages"
    print(f"bot latency ({server}): {len(users)} concurrent conversations, {pause}")
    print(f"  ack   p50 {statistics.median(acks):7.1f} ms   p99 {figures['ack_p99_ms']:7.1f} ms  (bar ≤ 100)")
    p50, p99 = figures["reply_p50_ms"], figures["reply_p99_ms"]
    print(f"  reply p50 {p50:7.1f} ms   p99 {p99:7.1f} ms  (bars ≤ 150 / ≤ 500)")
    print(f"  reply max {max(replies):7.1f} ms   {len(results) / elapsed:.0f} replies/s over {elapsed:.1f} s")
    total = max(all_processes for _, all_processes in peak_rss)
    print(
        f"  bot RSS peak {figures['rss_mb']:.0f} MB per process (bar < 200), {total:.0f} MB all bot processes"
    )
    failed = [name for name, bar in BARS.items() if figures[name] > bar]
    print("PASS" if not failed else f"FAIL: {', '.join(failed)}")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
