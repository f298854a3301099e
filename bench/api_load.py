"""Load benchmark of the status API under gunicorn, on SQLite and PostgreSQL; prints the numbers.

    .venv/bin/python bench/api_load.py [--db sqlite|postgresql|both] [--mailboxes N] [--events N]

Loads N mailboxes and events into a fresh database (made by the migrations), serves the app with the
Procfile's gunicorn settings, and measures from this (second) process:
  - p50/p99 latency of GET /api/v1/mailboxes/{id} and ?owner_email= at a fixed 200 requests/s,
  - throughput of GET /api/v1/mailboxes/{id} (wrk) against a bare Flask endpoint, same settings, all
    served at once and measured in alternation, ROUNDS runs each; the ratio is taken over the rounds where
    every server spread the load over both workers (each run prints its workers' CPU split); beside
    them, the floor: a bare endpoint that runs only the same query (what one round trip leaves),
  - sustained event ingestion (POST …/events; median of the runs),
  - the peak RSS of each gunicorn worker.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy import create_engine, insert, make_url, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from api.keys import hash_key  # noqa: E402

# The Procfile's settings (BENCH_GUNICORN overrides them, to compare others).
GUNICORN = os.environ.get("BENCH_GUNICORN", "--workers 2 --worker-class gthread --threads 4").split()
OWNERS_PER_MAILBOX = 5
ROUNDS = 5  # throughput and ingestion are measured this many times; the medians are reported
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def bare_app() -> Flask:
    """The baseline, served as 'api_load:bare_app()': a bare Flask endpoint returning a constant JSON body."""
    app = Flask("bare")
    app.get("/constant")(lambda: {"status": "ok", "id": 1, "provider": "google"})
    return app


def query_only_app() -> Flask:
    """The floor, served as 'api_load:query_only_app()': a bare Flask endpoint that runs the API's query
    for `GET /mailboxes/{id}` (the same SQL and bind values, on a driver connection of its own per
    thread: no pool, no API-key check, no serialisation) and returns the bare endpoint's constant body.
    What it loses against the bare endpoint is what one database round trip per request costs here."""
    from sqlalchemy.engine import make_url as parse_url

    from api.keys import MAILBOX_WITH_KEY
    from mailbox_assistant.db import make_engine

    engine = make_engine(os.environ["DATABASE_URL"])
    dialect = engine.dialect
    compiled = MAILBOX_WITH_KEY.statement.compile(dialect=dialect)
    cargs, cparams = dialect.create_connect_args(parse_url(os.environ["DATABASE_URL"]))
    local, key_hash = threading.local(), os.environ["BENCH_KEY_HASH"]
    app = Flask("query_only")

    def connection():
        if not hasattr(local, "connection"):
            local.connection = dialect.loaded_dbapi.connect(*cargs, **cparams)
            if dialect.name == "sqlite":
                local.connection.isolation_level = None
            else:
                local.connection.autocommit = True
        return local.connection

    @app.get("/query/<int:mailbox_id>")
    def query(mailbox_id: int) -> dict[str, object]:
        values = {"key_hash": key_hash, "mailbox_id": mailbox_id}
        if compiled.positiontup:
            values = [values[name] for name in compiled.positiontup]
        cursor = connection().cursor()
        cursor.execute(compiled.string, values)
        if cursor.fetchone() is None:
            raise LookupError("the query found no API key")
        cursor.close()
        return {"status": "ok", "id": 1, "provider": "google"}

    return app


@contextmanager
def fresh_database(kind: str) -> Iterator[str]:
    """A new SQLite file or PostgreSQL database, migrated to head; removed afterwards."""
    from migrations import upgrade

    if kind == "sqlite":
        directory = tempfile.mkdtemp(prefix="bench-")
        url = f"sqlite:///{directory}/bench.db"
        upgrade(url)
        try:
            yield url
        finally:
            shutil.rmtree(directory)
        return
    server = make_url(os.environ.get("BENCH_DATABASE_URL", PG_SERVER))
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def load_data(url: str, mailboxes: int, events: int) -> tuple[str, str]:
    """Bulk-load mailboxes and events; returns a read key and a write key."""
    from api.keys import create_key
    from mailbox_assistant.db import make_engine, make_session_factory, session_scope
    from mailbox_assistant.mailboxes.models import Event, Mailbox

    engine = make_engine(url)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as connection:
        rows = [
            {
                "id": i,
                "email": f"rep{i}@company{i % 997}.com",
                "provider": ("google", "microsoft", "imap")[i % 3],
                "owner_email": f"owner{i // OWNERS_PER_MAILBOX}@acme.com",
                "status": "disconnected" if i % 10 == 0 else "connected",
                "disconnected_at": start if i % 10 == 0 else None,
                "last_failure_reason": "token_expired" if i % 10 == 0 else None,
                "last_failure_error": "invalid_grant" if i % 10 == 0 else None,
                "last_failure_at": start if i % 10 == 0 else None,
                "last_failure_confidence": 0.9 if i % 10 == 0 else None,
                "created_at": start,
                "updated_at": start,
            }
            for i in range(1, mailboxes + 1)
        ]
        connection.execute(insert(Mailbox), rows)
    chunk = 20_000
    for first in range(0, events, chunk):
        with engine.begin() as connection:
            connection.execute(
                insert(Event),
                [
                    {
                        "mailbox_id": 1 + (n * 7919) % mailboxes,
                        "type": ("disconnected", "reconnected", "error")[n % 3],
                        "error": "invalid_grant" if n % 3 != 1 else None,
                        "reason": "token_expired" if n % 3 != 1 else None,
                        "confidence": 0.9 if n % 3 != 1 else None,
                        "occurred_at": start + timedelta(seconds=n),
                        "recorded_at": start + timedelta(seconds=n),
                        "idempotency_key": f"load-{n}",
                    }
                    for n in range(first, min(first + chunk, events))
                ],
            )
    # Settle the bulk load before measuring: statistics and, on PostgreSQL, the visibility map (else
    # autovacuum starts on the million freshly inserted rows in the middle of the latency runs) and a
    # checkpoint.
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("SELECT setval('mailboxes_id_seq', (SELECT max(id) FROM mailboxes))"))
            connection.execute(text("VACUUM ANALYZE"))
            connection.execute(text("CHECKPOINT"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    with session_scope(make_session_factory(engine)) as session:
        read_key = create_key(session, "bench-read", "read")[1]
        write_key = create_key(session, "bench-write", "write")[1]
    engine.dispose()
    return read_key, write_key


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(app_spec: str, database_url: str) -> Iterator[tuple[int, RssSampler]]:
    """Serve `app_spec` under gunicorn with the Procfile's settings; yields its port and an RSS sampler."""
    port = free_port()
    env = os.environ | {"DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "--pythonpath",
        str(ROOT / "bench"),
        "--log-level",
        "warning",
        *GUNICORN,
    ]
    process = subprocess.Popen([*command, "--bind", f"127.0.0.1:{port}", app_spec], env=env, cwd=ROOT)
    deadline = time.monotonic() + 30
    while not _answers(port):
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError(f"gunicorn did not start for {app_spec}")
        time.sleep(0.1)
    sampler = RssSampler(process.pid)
    try:
        yield port, sampler
    finally:
        sampler.stop()
        process.terminate()
        process.wait(timeout=30)


