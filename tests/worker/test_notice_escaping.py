"""Proactive DMs show outside text as text: an address with Slack's control characters is escaped."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from mailbox_assistant.notices.messages import Notice, build_message
from tests.bot.factories import disconnected

ADDRESS = "a&b<!channel>@acme.com"  # what a hostile sync service could register


@pytest.mark.parametrize("kind", ["disconnected", "flapping", "incident", "reminder"])
def test_a_hostile_address_is_escaped_in_every_kind_of_dm(kind):
    notice = Notice(kind, disconnected(email=ADDRESS), flaps=3)

    reply = build_message([notice], lambda mailbox: "https://mailbox.example/reconnect/x").reply
    shown = reply.text + json.dumps(reply.blocks)

    assert "<!channel>" not in shown
    assert "a&amp;b&lt;!channel&gt;@acme.com" in shown


def test_a_hostile_address_is_escaped_when_it_reconnected():
    notice = Notice(
        "disconnected", disconnected(email=ADDRESS), resolved_at=datetime(2026, 11, 2, tzinfo=UTC)
    )

    reply = build_message([notice], lambda mailbox: "https://mailbox.example/reconnect/x").reply

    assert "<!channel>" not in reply.text + json.dumps(reply.blocks)
