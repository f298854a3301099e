"""Benchmark of the outcomes report with 100,000 disconnections, on SQLite and PostgreSQL; prints the
numbers against the bars (report ≤ 300 ms p50; support's page ≤ 1 s in headless Chromium).

    .venv/bin/python bench/outcomes_report.py [--db sqlite|postgresql|both] [--disconnections N]
                                              [--days D] [--runs R]

Loads a fresh database (made by the migrations) with N disconnections spread over D days (default a
year) of mailboxes with four disconnections each: one in ten reported twice, one in five with an error
event, 85 % reconnected in time (most within hours, some after a day), the others days later or (the
latest) not yet, 5 % escalated, 10 % voted on, 70 % told by a proactive DM (minutes later), 25 % asked
about (a bot answer that showed the mailbox disconnected). Then:
  - the ledger's first catch-up over the whole history (what the worker does once after the upgrade),
  - GET /api/v1/reports/outcomes through the app (API key, validation, serialisation included), p50 and
    p95 of R runs and the statements each ran: the default period (30 days) and the whole history
    (every disconnection in the period),
  - after 1,000 new events and 100 new DMs: the worker's catch-up, then the report (which finds nothing
    to apply); and with the worker down, the report (which catches the ledger up itself),
  - GET /support (the overview page) on the server, and its load in headless Chromium when Debian's
    chromium is installed.
The machine's speed is printed first (a fixed pure-Python loop), to read the figures against.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, insert, make_url, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REPORT_BAR_MS = 300
PAGE_BAR_MS = 1000
ERRORS = {
    "token_expired": "invalid_grant: Token has been expired or revoked.",
    "password_changed": "AADSTS50173: The provided grant has expired due to it being revoked.",
    "storage_full": "552 5.2.2 Mailbox full: quota exceeded",
    "sending_limit": "550 5.4.5 Daily user sending limit exceeded.",
    "suspicious_activity": "AADSTS50053: The account is locked.",
    "provider_outage": "IMAP: [UNAVAILABLE] Temporary server failure, try again later",
    "account_suspended": "AADSTS50057: The user account is disabled.",
    "unknown": "Something went wrong",
}
PROVIDERS = ("google", "google", "microsoft", "imap")


@contextmanager
def fresh_database(kind: str) -> Iterator[str]:
    """A new SQLite file or PostgreSQL database, migrated to head; removed afterwards."""
    from migrations import upgrade

    if kind == "sqlite":
        directory = tempfile.mkdtemp(prefix="bench-outcomes-")
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


def load(url: str, disconnections: int, days: int, now: datetime) -> dict[str, int]:
    """Bulk-load the fleet's history; the row counts."""
    from mailbox_assistant.conversations.models import ConversationTurn
    from mailbox_assistant.db import make_engine
    from mailbox_assistant.escalation.models import Escalation
    from mailbox_assistant.mailboxes.models import Event, Mailbox
    from mailbox_assistant.notices.models import Notification
    from mailbox_assistant.outcomes.models import FeedbackVote

    rnd = random.Random(16)
    per_mailbox = 4
    start = now - timedelta(days=days)
    slot = timedelta(days=days) / per_mailbox
    mailboxes, events, escalations, votes, notices, turns = [], [], [], [], [], []
    event_id = 0

    def add_event(mailbox_id: int, kind: str, at: datetime, reason: str | None) -> None:
        nonlocal event_id
        event_id += 1
        error = ERRORS[reason] if reason else None
        events.append(
            {
                "id": event_id,
                "mailbox_id": mailbox_id,
                "type": kind,
                "error": error,
                "reason": reason,
                "confidence": 0.95 if reason else None,
                "occurred_at": at,
                "recorded_at": at,
                "idempotency_key": None,
            }
        )

    for mailbox_id in range(1, disconnections // per_mailbox + 1):
        provider = PROVIDERS[mailbox_id % len(PROVIDERS)]
        mailboxes.append(
            {
                "id": mailbox_id,
                "email": f"rep{mailbox_id}@acme.com",
                "provider": provider,
                "owner_email": f"rep{mailbox_id}@acme.com",
                "status": "connected",
                "created_at": start,
                "updated_at": start,
            }
        )
        for number in range(per_mailbox):
            # Anywhere in the mailbox's slot, two days clear of its end (time to reconnect).
            latest_start = int(slot.total_seconds() // 60) - 2 * 24 * 60
            began = start + slot * number + timedelta(minutes=rnd.randint(0, latest_start))
            reason = rnd.choice(list(ERRORS))
            add_event(mailbox_id, "disconnected", began, reason)
            if rnd.random() < 0.7:
                notices.append(_notice(mailbox_id, event_id, began + timedelta(minutes=rnd.uniform(0.5, 10))))
            if rnd.random() < 0.25:
                turns.extend(_answer(mailbox_id, began, began + timedelta(minutes=rnd.uniform(1, 120))))
            if rnd.random() < 0.1:
                add_event(mailbox_id, "disconnected", began + timedelta(minutes=1), reason)
            if rnd.random() < 0.2:
                add_event(mailbox_id, "error", began + timedelta(minutes=2), reason)
            if rnd.random() < 0.05:
                escalations.append(_escalation(mailbox_id, provider, reason, began + timedelta(minutes=20)))
            if rnd.random() < 0.1:
                votes.append(_vote(mailbox_id, event_id, rnd.random() < 0.7, began + timedelta(minutes=5)))
            slot_end = start + slot * (number + 1)
            if rnd.random() < 0.85:
                minutes = rnd.expovariate(1 / 120) if rnd.random() < 0.95 else rnd.uniform(1440, 2800)
                add_event(mailbox_id, "reconnected", min(began + timedelta(minutes=minutes), slot_end), None)
            elif number < per_mailbox - 1:  # reconnected at last, before its next disconnection
                add_event(mailbox_id, "reconnected", slot_end - timedelta(minutes=rnd.randint(1, 600)), None)
    engine = make_engine(url)
    with engine.begin() as connection:
        for table, rows in (
            (Mailbox, mailboxes),
            (Event, events),
            (Escalation, escalations),
            (FeedbackVote, votes),
            (Notification, notices),
            (ConversationTurn, turns),
        ):
            for offset in range(0, len(rows), 5000):
                connection.execute(insert(table.__table__), rows[offset : offset + 5000])
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT setval('events_id_seq', (SELECT max(id) FROM events))"))
            connection.execute(text("SELECT setval('mailboxes_id_seq', (SELECT max(id) FROM mailboxes))"))
    analyze(engine)
    engine.dispose()
    return {
        "mailboxes": len(mailboxes),
        "events": len(events),
        "escalations": len(escalations),
        "votes": len(votes),
        "DMs": len(notices),
        "answers": len(turns) // 2,
    }


def _escalation(mailbox_id: int, provider: str, reason: str, at: datetime) -> dict[str, object]:
    return {
        "asker_slack_id": f"U{mailbox_id}",
        "asker_name": f"Rep {mailbox_id}",
        "asker_email": f"rep{mailbox_id}@acme.com",
        "mailbox_ref": str(mailbox_id),
        "mailbox_id": mailbox_id,
        "mailbox_email": f"rep{mailbox_id}@acme.com",
        "provider": provider,
        "reason": reason,
        "reason_title": reason,
        "history": [],
        "transcript": [],
        "status": "sent",
        "attempts": 1,
        "run_at": at,
        "created_at": at,
        "closed_at": at + timedelta(days=1),
    }


def _notice(mailbox_id: int, event_id: int, sent_at: datetime) -> dict[str, object]:
    """A proactive DM about the disconnection `event_id` began, sent at `sent_at`."""
    return {
        "dedupe_key": f"disconnected:{event_id}",
        "kind": "disconnected",
        "mailbox_id": mailbox_id,
        "owner_email": f"rep{mailbox_id}@acme.com",
        "event_id": event_id,
        "mailbox": {},
        "status": "sent",
        "attempts": 0,
        "run_at": sent_at,
        "created_at": sent_at,
        "sent_at": sent_at,
        "slack_channel": f"D{mailbox_id}",
        "slack_ts": f"{sent_at.timestamp():.6f}",
    }


def _answer(mailbox_id: int, disconnected_at: datetime, at: datetime) -> list[dict[str, object]]:
    """The question and the bot's answer that showed the mailbox disconnected (as bot/follow_up.py
    remembers it)."""
    shown = {
        "id": str(mailbox_id),
        "email": f"rep{mailbox_id}@acme.com",
        "status": "disconnected",
        "disconnected_at": disconnected_at.isoformat(),
    }
    turn = {"slack_user_id": f"U{mailbox_id}", "channel": f"D{mailbox_id}", "created_at": at}
    return [
        {**turn, "role": "user", "text": "why did my mailbox disconnect?", "about": None},
        {
            **turn,
            "role": "bot",
            "text": "Your mailbox is disconnected",
            "about": {"mailboxes": [shown], "total": 1},
        },
    ]


def _vote(mailbox_id: int, event_id: int, helpful: bool, at: datetime) -> dict[str, object]:
    return {
        "voter_slack_id": f"U{mailbox_id}",
        "answer_ref": f"D{mailbox_id}:{event_id}.0",
        "surface": "answer",
        "helpful": helpful,
        "mailbox_ref": str(mailbox_id),
        "mailbox_id": mailbox_id,
        "reason": "token_expired",
        "raw_error": ERRORS["token_expired"],
        "created_at": at,
        "updated_at": at,
    }


def analyze(engine) -> None:
    """Fresh planner statistics, as a database that has been running has them."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        else:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()


def timed(call, runs: int) -> tuple[float, float, object]:
    """(p50 ms, p95 ms, last result) of `runs` calls after one warm-up call."""
    result = call()
    durations = []
    for _ in range(runs):
        began = time.perf_counter()
        result = call()
        durations.append((time.perf_counter() - began) * 1000)
    durations.sort()
    return statistics.median(durations), durations[int(len(durations) * 0.95) - 1], result


def machine_speed() -> float:
    """ms for a fixed pure-Python loop (about 150 ms on an idle recent laptop core)."""
    began = time.perf_counter()
    sum(range(10_000_000))
    return (time.perf_counter() - began) * 1000


def run(kind: str, disconnections: int, days: int, runs: int) -> None:
    from api import create_app
    from api.keys import create_key
    from mailbox_assistant.db import make_session_factory, session_scope
    from mailbox_assistant.orm import utcnow
    from mailbox_assistant.outcomes import ledger
    from mailbox_assistant.outcomes.signin import create_sign_in
    from mailbox_assistant.settings import load_settings
    from worker.outcomes import LedgerCatchUp

    now = utcnow()
    with fresh_database(kind) as url:
        began = time.perf_counter()
        counts = load(url, disconnections, days, now)
        print(f"[{kind}] loaded {counts} in {time.perf_counter() - began:.0f} s")
        app = create_app(
            load_settings(
                database_url=url, secret_key="bench-secret-key-for-sessions-only", log_level="WARNING"
            )
        )
        engine = app.extensions["database"]["engine"]
        with session_scope(app.extensions["database"]["sessions"]) as session:
            key = create_key(session, "bench", "read")[1]
        began = time.perf_counter()
        with make_session_factory(engine)() as session:
            applied = ledger.catch_up(session)
        seconds = time.perf_counter() - began
        print(
            f"[{kind}] first catch-up of the ledger: {applied} state events and follow-ups in {seconds:.1f} s"
        )
        analyze(engine)
        with engine.connect() as connection:
            ledger_rows = connection.execute(text("SELECT count(*) FROM disconnections")).scalar_one()
        print(f"[{kind}] disconnections in the ledger: {ledger_rows}")

        client = app.test_client()
        headers = {"Authorization": f"Bearer {key}"}
        statements: list[str] = []
        event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

        def report(query: dict[str, str]):
            statements.clear()
            response = client.get("/api/v1/reports/outcomes", query_string=query, headers=headers)
            assert response.status_code == 200, response.get_data(as_text=True)
            return response.json

        for label, query in (
            ("last 30 days (default)", {}),
            (f"whole history ({days} days)", {"since": (now - timedelta(days=days + 1)).isoformat()}),
        ):
            p50, p95, body = timed(lambda q=query: report(q), runs)
            verdict = "meets" if p50 <= REPORT_BAR_MS else "MISSES"
            found = body["totals"]["disconnections"]
            print(
                f"[{kind}] report, {label}: {found} disconnections, p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
                f"{len(statements)} statements — {verdict} the {REPORT_BAR_MS} ms bar"
            )

        job = LedgerCatchUp(make_session_factory(engine), interval=timedelta(0))  # runs when asked
        caught_up, read_after, read_alone = [], [], []
        for burst in range(max(3, runs // 4)):
            _add_events(engine, 1000, now, 2 * burst)
            began = time.perf_counter()
            job.run_once()
            caught_up.append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            report({})
            read_after.append((time.perf_counter() - began) * 1000)
            writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
            assert not writes, writes  # the worker left nothing to apply
            _add_events(engine, 1000, now, 2 * burst + 1)
            began = time.perf_counter()
            report({})
            read_alone.append((time.perf_counter() - began) * 1000)
        print(
            f"[{kind}] 1,000 new events and 100 DMs: the worker's catch-up p50 "
            f"{statistics.median(caught_up):.0f} ms; the report after it p50 "
            f"{statistics.median(read_after):.0f} ms; with the worker down, the report (catching up "
            f"itself) p50 {statistics.median(read_alone):.0f} ms, max {max(read_alone):.0f} ms"
        )

        with make_session_factory(engine)() as session:
            token = create_sign_in(session, "bench@acme.com")
        browser = app.test_client()
        assert browser.post(f"/support/sign-in/{token}").status_code == 303
        p50, p95, _ = timed(lambda: browser.get("/support").status_code, runs)
        print(f"[{kind}] GET /support on the server: p50 {p50:.0f} ms, p95 {p95:.0f} ms")
        chromium_load(app, kind)
        app.extensions["database"]["engine"].dispose()


def _add_events(engine, count: int, now: datetime, burst: int = 0) -> None:
    """Record `count` new disconnections and reconnections (ids after the loaded ones) of count / 2
    mailboxes (others in each `burst`), and a DM about one disconnection in five."""
    from mailbox_assistant.mailboxes.models import Event
    from mailbox_assistant.notices.models import Notification

    with engine.begin() as connection:
        high = connection.execute(text("SELECT max(id) FROM events")).scalar_one()
        fleet = connection.execute(text("SELECT max(id) FROM mailboxes")).scalar_one()
        rows = [
            {
                "id": high + n + 1,
                "mailbox_id": (burst * count // 2 + n // 2) % fleet + 1,
                "type": "disconnected" if n % 2 == 0 else "reconnected",
                "error": ERRORS["token_expired"] if n % 2 == 0 else None,
                "reason": "token_expired" if n % 2 == 0 else None,
                "confidence": None,
                "occurred_at": now - timedelta(minutes=30 - n % 2 * 10 - burst),
                "recorded_at": now,
                "idempotency_key": None,
            }
            for n in range(count)
        ]
        connection.execute(insert(Event.__table__), rows)
        notices = [
            _notice(row["mailbox_id"], row["id"], now - timedelta(minutes=25))
            for row in rows[::10]
            if row["type"] == "disconnected"
        ]
        connection.execute(insert(Notification.__table__), notices)
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT setval('events_id_seq', (SELECT max(id) FROM events))"))


def chromium_load(app, kind: str) -> None:
    """The overview's load in headless Chromium (navigation start to load event), when it is installed."""
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        print(f"[{kind}] headless Chromium: not installed, skipped")
        return
    from playwright.sync_api import sync_playwright

    from mailbox_assistant.db import make_session_factory
    from mailbox_assistant.outcomes.signin import create_sign_in
    from tests.fakes.loopback import LoopbackServer

    server = LoopbackServer(app, name="bench-support").start()
    with make_session_factory(app.extensions["database"]["engine"])() as session:
        token = create_sign_in(session, "bench@acme.com")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, args=["--no-sandbox"], headless=True
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{server.url}/support/sign-in/{token}")
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/support")
            loads = []
            for _ in range(5):
                page.goto(f"{server.url}/support")
                loads.append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"))
            browser.close()
    finally:
        server.stop()
    p50 = statistics.median(loads)
    verdict = "meets" if p50 <= PAGE_BAR_MS else "MISSES"
    print(f"[{kind}] /support in headless Chromium: p50 {p50:.0f} ms — {verdict} the {PAGE_BAR_MS} ms bar")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--disconnections", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the loopback server's access lines
    print(f"machine: a 10M-step Python loop takes {machine_speed():.0f} ms; {os.cpu_count()} CPUs")
    for kind in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        run(kind, args.disconnections, args.days, args.runs)


if __name__ == "__main__":
    main()
