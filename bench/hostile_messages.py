"""Hostile messages: other people's ack latency while one user keeps sending 40,000-character DMs built
to make regexes backtrack (runs of '<', letters, 'a.', mentions and links that never close, …).

Runs the bot as the Procfile does (gunicorn, 2 workers of 8 threads) against the real status API over
seeded SQLite and the Slack stand-in in its own process, with bench/bot_latency.py's set-up. Load is
open-loop, as Slack delivers events: each DM is posted on its own connection at its due time, whether
or not earlier ones were acked, so a stuck worker cannot hide the samples it delays. Other users ask
normal questions at --others-per-second, first alone, then while the attacker sends hostile DMs at
--attack-per-second; their acks and replies are timed in both phases.
Bar: another user's ack p99 < 1 s under attack (Slack's deadline is 3 s).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import logging
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests
from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bot_latency import (  # noqa: E402
    SECRET,
    StandInProcess,
    bench_database,
    cpu_seconds,
    create_keys,
    free_port,
    percentile,
    wait_healthy,
)
from bot.samples import SAMPLE_MAILBOXES  # noqa: E402
from mailbox_assistant.cli.demo import seed  # noqa: E402
from migrations import upgrade  # noqa: E402

SLACK_MAX_TEXT = 40_000  # characters Slack allows in one message
ACK_P99_BAR_MS = 1000
ACK_TIMEOUT = 30.0  # seconds; an ack slower than this counts as this long
REPLY_GRACE = 10.0  # seconds after the last question that its reply may still arrive
ATTACKER = "U_ATTACK"
# Units repeated to SLACK_MAX_TEXT characters; each made some pattern rescan the text from every
# character before the patterns were made linear.
HOSTILE = {
    "angle brackets": "<",
    "letters": "a",
    "dotted letters": "a.",
    "dashed letters": "a-",
    "apostrophes": "a'",
    "mailto links without end": "<mailto:",
    "mentions without end": "<@",
    "user mentions without end": "<@U1|",
    "link labels without end": "<a|",
    "possessives": "x's ",
    "words with no question mark": "up ",
    "token fragments": "eyJ-",
    "accented letters": "é",
}


def hostile_texts() -> list[str]:
    """One message of each hostile kind, SLACK_MAX_TEXT characters long."""
    return [unit * (SLACK_MAX_TEXT // len(unit)) for unit in HOSTILE.values()]


@dataclass(frozen=True)
class Sent:
    """One DM posted: whose, when (perf_counter), and how long its ack took (seconds)."""

    user_id: str
    at: float
    ack: float


class Sender:
    """Posts signed Events API callbacks to the bot, as Slack does, each on a new connection."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.verifier = SignatureVerifier(SECRET)
        self._event_numbers = itertools.count()

    def dm(self, user_id: str, text: str) -> Sent:
        """Deliver a direct message from `user_id` and time its ack."""
        event = {
            "type": "message", "channel_type": "im", "channel": "D" + user_id, "user": user_id,
            "text": text, "ts": f"{time.time():.6f}",
        }  # fmt: skip
        envelope = {"type": "event_callback", "team_id": "T0TEAM", "event": event}
        body = json.dumps({**envelope, "event_id": f"Ev{next(self._event_numbers)}"})
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": self.verifier.generate_signature(timestamp=timestamp, body=body),
        }
        started = time.perf_counter()
        try:
            response = requests.post(self.url, data=body.encode(), headers=headers, timeout=ACK_TIMEOUT)
            assert response.status_code == 200, response.text
            return Sent(user_id, started, time.perf_counter() - started)
        except requests.Timeout:
            return Sent(user_id, started, ACK_TIMEOUT)


class Replies:
    """The arrival times (perf_counter) of the stand-in's chat.postMessage calls, by DM channel."""

    def __init__(self, stand_in: StandInProcess) -> None:
        self.stand_in = stand_in
        self.arrivals: dict[str, list[float]] = {}
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._route, daemon=True)
        self._thread.start()

    def _route(self) -> None:
        while True:
            channel, received_at = self.stand_in.replies.get()
            if channel is None:
                return
            with self._lock:
                self.arrivals.setdefault(channel, []).append(received_at)

    def latencies(self, sent: list[Sent]) -> list[float]:
        """Seconds from each question to its reply (a channel's replies taken in order); unanswered
        questions are left out."""
        by_user: dict[str, list[float]] = {}
        for question in sorted(sent, key=lambda s: s.at):
            by_user.setdefault(question.user_id, []).append(question.at)
        with self._lock:
            arrivals = {channel: sorted(times) for channel, times in self.arrivals.items()}
        latencies = []
        for user_id, asked in by_user.items():
            arrived = [t for t in arrivals.get("D" + user_id, []) if t >= asked[0]]
            latencies += [reply - question for question, reply in zip(asked, arrived, strict=False)]
        return latencies

    def stop(self) -> None:
        self.stand_in.replies.put((None, 0.0))
        self._thread.join(timeout=5)


def fire(rate: float, seconds: float, send: Callable[[], Sent], pool: ThreadPoolExecutor) -> list[Sent]:
    """Call `send` `rate` times a second for `seconds`, each at its due time (open loop)."""
    futures: list[Future[Sent]] = []
    started = time.perf_counter()
    for number in itertools.count():
        due = started + number / rate
        if due - started >= seconds:
            break
        time.sleep(max(0.0, due - time.perf_counter()))
        futures.append(pool.submit(send))
    return [future.result() for future in futures]


