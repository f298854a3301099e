"""Owners with more mailboxes than a page holds: every one is read through the cursor, and an admin's
lookup of one address is a single exact request, wherever the mailbox stands in the list."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from mailbox_assistant.mailboxes.client import StatusClient
from mailbox_assistant.mailboxes.models import Mailbox
from tests.bot.blockutil import block_ids
from tests.bot.test_direct_messages import reply_to, requested_routes

OWNER = "big@acme.com"
FLEET = 1100


@pytest.fixture
def big_fleet(engine) -> list[int]:
    """FLEET mailboxes of one owner, inserted in one statement (the API would take a request each)."""
    now = datetime.now(UTC)
    rows = [
        {
            "email": f"box{number:04d}@acme.com",
            "provider": "google",
            "owner_email": OWNER,
            "status": "connected",
            "created_at": now,
            "updated_at": now,
        }
        for number in range(1, FLEET + 1)
    ]
    with engine.begin() as connection:
        connection.execute(insert(Mailbox), rows)
        return list(connection.scalars(Mailbox.__table__.select().with_only_columns(Mailbox.id)))


def test_every_mailbox_of_an_owner_with_1100_is_read_through_the_cursor(big_fleet, live_api, api_keys):
    source = StatusClient(live_api, api_keys["read"], timeout=10.0)  # paging is tested here, not speed

    mailboxes = source.mailboxes_for("BIG@acme.com")

    assert len(mailboxes) == FLEET
    assert [int(m.id) for m in mailboxes] == sorted(big_fleet)
    assert mailboxes[-1].email == "box1100@acme.com"


def test_one_address_is_found_with_one_request(big_fleet, live_api, api_keys, caplog):
    source = StatusClient(live_api, api_keys["read"], timeout=10.0)
    caplog.set_level(logging.INFO, logger="api.requests")

    found = source.mailbox_by_email("Box1050@ACME.com")
    missing = source.mailbox_by_email("nobody@acme.com")

    assert found is not None and (found.email, found.owner_email) == ("box1050@acme.com", OWNER)
    assert missing is None
    assert requested_routes(caplog) == ["/api/v1/mailboxes"] * 2


def test_an_admin_asking_about_the_1050th_mailbox_of_an_owner_gets_its_cause(
    big_fleet, slack, fake_slack, client, api_keys
):
    mailbox_id = sorted(big_fleet)[1049]
    response = client.post(
        f"/api/v1/mailboxes/{mailbox_id}/events",
        json={"type": "disconnected", "error": "invalid_grant: Token has been expired or revoked."},
        headers={"Authorization": f"Bearer {api_keys['write']}"},
    )
    assert response.status_code == 201

    slack.dm("U_ADMIN", "why did <mailto:box1050@acme.com|box1050@acme.com> disconnect?")

    blocks = reply_to(fake_slack, "DU_ADMIN")["blocks"]
    assert f"reason:token_expired:{mailbox_id}" in block_ids(blocks)
