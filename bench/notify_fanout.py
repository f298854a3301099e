"""Proactive DMs under load: 10,000 mailboxes of 1,000 owners disconnect within a minute.

Runs the status API (gunicorn) and two workers (`mailbox-assistant worker`) as processes over one
database (PostgreSQL when --postgresql or TEST_DATABASE_URL is given, else SQLite), against a Slack
stand-in in this process that enforces 1 message per second per channel and 50 per second overall
(429 + Retry-After beyond either). One worker is killed (SIGKILL) midway. Checks: every disconnection
reaches its owner exactly once (grouped messages allowed), and the completion time against the floor
the rate limits allow. First, with the system idle, it measures single-disconnection latency (event
POST → DM at the stand-in) with default settings.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import logging
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from sqlalchemy import create_engine, insert, make_url, text
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.keys import create_key  # noqa: E402
from mailbox_assistant.db import make_engine, make_session_factory, session_scope  # noqa: E402
from mailbox_assistant.mailboxes.models import Mailbox  # noqa: E402
from mailbox_assistant.orm import utcnow  # noqa: E402
from migrations import upgrade  # noqa: E402
from tests.fakes.slack_workspace import SlackWorkspace  # noqa: E402
from tests.worker.notices import mailbox_ids  # noqa: E402

ERRORS = ["invalid_grant: Token has been expired or revoked.", "AUTHENTICATE failed: password changed",
          "550 5.4.5 Daily user sending quota exceeded", "Mailbox is full: quota exceeded"]  # fmt: skip
RATE, CHANNEL_RATE = 50, 1
DOMAIN = "bench-corp.com"


@contextlib.contextmanager
def fresh_database(server: str | None) -> Iterator[str]:
    """A new PostgreSQL database on `server` (or a SQLite file), migrated; removed afterwards."""
    if not server:
        directory = tempfile.mkdtemp(prefix="notify-bench-")
        try:
            yield f"sqlite:///{directory}/bench.db"
        finally:
            shutil.rmtree(directory)
        return
    name = f"bench_notify_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(server), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(url: str, owners: int, per_owner: int, latency_probes: int) -> tuple[str, str]:
    """Mailboxes (owner{o}@bench-corp.com owns box{o}-{n}), latency probes, and a read and a write key."""
    engine = make_engine(url)
    now = utcnow()
    rows = [
        {"email": f"box{o}-{n}@{DOMAIN}", "provider": "google", "owner_email": f"owner{o}@{DOMAIN}",
         "status": "connected", "created_at": now, "updated_at": now}
        for o in range(owners) for n in range(per_owner)
    ] + [
        {"email": f"probe{p}@bench-corp.com", "provider": "google", "owner_email": f"probe{p}@bench-corp.com",
         "status": "connected", "created_at": now, "updated_at": now}
        for p in range(latency_probes)
    ]  # fmt: skip
    with session_scope(make_session_factory(engine)) as session:
        session.execute(insert(Mailbox), rows)
        read, write = (
            create_key(session, "bench-read", "read")[1],
            create_key(session, "bench-write", "write")[1],
        )
    engine.dispose()
    return read, write


def mailbox_ids_by_email(api: str, key: str) -> dict[str, int]:
    """Every mailbox's id by email, through the API."""
    ids, cursor, session = {}, None, requests.Session()
    while True:
        params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = session.get(
            f"{api}/api/v1/mailboxes", params=params, headers={"Authorization": f"Bearer {key}"}
        )
        data = page.json()
        ids.update({m["email"]: m["id"] for m in data["items"]})
        if not (cursor := data["next_cursor"]):
            return ids