def phase(
    sender: Sender, others: list[str], seconds: float, others_rate: float, attack_rate: float
) -> tuple[list[Sent], list[Sent]]:
    """(the others' questions, the hostile DMs) sent over `seconds`; no attack when `attack_rate` is 0."""
    asker = itertools.cycle(others)
    texts = itertools.cycle(hostile_texts())
    with ThreadPoolExecutor(max_workers=256) as pool:
        attack = pool.submit(
            fire, attack_rate, seconds, lambda: sender.dm(ATTACKER, next(texts)), pool
        ) if attack_rate else None  # fmt: skip
        asked = fire(
            others_rate, seconds, lambda: sender.dm(next(asker), "why did my mailbox disconnect?"), pool
        )
        return asked, attack.result() if attack else []


def describe(name: str, asked: list[Sent], replies: list[float]) -> float:
    """Print one phase's figures for the others; return their ack p99 in ms."""
    acks = [question.ack * 1000 for question in asked]
    p99 = percentile(acks, 0.99)
    print(f"  {name}: {len(acks)} questions from the others")
    print(f"    ack   p50 {statistics.median(acks):8.1f} ms   p99 {p99:8.1f} ms   max {max(acks):8.1f} ms")
    if replies:
        ms = [reply * 1000 for reply in replies]
        print(
            f"    reply p50 {statistics.median(ms):8.1f} ms   p99 {percentile(ms, 0.99):8.1f} ms   "
            f"({len(acks) - len(ms)} not answered {REPLY_GRACE:g} s after the phase)"
        )
    return p99


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=15, help="length of each phase")
    parser.add_argument("--others", type=int, default=50, help="users asking normal questions")
    parser.add_argument("--others-per-second", type=float, default=10, help="their questions, all together")
    parser.add_argument("--attack-per-second", type=float, default=2, help="hostile DMs of the one attacker")
    args = parser.parse_args()

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    owners = list(dict.fromkeys(sample.owner_email for sample in SAMPLE_MAILBOXES))
    others = [f"U{index:04d}" for index in range(args.others)]
    users = {user: owners[index % len(owners)] for index, user in enumerate([ATTACKER, *others])}
    stand_in = StandInProcess(users)
    replies = Replies(stand_in)
    try:
        with tempfile.TemporaryDirectory() as tmp, serve_bot(stand_in.base_url, tmp) as (url, bot_pid):
            return run(Sender(url), replies, others, bot_pid, args)
    finally:
        replies.stop()
        stand_in.stop()


@contextlib.contextmanager
def serve_bot(slack_url: str, directory: str) -> Iterator[tuple[str, int]]:
    """The status API over seeded SQLite and the bot, each under gunicorn; yields the bot's events URL
    and its master's pid."""
    with bench_database(None, directory) as database_url:
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
            "SLACK_API_URL": slack_url,
            "LOG_LEVEL": "WARNING",
        }
        gunicorn = [str(ROOT / ".venv/bin/gunicorn"), "--worker-class", "gthread", "--log-level", "warning"]
        api = ["api:create_app()", "--bind", f"127.0.0.1:{api_port}", "--workers", "1", "--threads", "16"]
        bot = ["bot.http:create_app()", "--bind", f"127.0.0.1:{bot_port}", "--workers", "2", "--threads", "8"]
        processes = [
            subprocess.Popen(
                [*gunicorn, *app], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, start_new_session=True
            )
            for app in (api, bot)
        ]
        try:
            wait_healthy(api_port)
            seed(f"http://127.0.0.1:{api_port}", write_key)
            wait_healthy(bot_port)
            yield f"http://127.0.0.1:{bot_port}/slack/events", processes[1].pid
        finally:
            for process in reversed(processes):  # the bot first, so no answer finds the API gone
                stop_server(process)


def stop_server(process: subprocess.Popen) -> None:
    """Stop a gunicorn master and its workers; kill them all when a worker is still busy after 10 s (as
    one stuck in a regex is)."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def run(sender: Sender, replies: Replies, others: list[str], bot_pid: int, args: argparse.Namespace) -> int:
    """The two phases, their figures, and the verdict against the bar."""
    warm_up = len(others) / args.others_per_second + 1  # each user asks once: users.info cache, pools
    phase(sender, others, warm_up, args.others_per_second, 0)
    print(
        f"hostile messages: {len(others)} users ask {args.others_per_second:g} questions/s together; then "
        f"{ATTACKER} also sends {args.attack_per_second:g} DMs/s of {SLACK_MAX_TEXT:,} characters"
    )
    print(f"  kinds, in turn: {', '.join(HOSTILE)}")
    asked, _ = phase(sender, others, args.seconds, args.others_per_second, 0)
    time.sleep(REPLY_GRACE)
    describe("alone", asked, replies.latencies(asked))
    cpu_before = cpu_seconds(bot_pid)
    asked, hostile = phase(sender, others, args.seconds, args.others_per_second, args.attack_per_second)
    cpu = cpu_seconds(bot_pid) - cpu_before
    time.sleep(REPLY_GRACE)
    p99 = describe("under attack", asked, replies.latencies(asked))
    answered = len(replies.latencies(hostile))
    hostile_p99 = percentile([sent.ack * 1000 for sent in hostile], 0.99)
    print(f"  hostile DMs: {len(hostile)} sent, ack p99 {hostile_p99:.1f} ms; {answered} answered")
    print(f"  bot CPU while attacked: {cpu:.1f} s in {args.seconds:g} s")
    verdict = "PASS" if p99 < ACK_P99_BAR_MS else "FAIL"
    print(f"  others' ack p99 under attack {p99:.1f} ms (bar < {ACK_P99_BAR_MS}): {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
