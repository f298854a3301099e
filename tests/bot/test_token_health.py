"""The token monitor's warning reaches the person, end to end: a connected mailbox whose Google
testing-mode sign-in lapses soon is shown with when and what to do, in the answer and on Home."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mailbox_assistant.reconnect.monitor import expiry_warning
from tests.bot.blockutil import all_text, block_ids
from tests.bot.test_direct_messages import reply_to


def warn(client, api_keys, mailbox, consented_days_ago: float = 6) -> str:
    """Record the token monitor's expiry warning on `mailbox`, as the worker does."""
    text = expiry_warning(mailbox["email"], datetime.now(UTC) - timedelta(days=consented_days_ago))
    response = client.post(
        f"/api/v1/mailboxes/{mailbox['id']}/events",
        json={"type": "error", "error": text},
        headers={"Authorization": f"Bearer {api_keys['write']}"},
    )
    assert response.status_code == 201
    return text


def test_the_answer_says_when_the_sign_in_lapses_and_what_to_do(slack, fake_slack, seed, client, api_keys):
    mailbox = seed("ana@acme.com")
    warn(client, api_keys, mailbox)

    slack.dm("U_ANA", "is my mailbox ok?")

    blocks = reply_to(fake_slack, "DU_ANA")["blocks"]
    text = all_text(blocks)
    assert "token_health" in block_ids(blocks)
    assert "Good news" not in text and "sign-in expires on <!date^" in text
    assert "Settings → Mailboxes" in text and "Publish app" in text


def test_home_shows_the_coming_lapse(slack, fake_slack, seed, client, api_keys):
    warn(client, api_keys, seed("ana@acme.com"))
    seed(
        "ana.ops@acme.com",
        owner_email="ana@acme.com",
        error="invalid_grant: Token has been expired or revoked.",
    )

    slack.event({"type": "app_home_opened", "user": "U_ANA", "channel": "DU_ANA", "tab": "home"})

    blocks = fake_slack.wait_for_call("views.publish")[0].body["view"]["blocks"]
    assert "token_health" in block_ids(blocks) and "sign-in expires on" in all_text(blocks)


def test_a_fleets_summary_counts_the_coming_lapses(slack, fake_slack, seed, client, api_keys):
    mailboxes = [seed(f"ana.{n}@acme.com", owner_email="ana@acme.com") for n in range(12)]
    for mailbox in mailboxes[:3]:
        warn(client, api_keys, mailbox)

    slack.dm("U_ANA", "why did my mailbox disconnect?")

    blocks = reply_to(fake_slack, "DU_ANA")["blocks"]
    assert "3 connected mailboxes need signing in again soon" in all_text(blocks[:1])
    assert all(m["email"] in all_text(blocks) for m in mailboxes[:3])


def test_a_reconnect_since_the_warning_clears_it(slack, fake_slack, seed, client, api_keys):
    mailbox = seed("ana@acme.com")
    warn(client, api_keys, mailbox)
    write = {"Authorization": f"Bearer {api_keys['write']}"}
    client.post(
        f"/api/v1/mailboxes/{mailbox['id']}/events",
        json={"type": "disconnected", "error": "x"},
        headers=write,
    )
    client.post(f"/api/v1/mailboxes/{mailbox['id']}/events", json={"type": "reconnected"}, headers=write)

    slack.dm("U_ANA", "is my mailbox ok?")

    assert "token_health" not in block_ids(reply_to(fake_slack, "DU_ANA")["blocks"])