def _answers(port: int) -> bool:
    """True once something accepts connections on the port."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


class RssSampler:
    """Samples the resident memory of a gunicorn master's workers in a thread; remembers the peak."""

    def __init__(self, master_pid: int) -> None:
        self.master_pid, self.peak_mb, self._stop = master_pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            children = Path(f"/proc/{self.master_pid}/task/{self.master_pid}/children")
            for pid in children.read_text().split() if children.exists() else []:
                status = Path(f"/proc/{pid}/status")
                match = re.search(r"VmRSS:\s+(\d+) kB", status.read_text()) if status.exists() else None
                if match:
                    self.peak_mb = max(self.peak_mb, int(match.group(1)) / 1024)

    def worker_cpu(self) -> list[int]:
        """CPU time (clock ticks) used so far by each worker, in pid order."""
        children = Path(f"/proc/{self.master_pid}/task/{self.master_pid}/children")
        ticks = []
        for pid in sorted(children.read_text().split(), key=int) if children.exists() else []:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            ticks.append(int(fields[11]) + int(fields[12]))  # utime + stime
        return ticks

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()
        self._thread.join()


async def _request(reader, writer, method: str, path: str, headers: str, body: bytes = b"") -> int:
    """One HTTP/1.1 request on a kept-alive connection; returns the status code."""
    head = f"{method} {path} HTTP/1.1\r\nHost: bench\r\n{headers}Content-Length: {len(body)}\r\n\r\n"
    writer.write(head.encode() + body)
    status_line = await reader.readline()
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    await reader.readexactly(length)
    return int(status_line.split()[1])


