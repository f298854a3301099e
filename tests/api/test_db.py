"""mailbox_assistant.db: write transactions and the event-order lock that keeps the feed gap-free."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import select, text

from mailbox_assistant.db import begin_write, make_engine, make_session_factory
from mailbox_assistant.mailboxes.models import Event


@pytest.fixture
def slow_event_inserts(engine):
    """On PostgreSQL, make each event insert wait a few ms between taking its id and committing."""
    if engine.dialect.name != "postgresql":
        yield  # SQLite has one writer at a time by construction
        return
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE FUNCTION slow_insert() RETURNS trigger AS "
                "$$ BEGIN PERFORM pg_sleep(random() * 0.01); RETURN NEW; END $$ LANGUAGE plpgsql"
            )
        )
        connection.execute(
            text(
                "CREATE TRIGGER slow_insert AFTER INSERT ON events "
                "FOR EACH ROW EXECUTE FUNCTION slow_insert()"
            )
        )
    yield
    with engine.begin() as connection:
        connection.execute(text("DROP TRIGGER slow_insert ON events"))
        connection.execute(text("DROP FUNCTION slow_insert()"))


def test_feed_never_skips_an_event_under_concurrent_writers(
    live_api, auth, new_mailbox, engine, slow_event_inserts
):
    mailbox_ids = [new_mailbox(email=f"m{i}@acme.com")["id"] for i in range(4)]
    writers_done = threading.Event()
    session = requests.Session()

    def write(writer: int) -> None:
        with requests.Session() as http:
            for n in range(30):
                mailbox_id = mailbox_ids[(writer + n) % len(mailbox_ids)]
                body = {"type": "disconnected" if n % 2 else "reconnected", "error": f"w{writer}-{n}"}
                response = http.post(
                    f"{live_api}/api/v1/mailboxes/{mailbox_id}/events",
                    json=body,
                    headers=auth("write"),
                    timeout=30,
                )
                assert response.status_code == 201

    def read() -> list[int]:
        seen, after = [], 0
        while True:
            finished = writers_done.is_set()  # read the flag first: the page below then covers every write
            page = session.get(
                f"{live_api}/api/v1/events",
                params={"after": after, "limit": 7},
                headers=auth("read"),
                timeout=30,
            ).json()
            seen += [item["id"] for item in page["items"]]
            after = page["next_after"]
            if finished and not page["items"]:
                return seen

    with ThreadPoolExecutor(max_workers=7) as pool:
        reader = pool.submit(read)
        writers = [pool.submit(write, w) for w in range(6)]
        for writer in writers:
            writer.result(timeout=120)
        writers_done.set()
        seen = reader.result(timeout=120)

    with make_session_factory(engine)() as db:
        recorded = list(db.execute(select(Event.id).order_by(Event.id)).scalars())
    assert len(recorded) == 180
    assert seen == recorded


def test_begin_write_refuses_a_session_with_pending_changes(engine):
    with make_session_factory(engine)() as session:
        session.add(Event(mailbox_id=1, type="error"))

        with pytest.raises(RuntimeError):
            begin_write(session)


def test_begin_write_on_sqlite_holds_the_write_lock_from_begin(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/lock.db")
    other = sqlite3.connect(tmp_path / "lock.db", timeout=0, isolation_level=None)

    with make_session_factory(engine)() as session:
        begin_write(session)

        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")

    other.close()
    engine.dispose()
