"""Fleets: owners of 1, 10, 100 and 500 mailboxes (half disconnected, mixed causes and providers) ask
"why did my mailbox disconnect?" and open the Home tab.

Runs the status API and the bot as their own processes (gunicorn, as in the Procfile) over seeded SQLite
(or PostgreSQL with --postgresql), against the strict Slack stand-in (tests/fakes/slack.py, which refuses
what Slack refuses) in a process of its own. For each size it prints the answer's p50/p99 from the signed
event to the reply at the stand-in, the Home publish time, the blocks sent, and whether Slack accepted
every payload. Bars: 500 mailboxes p50 ≤ 300 ms, p99 ≤ 800 ms; every payload accepted.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bot_latency import bench_database, create_keys, free_port, percentile, wait_healthy  # noqa: E402
from bot.samples import SAMPLE_MAILBOXES  # noqa: E402
from migrations import upgrade  # noqa: E402
from tests.fakes.slack import FakeSlack  # noqa: E402

SECRET = "bench-signing-secret"
SIZES = (1, 10, 100, 500)
PROVIDERS = ("google", "microsoft", "imap", "yahoo")
ERRORS = [sample.error for sample in SAMPLE_MAILBOXES if sample.expected_reason]
BARS = {500: (300.0, 800.0)}  # size: (p50 ms, p99 ms)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--answers", type=int, default=100, help="questions asked per owner")
    parser.add_argument("--homes", type=int, default=20, help="Home tab openings per owner")
    parser.add_argument("--postgresql", metavar="SERVER_URL", help="a fresh database on this server")
    args = parser.parse_args()

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    users = {f"UFLEET{size}": f"owner{size}@fleet.example" for size in SIZES}
    stand_in = StandIn(users)
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
            "SLACK_API_URL": stand_in.base_url,
            "PUBLIC_URL": "https://mailbox.example",
            "LOG_LEVEL": "WARNING",
        }
        gunicorn = [str(ROOT / ".venv/bin/gunicorn"), "--worker-class", "gthread", "--log-level", "warning"]
        api = [*gunicorn, "api:create_app()", "--bind", f"127.0.0.1:{api_port}", "--workers", "2",
               "--threads", "4"]  # fmt: skip
        bot = [*gunicorn, "bot.http:create_app()", "--bind", f"127.0.0.1:{bot_port}", "--workers", "2",
               "--threads", "8"]  # fmt: skip
        try:
            for command in (api, bot):
                processes.append(subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL))
            wait_healthy(api_port)
            for size in SIZES:
                seed_fleet(f"http://127.0.0.1:{api_port}", write_key, users[f"UFLEET{size}"], size)
            wait_healthy(bot_port)
            database = "PostgreSQL" if args.postgresql else "SQLite"
            return run(stand_in, bot_port, args.answers, args.homes, database)
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=10)
            stand_in.stop()


def seed_fleet(api_url: str, write_key: str, owner: str, size: int) -> None:
    """`size` mailboxes of `owner`: every second one disconnected, causes and providers mixed."""
    local, domain = owner.split("@")
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {write_key}"
        for n in range(size):
            body = {"email": f"{local}.{n}@{domain}", "provider": PROVIDERS[n % len(PROVIDERS)],
                    "owner_email": owner}  # fmt: skip
            mailbox = http.post(f"{api_url}/api/v1/mailboxes", json=body, timeout=10).json()
            if n % 2 == 0:
                event = {"type": "disconnected", "error": ERRORS[n // 2 % len(ERRORS)]}
                http.post(f"{api_url}/api/v1/mailboxes/{mailbox['id']}/events", json=event, timeout=10)


class StandIn:
    """The strict Slack stand-in in a process of its own; reports each reply as it arrives."""

    def __init__(self, users: dict[str, str]) -> None:
        context = multiprocessing.get_context("spawn")
        self.arrivals = context.Queue()
        ready = context.Queue()
        self.stop_event = context.Event()
        self.process = context.Process(
            target=_serve, args=(users, self.arrivals, ready, self.stop_event), daemon=True
        )
        self.process.start()
        self.base_url = ready.get(timeout=30)

    def next_arrival(self, timeout: float = 10.0) -> tuple[str, str, float, int, list[str]]:
        """(method, user, received_at, blocks, Slack's refusals) of the next reply."""
        return self.arrivals.get(timeout=timeout)

    def stop(self) -> None:
        self.stop_event.set()
        self.process.join(timeout=10)


def _serve(users: dict[str, str], arrivals, ready, stop_event) -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    fake = FakeSlack()
    for user_id, email in users.items():
        fake.add_user(user_id, email)

    def report(call) -> None:
        if call.method == "chat.postMessage":
            user, blocks = call.body.get("channel", "")[1:], call.body.get("blocks") or []
        elif call.method == "views.publish":
            user, blocks = call.body.get("user_id", ""), (call.body.get("view") or {}).get("blocks") or []
        else:
            return
        count = len(blocks) if isinstance(blocks, list) else -1
        arrivals.put((call.method, user, call.received_at, count, [str(p) for p in call.problems]))

    fake.on_call.append(report)
    fake.start()
    ready.put(fake.base_url)
    stop_event.wait()
    fake.stop()


def run(stand_in: StandIn, port: int, answers: int, homes: int, database: str) -> int:
    url = f"http://127.0.0.1:{port}/slack/events"
    verifier = SignatureVerifier(SECRET)
    numbers = itertools.count()
    http = requests.Session()

    def send(event: dict) -> float:
        body = json.dumps({"type": "event_callback", "team_id": "T0TEAM", "event_id": f"Ev{next(numbers)}",
                           "event": event})  # fmt: skip
        stamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": stamp,
                   "X-Slack-Signature": verifier.generate_signature(timestamp=stamp, body=body)}  # fmt: skip
        started = time.perf_counter()
        assert http.post(url, data=body, headers=headers, timeout=10).status_code == 200
        return started

    def timed(event: dict, method: str, user: str) -> tuple[float, int, list[str]]:
        started = send(event)
        got, who, arrived, blocks, refused = stand_in.next_arrival()
        assert (got, who) == (method, user), (got, who)
        return (arrived - started) * 1000, blocks, refused

    print(f"fleet answers ({database}, gunicorn: api 2×4, bot 2×8 threads), one person at a time")
    print("  mailboxes   answer p50    p99   blocks   Home p50    p99   blocks   refused")
    failed = []
    for size in SIZES:
        user = f"UFLEET{size}"
        ask = {"type": "message", "channel_type": "im", "channel": "D" + user, "user": user,
               "text": "why did my mailbox disconnect?"}  # fmt: skip
        home = {"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home"}
        timed({**ask, "ts": f"{time.time():.6f}"}, "chat.postMessage", user)  # warm-up: users.info cache
        replies = [
            timed({**ask, "ts": f"{time.time():.6f}"}, "chat.postMessage", user) for _ in range(answers)
        ]
        publishes = [timed(home, "views.publish", user) for _ in range(homes)]
        refused = sum(bool(r) for _, _, r in replies + publishes)
        reply_ms, home_ms = [t for t, _, _ in replies], [t for t, _, _ in publishes]
        p50, p99 = statistics.median(reply_ms), percentile(reply_ms, 0.99)
        print(
            f"  {size:9d}   {p50:7.1f} ms {p99:6.1f}   {max(b for _, b, _ in replies):6d}   "
            f"{statistics.median(home_ms):6.1f} ms {percentile(home_ms, 0.99):6.1f}   "
            f"{max(b for _, b, _ in publishes):6d}   {refused}"
        )
        if refused:
            failed.append(f"{size}: {refused} payloads refused")
        bar = BARS.get(size)
        if bar and (p50 > bar[0] or p99 > bar[1]):
            failed.append(f"{size}: answer p50 {p50:.0f} / p99 {p99:.0f} ms over {bar[0]:.0f} / {bar[1]:.0f}")
    print("  bars: 500 mailboxes answer p50 ≤ 300 ms, p99 ≤ 800 ms; every payload accepted")
    print("PASS" if not failed else "FAIL: " + "; ".join(failed))
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