async def fixed_rate(port: int, paths: list[str], key: str, rate: int, seconds: float) -> list[float]:
    """Open-loop load at `rate` requests/s; latencies (ms) are measured from each request's scheduled time."""
    headers = f"Authorization: Bearer {key}\r\n"
    pool: asyncio.Queue = asyncio.Queue()
    for _ in range(32):
        pool.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    latencies: list[float] = []

    async def one(path: str, scheduled: float) -> None:
        reader, writer = await pool.get()
        status = await _request(reader, writer, "GET", path, headers)
        latencies.append((time.perf_counter() - scheduled) * 1000)
        pool.put_nowait((reader, writer))
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")

    start, tasks = time.perf_counter(), []
    for n in range(int(rate * seconds)):
        scheduled = start + n / rate
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        tasks.append(asyncio.create_task(one(random.choice(paths), scheduled)))
    await asyncio.gather(*tasks)
    while not pool.empty():
        pool.get_nowait()[1].close()
    return latencies


async def ingest(port: int, key: str, mailboxes: int, seconds: float, concurrency: int = 16) -> float:
    """POST events as fast as `concurrency` connections allow for `seconds`; returns events/s recorded."""
    headers = f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
    deadline, recorded = time.perf_counter() + seconds, 0

    async def worker(n: int) -> None:
        nonlocal recorded
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        i = 0
        while time.perf_counter() < deadline:
            i += 1
            mailbox_id = random.randint(1, mailboxes)
            path = f"/api/v1/mailboxes/{mailbox_id}/events"
            body = f'{{"type":"error","error":"550 quota exceeded","idempotency_key":"b{n}-{i}"}}'.encode()
            status = await _request(reader, writer, "POST", path, headers, body)
            recorded += status == 201  # not `recorded += await …`: that would lose concurrent updates
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    return recorded / (time.perf_counter() - started)


