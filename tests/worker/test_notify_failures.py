"""Slack failures and dying workers: 429 Retry-After, 5xx, a worker killed mid-batch, two workers at once."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from mailbox_assistant.db import make_session_factory, session_scope
from mailbox_assistant.notices.models import Notification
from mailbox_assistant.notices.slack import notice_metadata
from tests.worker.notices import mailbox_ids


def statuses(engine):
    with session_scope(make_session_factory(engine)) as session:
        return [(row.status, row.attempts) for row in session.execute(select(Notification)).scalars()]


def test_a_429_is_retried_after_its_retry_after(slack, status_api, make_worker):
    mailbox_id = status_api.mailbox("ana@acme.com", owner="ana@acme.com")
    status_api.disconnect(mailbox_id)
    slack.fail_next("chat.postMessage", 429, headers={"Retry-After": "0"})

    make_worker().run_until_idle()

    assert len(slack.calls_to("chat.postMessage")) == 2
    assert len(slack.posted()) == 1


def test_a_long_retry_after_goes_back_to_the_outbox_and_is_sent_when_it_has_passed(
    slack, status_api, make_worker, clock, engine
):
    mailbox_id = status_api.mailbox("ana@acme.com", owner="ana@acme.com")
    status_api.disconnect(mailbox_id)
    slack.fail_next("chat.postMessage", 429, headers={"Retry-After": "30"})
    worker = make_worker()

    worker.run_until_idle(tick_seconds=5)  # two idle ticks of 5 s: still inside the 30 s
    waiting = statuses(engine)
    clock.advance(seconds=30)
    worker.run_until_idle()

    assert waiting == [("pending", 0)]
    assert len(slack.posted()) == 1


def test_server_errors_are_retried_in_place_then_with_backoff(slack, status_api, make_worker, clock, engine):
    mailbox_id = status_api.mailbox("ana@acme.com", owner="ana@acme.com")
    status_api.disconnect(mailbox_id)
    slack.fail_next("chat.postMessage", 500, times=1)
    worker = make_worker()
    worker.run_until_idle()
    assert len(slack.posted()) == 1

    second = status_api.mailbox("ana2@acme.com", owner="bo@acme.com")
    status_api.disconnect(second)
    slack.fail_next("chat.postMessage", 503, times=3)  # beyond the client's two retries
    worker.feed.run_once()
    worker.delivery.run_once()
    backing_off = sorted(statuses(engine))
    clock.advance(minutes=1)
    worker.run_until_idle()

    assert backing_off == [("pending", 1), ("sent", 0)]
    assert len(slack.posted()) == 2


def test_a_worker_killed_after_slack_accepted_is_not_sent_twice(slack, status_api, make_worker, clock):
    mailbox_id = status_api.mailbox("ana@acme.com", owner="ana@acme.com")
    status_api.disconnect(mailbox_id)
    doomed = make_worker()
    doomed.feed.run_once()
    # The doomed worker leases the owner, marks the row as being sent, posts… and dies before recording it.
    [(owner, _token)] = doomed.delivery.outbox.lease_owners(1)
    [row] = doomed.delivery.outbox.due_rows(owner)
    doomed.delivery.outbox.mark_sending([row.id])
    doomed.delivery.slack.users_lookupByEmail(email=owner)
    doomed.delivery.slack.chat_postMessage(channel="D_ANA", text="…", metadata=notice_metadata([row.id]))

    clock.advance(seconds=31)  # past the lease
    make_worker().run_until_idle()

    assert len(slack.posted()) == 1


def test_a_worker_killed_before_posting_loses_nothing(slack, status_api, make_worker, clock):
    mailbox_id = status_api.mailbox("ana@acme.com", owner="ana@acme.com")
    status_api.disconnect(mailbox_id)
    doomed = make_worker()
    doomed.feed.run_once()
    [(owner, _token)] = doomed.delivery.outbox.lease_owners(1)
    [row] = doomed.delivery.outbox.due_rows(owner)
    doomed.delivery.outbox.mark_sending([row.id])  # …and dies here

    survivor = make_worker()
    survivor.run_until_idle()
    held = len(slack.posted())
    clock.advance(seconds=31)
    survivor.run_until_idle()

    assert held == 0
    [dm] = slack.posted()
    assert mailbox_ids(dm) == [str(mailbox_id)]


def test_two_workers_at_once_send_one_dm_per_disconnection(slack, status_api, make_worker, engine):
    owners = [f"owner{n}@acme.com" for n in range(6)]
    for n, owner in enumerate(owners):
        slack.add_user(f"U_O{n}", owner)
    ids = [status_api.mailbox(f"box{n}@acme.com", owner=owners[n % 6]) for n in range(30)]
    workers = [make_worker(concurrency=4), make_worker(concurrency=4)]
    done = threading.Event()
    errors: list[BaseException] = []

    def loop(worker) -> None:
        try:
            while not done.is_set():
                if not sum(job.run_once() for job in (worker.feed, worker.delivery)):
                    worker.clock.advance(seconds=0.2)
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=loop, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    try:
        for mailbox_id in ids:
            status_api.disconnect(mailbox_id)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            told = Counter(m for dm in slack.posted() for m in mailbox_ids(dm))
            if len(told) == len(ids) and all(s == "sent" for s, _ in statuses(engine)):
                break
            time.sleep(0.05)
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=10)

    assert not errors
    told = Counter(m for dm in slack.posted() for m in mailbox_ids(dm))
    assert told == Counter(str(i) for i in ids)  # every disconnection told, none twice


def test_a_notice_whose_stored_mailbox_is_damaged_is_still_sent_with_the_owners_others(
    slack, status_api, make_worker, engine
):
    first = status_api.mailbox("ana@acme.com", owner="ana@acme.com")
    second = status_api.mailbox("ana.sales@acme.com", owner="ana@acme.com")
    status_api.disconnect(first)
    status_api.disconnect(second)
    worker = make_worker()
    while worker.feed.run_once():
        pass
    with session_scope(make_session_factory(engine)) as session:
        damaged = session.execute(select(Notification).where(Notification.mailbox_id == first)).scalar_one()
        damaged.mailbox = {"id": first, "email": None, "status": ["not", "a", "status"]}

    worker.run_until_idle()

    assert sorted(mailbox_ids(slack.posted()[0])) == sorted([str(first), str(second)])
    assert [status for status, _ in statuses(engine)] == ["sent", "sent"]


def test_a_turn_that_keeps_failing_counts_its_attempts_and_gives_up(
    slack, status_api, make_worker, engine, clock
):
    mailbox_id = status_api.mailbox("ana@acme.com", owner="ana@acme.com")
    status_api.disconnect(mailbox_id)
    worker = make_worker()
    while worker.feed.run_once():
        pass
    worker.delivery.status = None  # our own code fails on every turn (no status client to ask)
    with session_scope(make_session_factory(engine)) as session:
        session.execute(select(Notification)).scalar_one().created_at -= timedelta(hours=1)  # not fresh

    for _ in range(12):
        worker.run_until_idle()
        clock.advance(seconds=3600)

    [(status, attempts)] = statuses(engine)
    assert (status, attempts) == ("failed", 8)
    with session_scope(make_session_factory(engine)) as session:
        assert "AttributeError" in session.execute(select(Notification)).scalar_one().last_error
