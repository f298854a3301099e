"""The event-id table that makes retried deliveries no-ops, on each database."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from bot.dedupe import EventDedupe, replay_key
from mailbox_assistant.db import make_engine
from mailbox_assistant.settings import ConfigError


def test_an_event_id_is_new_only_once(engine):
    dedupe = EventDedupe(engine)

    assert dedupe.first_delivery("Ev1") is True
    assert dedupe.first_delivery("Ev1") is False
    assert dedupe.first_delivery("Ev2") is True


def test_concurrent_deliveries_of_one_event_let_exactly_one_through(engine):
    dedupe = EventDedupe(engine)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: dedupe.first_delivery("EvRace"), range(8)))

    assert results.count(True) == 1


def test_purge_forgets_old_events_only(engine):
    dedupe = EventDedupe(engine)
    dedupe.first_delivery("EvOld")

    assert dedupe.purge(older_than=timedelta(days=1)) == 0
    assert dedupe.purge(older_than=timedelta(seconds=-1)) == 1
    assert dedupe.first_delivery("EvOld") is True


def test_missing_table_is_reported_clearly(tmp_path):
    with pytest.raises(ConfigError, match="db upgrade"):
        EventDedupe(make_engine(f"sqlite:///{tmp_path}/empty.db")).check_table()


def test_commands_and_interactions_are_keyed_by_their_signature_events_are_not():
    signed = {"x-slack-signature": ["v0=" + "a" * 64]}
    other = {"x-slack-signature": ["v0=" + "b" * 64]}
    command = {"command": "/mailbox", "text": "status"}
    click = {"type": "block_actions", "actions": []}

    assert replay_key(command, signed) == replay_key(click, signed) != replay_key(command, other)
    assert len(replay_key(command, signed)) <= 64
    assert replay_key({"type": "event_callback", "event_id": "Ev1"}, signed) is None
    assert replay_key(command, {}) is None  # Socket Mode: nothing signed to replay
