"""The list's `last_warning`: a connected mailbox's newest `error` event since it last connected (the
token monitor's notice that a refresh token lapses soon), so the bot can tell its owner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mailbox_assistant.reconnect.monitor import expiry_warning


def days_ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def listed(client, auth, owner: str = "ana@acme.com") -> dict[str, dict]:
    page = client.get("/api/v1/mailboxes", query_string={"owner_email": owner}, headers=auth("read")).json
    return {m["email"]: m for m in page["items"]}


def test_a_connected_mailbox_lists_the_token_monitors_warning(client, auth, new_mailbox, post_event):
    mailbox = new_mailbox(email="ana@acme.com", owner_email="ana@acme.com")
    warning = expiry_warning("ana@acme.com", datetime.now(UTC) - timedelta(days=6))
    assert post_event(mailbox["id"], type="error", error=warning).status_code == 201

    [warned] = listed(client, auth).values()

    assert warned["status"] == "connected"
    assert warned["last_warning"]["error"] == warning
    assert warned["last_warning"]["reason"] == "token_expired" and warned["last_warning"]["occurred_at"]


def test_only_the_newest_warning_since_the_last_status_event_is_listed(client, auth, new_mailbox, post_event):
    renewed = new_mailbox(email="renewed@acme.com", owner_email="ana@acme.com")
    twice = new_mailbox(email="twice@acme.com", owner_email="ana@acme.com")
    old = new_mailbox(email="old@acme.com", owner_email="ana@acme.com")
    down = new_mailbox(email="down@acme.com", owner_email="ana@acme.com")
    post_event(renewed["id"], type="error", error="Refresh token expires soon", occurred_at=days_ago(2))
    post_event(renewed["id"], type="disconnected", error="invalid_grant", occurred_at=days_ago(1))
    post_event(renewed["id"], type="reconnected", occurred_at=days_ago(0.5))
    post_event(twice["id"], type="error", error="first warning", occurred_at=days_ago(3))
    post_event(twice["id"], type="error", error="second warning", occurred_at=days_ago(1))
    post_event(old["id"], type="error", error="a warning long ago", occurred_at=days_ago(8))
    post_event(down["id"], type="error", error="Refresh token expires soon", occurred_at=days_ago(1))
    post_event(down["id"], type="disconnected", error="invalid_grant", occurred_at=days_ago(0.5))

    found = listed(client, auth)

    assert found["renewed@acme.com"]["last_warning"] is None  # reconnected since: dealt with
    assert found["twice@acme.com"]["last_warning"]["error"] == "second warning"
    assert found["old@acme.com"]["last_warning"] is None
    assert found["down@acme.com"]["last_warning"] is None  # disconnected: the failure says it all