def wrk_throughput(port: int, path_lua: str, seconds: int) -> float:
    """Requests/s that wrk sustains (2 threads, 16 connections) with the given request script."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(path_lua)
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "-s", script.name, f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    os.unlink(script.name)
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw errors:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def _both_workers(split: str) -> bool:
    """True if every worker did at least a quarter of the work ("48/52": yes, "100/0": no)."""
    return all(float(share) >= 25 for share in split.split("/"))


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q / 100))]


BY_ID_LUA = 'request = function() return wrk.format("GET", "/api/v1/mailboxes/" .. math.random(1, {n})) end\n'
BARE_LUA = 'request = function() return wrk.format("GET", "/constant") end\n'
QUERY_LUA = 'request = function() return wrk.format("GET", "/query/" .. math.random(1, {n})) end\n'


def bench(kind: str, mailboxes: int, events: int, seconds: int) -> None:
    """Run every measurement on one database kind and print the results."""
    with fresh_database(kind) as url:
        started = time.perf_counter()
        read_key, write_key = load_data(url, mailboxes, events)
        took = time.perf_counter() - started
        print(f"[{kind}] loaded {mailboxes:,} mailboxes and {events:,} events in {took:.0f}s")
        owners = mailboxes // OWNERS_PER_MAILBOX
        by_id = [f"/api/v1/mailboxes/{random.randint(1, mailboxes)}" for _ in range(2000)]
        by_owner = [
            f"/api/v1/mailboxes?owner_email=owner{random.randrange(owners)}@acme.com" for _ in range(2000)
        ]
        # The servers run side by side; the throughput runs alternate between them (api, bare, floor, api,
        # …) so that load from other processes on this machine falls on all alike.
        os.environ["BENCH_KEY_HASH"] = hash_key(read_key)
        with (
            gunicorn("api:create_app()", url) as (port, sampler),
            gunicorn("api_load:bare_app()", url) as (bare_port, bare_sampler),
            gunicorn("api_load:query_only_app()", url) as (floor_port, floor_sampler),
        ):
            asyncio.run(fixed_rate(port, by_id[:200], read_key, 200, 1))  # warm-up
            for label, paths in (("GET /mailboxes/{id}", by_id), ("GET /mailboxes?owner_email=", by_owner)):
                latencies = asyncio.run(fixed_rate(port, paths, read_key, 200, seconds))
                p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
                print(f"[{kind}] {label} at 200 req/s: p50 {p50:.1f} ms, p99 {p99:.1f} ms (bar: p99 ≤ 20 ms)")
            auth = f'wrk.headers["Authorization"] = "Bearer {read_key}"\n'
            servers = {
                "api": (port, auth + BY_ID_LUA.format(n=mailboxes), sampler),
                "bare": (bare_port, BARE_LUA, bare_sampler),
                "floor": (floor_port, QUERY_LUA.format(n=mailboxes), floor_sampler),
            }
            runs: list[dict[str, tuple[float, str]]] = []  # per round: server -> (req/s, worker CPU split)
            for _ in range(ROUNDS):
                runs.append({})
                for name, (target, lua, workers) in servers.items():
                    before = workers.worker_cpu()
                    rate = wrk_throughput(target, lua, seconds)
                    used = [after - b for after, b in zip(workers.worker_cpu(), before, strict=False)]
                    runs[-1][name] = (rate, "/".join(f"{100 * u / max(1, sum(used)):.0f}" for u in used))
            rates = [asyncio.run(ingest(port, write_key, mailboxes, seconds)) for _ in range(ROUNDS)]
            listed = ", ".join(f"{r:.0f}" for r in rates)
            print(
                f"[{kind}] event ingestion: {statistics.median(rates):.0f} events/s, median of {ROUNDS} runs "
                f"of {seconds}s ({listed}) (bar on PostgreSQL: ≥ 500)"
            )
            api_peak = sampler.peak_mb
        report_throughput(kind, runs)
        print(f"[{kind}] peak RSS of a gunicorn worker: {api_peak:.0f} MB (bar: < 150 MB)")
        print(f"[{kind}] load average after the run: {os.getloadavg()[0]:.2f} (1 min)")


def report_throughput(kind: str, runs: list[dict[str, tuple[float, str]]]) -> None:
    """Print each round and the ratios to the bare endpoint: the API's (the bar) and the floor's."""
    balanced = []
    for n, run in enumerate(runs):
        # wrk's 16 connections are spread over the 2 workers by whichever accepts first: a run where
        # one worker got them all shows as 100/0 and is capped at one core. Only rounds where every
        # server used both workers compare like with like.
        if all(_both_workers(split) for _, split in run.values()):
            balanced.append(run)
        bare = run["bare"][0]
        print(
            f"[{kind}]   run {n + 1}: "
            + ", ".join(f"{name} {rate:.0f} req/s (split {split})" for name, (rate, split) in run.items())
            + f": api {run['api'][0] / bare:.0%}, floor {run['floor'][0] / bare:.0%} of bare"
        )
    chosen = balanced or runs
    which = (
        f"medians of the {len(balanced)} rounds where every server used both workers"
        if balanced
        else f"medians of {len(runs)} rounds, none with every server on both workers: not comparable"
    )
    median = {name: statistics.median(run[name][0] for run in chosen) for name in ("api", "bare", "floor")}
    api, bare, floor = median["api"], median["bare"], median["floor"]
    print(
        f"[{kind}] GET /mailboxes/{{id}}: {api:.0f} req/s, bare Flask {bare:.0f} req/s ({which}): "
        f"ratio {api / bare:.0%} (bar: ≥ 60%)"
    )
    print(
        f"[{kind}] floor, a bare endpoint that only runs the same query: {floor:.0f} req/s, "
        f"{floor / bare:.0%} of bare (what one database round trip per request leaves here)"
    )


def main() -> None:
    """Parse the arguments and run the benchmark on each database asked for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--mailboxes", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=10, help="length of each measurement")
    args = parser.parse_args()
    for kind in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        bench(kind, args.mailboxes, args.events, args.seconds)


if __name__ == "__main__":
    main()