def floor_seconds(last_event_by_owner: list[float], rate: float) -> float:
    """The earliest the last DM can go out under the limits, even holding each owner's events for one
    message sent after their last event: owners in order of last event need a message each at ≤ rate/s."""
    ordered = sorted(last_event_by_owner)
    n = len(ordered)
    return max(t + (n - i - 1) / rate for i, t in enumerate(ordered))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--owners", type=int, default=1000)
    parser.add_argument("--per-owner", type=int, default=10)
    parser.add_argument("--spread", type=float, default=60.0, help="seconds over which mailboxes disconnect")
    parser.add_argument("--probes", type=int, default=20, help="single disconnections timed first")
    parser.add_argument("--postgresql", default=os.environ.get("TEST_DATABASE_URL"))
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    load_before = os.getloadavg()
    kind = "postgresql" if args.postgresql else "sqlite"
    slack = SlackWorkspace(per_channel_per_second=CHANNEL_RATE, per_second=RATE).start()
    for o in range(args.owners):
        slack.add_user(f"U{o:05d}", f"owner{o}@bench-corp.com")
    for p in range(args.probes):
        slack.add_user(f"UP{p:03d}", f"probe{p}@bench-corp.com")
    arrivals: dict[str, list[float]] = defaultdict(list)
    arrivals_lock = threading.Lock()

    def on_accept(at: float, method: str, body: dict) -> None:  # only messages Slack accepted count
        if method == "chat.postMessage":
            with arrivals_lock:
                for mailbox in mailbox_ids(body):
                    arrivals[mailbox].append(at)

    slack.on_accept.append(on_accept)
    processes: list[subprocess.Popen] = []
    atexit.register(lambda: [p.kill() for p in processes if p.poll() is None])  # even when a step fails
    with tempfile.TemporaryDirectory() as tmp, fresh_database(args.postgresql) as url:
        upgrade(url)
        read_key, write_key = seed(url, args.owners, args.per_owner, args.probes)
        port = free_port()
        api = f"http://127.0.0.1:{port}"
        env = os.environ | {"DATABASE_URL": url, "LOG_LEVEL": "WARNING", "STATUS_API_URL": api,
                            "STATUS_API_KEY": read_key, "SLACK_BOT_TOKEN": "xoxb-bench",
                            "SLACK_API_URL": slack.base_url,
                            "SLACK_MESSAGES_PER_SECOND": str(RATE)}  # fmt: skip
        processes.append(subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "api:create_app()", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--worker-class", "gthread", "--threads", "8", "--log-level", "warning"],
            env=env, cwd=tmp))  # fmt: skip
        for _ in range(200):
            try:
                if requests.get(f"{api}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        ids = mailbox_ids_by_email(api, read_key)
        worker_command = [str(ROOT / ".venv/bin/mailbox-assistant"), "worker"]
        workers = [subprocess.Popen(worker_command, env=env, cwd=tmp) for _ in range(2)]
        processes.extend(workers)
        post = requests.Session()
        post.headers["Authorization"] = f"Bearer {write_key}"
        post.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=64))

        def disconnect(email: str, error: str) -> float:
            body = {"type": "disconnected", "error": error, "idempotency_key": f"bench:{email}"}
            for attempt in range(5):  # the key makes a retry after a dropped connection safe
                try:
                    response = post.post(f"{api}/api/v1/mailboxes/{ids[email]}/events", json=body, timeout=30)
                    response.raise_for_status()
                    return time.monotonic()
                except requests.RequestException:
                    if attempt == 4:
                        raise
                    time.sleep(0.2)
            raise AssertionError("unreachable")

        # 1. Latency of single disconnections, system idle, default settings.
        time.sleep(2)
        latencies = []
        for p in range(args.probes):
            mailbox = str(ids[f"probe{p}@bench-corp.com"])
            started = time.monotonic()
            disconnect(f"probe{p}@bench-corp.com", ERRORS[0])
            deadline = started + 10
            while mailbox not in arrivals and time.monotonic() < deadline:
                time.sleep(0.005)
            latencies.append(arrivals[mailbox][0] - started if mailbox in arrivals else float("inf"))
            time.sleep(0.3)

        # 2. Fan-out: every mailbox of every owner disconnects at a random moment within the spread.
        slack.accepted.clear()
        targets = [f"box{o}-{n}@bench-corp.com" for o in range(args.owners) for n in range(args.per_owner)]
        rng = random.Random(6)
        schedule = sorted((rng.uniform(0, args.spread), email) for email in targets)
        posted_at: dict[str, float] = {}
        t0 = time.monotonic()

        def fire(item: tuple[float, str]) -> None:
            at, email = item
            delay = t0 + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            posted_at[email] = disconnect(email, rng.choice(ERRORS)) - t0

        killed_at = None
        with ThreadPoolExecutor(24) as pool:
            futures = [pool.submit(fire, item) for item in schedule]
            while not all(f.done() for f in futures):
                if killed_at is None and time.monotonic() - t0 >= args.spread / 2:
                    workers[0].send_signal(signal.SIGKILL)
                    killed_at = time.monotonic() - t0
                time.sleep(0.05)
            for future in futures:
                future.result()
        wanted = {str(ids[email]) for email in targets}
        deadline = t0 + 20 * args.spread
        while time.monotonic() < deadline:
            with arrivals_lock:
                if wanted <= arrivals.keys():
                    break
            time.sleep(0.1)
        with arrivals_lock:
            done = max((arrivals[m][0] for m in wanted if m in arrivals), default=t0) - t0
        time.sleep(35)  # a lease and more: would a killed worker's in-doubt rows be sent twice?
        with arrivals_lock:
            counts = Counter({m: len(arrivals.get(m, [])) for m in wanted})
        load_after = os.getloadavg()
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()

    slack.stop()
    last_by_owner: dict[str, float] = {}
    for email, at in posted_at.items():
        owner = email.split("-")[0]
        last_by_owner[owner] = max(last_by_owner.get(owner, 0.0), at)
    floor = floor_seconds(list(last_by_owner.values()), RATE)
    lost = sum(1 for c in counts.values() if c == 0)
    duplicates = sum(c - 1 for c in counts.values() if c > 1)
    messages = sum(1 for _, method, _ in slack.accepted if method == "chat.postMessage")
    finite = [x for x in latencies if x != float("inf")]
    p50 = statistics.median(finite) if finite else float("inf")
    load = f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after"
    print(f"database: {kind}; CPUs: {os.cpu_count()}; {load}")
    print(f"latency, single disconnection (POST → DM), {len(latencies)} probes: p50 {p50 * 1000:.0f} ms, "
          f"max {max(latencies) * 1000:.0f} ms (bar: p50 ≤ 2000 ms)")  # fmt: skip
    print(f"fan-out: {len(targets)} disconnections of {args.owners} owners over {args.spread:.0f} s; "
          f"worker 1 of 2 SIGKILLed at {killed_at:.1f} s")  # fmt: skip
    print(f"  messages accepted: {messages}; 429s answered: {slack.rejected}")
    print(f"  lost: {lost}; duplicates: {duplicates} (bar: 0 and 0)")
    print(f"  completion: {done:.1f} s; floor the limits allow: {floor:.1f} s; "
          f"ratio {done / floor:.2f} (bar ≤ 1.5)")  # fmt: skip
    print(f"  (one message per disconnection would need ≥ {len(targets) / RATE:.0f} s at {RATE}/s)")
    ok = lost == 0 and duplicates == 0 and done / floor <= 1.5 and p50 <= 2.0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
