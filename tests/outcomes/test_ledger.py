"""The ledger of disconnections: applied once whatever the batches or the processes, rebuilt the same, and
read by the report in a bounded number of statements."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, insert, select

from mailbox_assistant.db import make_session_factory
from mailbox_assistant.escalation.models import Escalation
from mailbox_assistant.outcomes import follow_ups, ledger, rollups
from mailbox_assistant.outcomes.report import outcomes_report
from tests.outcomes.conftest import case_row

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def seed_history(fleet, mailboxes: int = 3, prefix: str = "rep") -> None:
    """Each mailbox: disconnected, reported again, reconnected, disconnected again (still open)."""
    for number in range(mailboxes):
        mailbox = fleet.mailbox(f"{prefix}{number}@acme.com")
        fleet.disconnect(mailbox, START + number * MINUTE)
        fleet.disconnect(mailbox, START + (number + 1) * MINUTE)
        fleet.reconnect(mailbox, START + (number + 30) * MINUTE)
        fleet.disconnect(mailbox, START + timedelta(hours=2))


def ledger_rows(engine) -> list[tuple]:
    """The ledger, without its ids (which depend on the order rows were written in)."""
    columns = [c for c in ledger.ledger.c if c.name != "id"]
    with engine.connect() as connection:
        return sorted(connection.execute(select(*columns)).all(), key=lambda row: row.disconnect_event_id)


def test_the_ledger_is_the_same_whatever_the_batch_size(fleet, engine):
    seed_history(fleet)
    sessions = make_session_factory(engine)

    with sessions() as session:
        assert ledger.catch_up(session) == 12  # 9 disconnected events and 3 reconnected
    in_one_batch = ledger_rows(engine)
    for batch_size in (1, 2):  # one event per batch: each change is made to a row written before
        with sessions() as session:
            ledger.rebuild(session, batch_size=batch_size)
        assert ledger_rows(engine) == in_one_batch

    assert len(in_one_batch) == 6  # each mailbox disconnected twice
    first = in_one_batch[0]
    assert first.reconnect_seconds == 30 * 60 and first.closes_at == first.disconnected_at + timedelta(
        hours=2
    )


def test_a_second_catch_up_applies_nothing_and_writes_nothing(fleet, engine):
    seed_history(fleet, mailboxes=1)
    sessions = make_session_factory(engine)
    with sessions() as session:
        ledger.catch_up(session)
    statements = record_statements(engine)

    with sessions() as session:
        assert ledger.catch_up(session) == 0

    assert not [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_processes_catching_up_at_once_apply_each_event_once(fleet, engine):
    seed_history(fleet, mailboxes=5)
    for number in range(5):  # what followed: a case, a vote, a DM and an answer each
        mailbox = fleet.mailbox(f"more{number}@acme.com")
        event_id = fleet.disconnect(mailbox, START + number * MINUTE)
        fleet.escalate(mailbox, START + timedelta(hours=1))
        fleet.vote(mailbox, START + timedelta(hours=1), helpful=number % 2 == 0, voter=f"U{number}")
        fleet.notify(mailbox, event_id, START + (number + 2) * MINUTE)
        fleet.answer(mailbox, START + (number + 3) * MINUTE, asker=f"U{number}")
    sessions = make_session_factory(engine)
    errors: list[BaseException] = []

    def catch_up() -> None:
        try:
            with sessions() as session:
                ledger.catch_up(session, batch_size=3)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=catch_up) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(ledger_rows(engine)) == 15
    assert rollup_sums(engine) == row_sums(engine)
    totals = fleet.report(since=START - timedelta(days=1), until=START + timedelta(days=1))["totals"]
    assert (totals["escalated"], totals["feedback_yes"], totals["feedback_no"]) == (5, 3, 2)
    assert (totals["notified"], totals["median_minutes_to_first_notice"]) == (5, 2.0)


def test_a_case_whose_id_was_drawn_first_but_committed_later_is_counted(fleet, engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: rows appear in id order")
    early, late = fleet.mailbox("early@acme.com"), fleet.mailbox("late@acme.com")
    for mailbox in (early, late):
        fleet.disconnect(mailbox, START)
    period = {"since": START - timedelta(days=1), "until": START + timedelta(days=1)}
    now = datetime.now(UTC)
    sessions = make_session_factory(engine)

    def catch_up(after: timedelta) -> None:
        with sessions() as session:
            ledger.catch_up(session, clock=lambda: now + after)

    catch_up(timedelta(0))
    with engine.connect() as slow:
        slow.begin()
        slow.execute(insert(Escalation.__table__).values(case_row(early, START + MINUTE)))  # its id first
        fleet.escalate(late, START + MINUTE)  # a higher id, committed at once
        for seconds in (5, 10, 15):  # read past both ids, but not settled past them: too soon
            catch_up(timedelta(seconds=seconds))
        slow.commit()
    assert fleet.report(**period)["totals"]["escalated"] == 1  # read again only once it may settle

    catch_up(follow_ups.SETTLE_TIME + timedelta(seconds=10))

    assert fleet.report(**period)["totals"]["escalated"] == 2


def rollup_sums(engine) -> dict:
    """The per-day rollups, summed by day, reason and provider."""
    days = rollups.days
    with engine.connect() as connection:
        return {
            (row.day, row.reason, row.provider): tuple(row[3:])
            for row in connection.execute(
                select(
                    days.c.day, days.c.reason, days.c.provider, *(days.c[name] for name in rollups.FIGURES)
                )
            )
            if any(row[3:])
        }


def row_sums(engine) -> dict:
    """What the ledger's rows add up to, by day, reason and provider (rollups.contribution)."""
    sums: dict = {}
    with engine.connect() as connection:
        for row in connection.execute(select(ledger.ledger)).mappings():
            key = rollups.key(row)
            sums[key] = tuple(
                a + b
                for a, b in zip(
                    sums.get(key, (0,) * len(rollups.FIGURES)), rollups.contribution(row), strict=True
                )
            )
    return sums


def test_the_report_takes_the_same_few_statements_for_3_or_30_disconnections(fleet, engine):
    sessions = make_session_factory(engine)
    with_new_events, without = [], []
    for mailboxes in (3, 30):
        seed_history(fleet, mailboxes=mailboxes - len(without) * 3, prefix=f"round{len(without)}-")
        fleet.escalate(fleet.mailbox(f"case{mailboxes}@acme.com"), START)
        fleet.vote(fleet.mailbox(f"vote{mailboxes}@acme.com"), START, helpful=True)
        told = fleet.mailbox(f"told{mailboxes}@acme.com")
        fleet.notify(told, fleet.disconnect(told, START), START + MINUTE)
        fleet.answer(told, START + 2 * MINUTE, asker=f"U{mailboxes}")
        for counts in (with_new_events, without):  # the report catches the ledger up, then reads it
            statements = record_statements(engine)
            with sessions() as session:
                report = outcomes_report(session, START - timedelta(days=1), START + timedelta(days=1))
            event.remove(engine, "before_cursor_execute", statements.listener)
            assert report.totals.disconnections == mailboxes * 2 + len(without) + 1
            counts.append(len(statements))

    # Nothing new: the cursors, the newest event id, whether any follow-up is new, then the report's two
    # reads (the figures; the medians) (plus SQLite's BEGINs).
    assert without[0] == without[1] <= 8
    # New events and follow-ups (fewer than a batch): one write transaction more, whatever their number
    # (the follow-ups of each table, the events, the rows they change, the rollups).
    assert with_new_events[0] == with_new_events[1] <= 28


class _Statements(list):
    listener = None


def record_statements(engine) -> _Statements:
    """The SQL statements `engine` runs from now on."""
    statements = _Statements()

    def listener(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    statements.listener = listener
    event.listen(engine, "before_cursor_execute", listener)
    return statements


def test_a_disconnection_recorded_late_does_not_cut_short_a_later_ones_follow_up(fleet, engine):
    mailbox = fleet.mailbox("rep@acme.com")
    fleet.disconnect(mailbox, START + timedelta(days=1))
    fleet.reconnect(mailbox, START + timedelta(days=1, minutes=10))
    fleet.disconnect(mailbox, START)  # recorded now, it happened a day earlier
    fleet.vote(mailbox, START + timedelta(days=1, minutes=20), helpful=True)

    totals = fleet.report(since=START - timedelta(days=1), until=START + timedelta(days=3))["totals"]

    assert (totals["disconnections"], totals["feedback_yes"]) == (2, 1)
