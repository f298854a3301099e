"""Contract of the event endpoints: recording with status changes, idempotency, history, the feed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import requests

EVENT_FIELDS = {
    "id",
    "mailbox_id",
    "type",
    "error",
    "reason",
    "confidence",
    "occurred_at",
    "recorded_at",
    "idempotency_key",
}


def test_disconnected_event_is_recorded_and_disconnects_the_mailbox(client, auth, new_mailbox, post_event):
    mailbox = new_mailbox()

    response = post_event(
        mailbox["id"], type="disconnected", error="invalid_grant", occurred_at="2026-03-01T10:00:00+02:00"
    )

    assert response.status_code == 201
    event = response.json
    assert event.keys() == EVENT_FIELDS
    assert event["occurred_at"] == "2026-03-01T08:00:00+00:00"
    assert isinstance(event["reason"], str) and isinstance(event["confidence"], float)
    now = client.get(f"/api/v1/mailboxes/{mailbox['id']}", headers=auth("read")).json
    assert now["status"] == "disconnected"
    assert now["disconnected_at"] == "2026-03-01T08:00:00+00:00"
    assert now["last_failure"] == {
        "reason": event["reason"],
        "title": now["last_failure"]["title"],
        "error": "invalid_grant",
        "occurred_at": "2026-03-01T08:00:00+00:00",
        "confidence": event["confidence"],
    }
    assert now["last_failure"]["title"]


def test_disconnected_event_without_error_is_classified_unknown(new_mailbox, post_event):
    mailbox = new_mailbox()

    event = post_event(mailbox["id"], type="disconnected").json

    assert (event["reason"], event["confidence"]) == ("unknown", 0.0)


def test_second_disconnection_updates_last_failure_but_keeps_disconnected_at(
    client, auth, new_mailbox, post_event
):
    mailbox = new_mailbox()
    post_event(mailbox["id"], type="disconnected", error="first", occurred_at="2026-03-01T08:00:00Z")

    post_event(mailbox["id"], type="disconnected", error="second", occurred_at="2026-03-01T09:00:00Z")

    now = client.get(f"/api/v1/mailboxes/{mailbox['id']}", headers=auth("read")).json
    assert now["disconnected_at"] == "2026-03-01T08:00:00+00:00"
    assert now["last_failure"]["error"] == "second"
    assert now["last_failure"]["occurred_at"] == "2026-03-01T09:00:00+00:00"


def test_reconnection_clears_disconnected_at_and_keeps_last_failure(client, auth, new_mailbox, post_event):
    mailbox = new_mailbox()
    post_event(mailbox["id"], type="disconnected", error="invalid_grant")

    response = post_event(mailbox["id"], type="reconnected")

    assert (response.json["reason"], response.json["confidence"]) == (None, None)
    now = client.get(f"/api/v1/mailboxes/{mailbox['id']}", headers=auth("read")).json
    assert (now["status"], now["disconnected_at"]) == ("connected", None)
    assert now["last_failure"]["error"] == "invalid_grant"


def test_error_event_is_history_only(client, auth, new_mailbox, post_event):
    mailbox = new_mailbox()

    response = post_event(mailbox["id"], type="error", error="Quota exceeded")

    assert response.status_code == 201
    now = client.get(f"/api/v1/mailboxes/{mailbox['id']}", headers=auth("read")).json
    assert (now["status"], now["last_failure"]) == ("connected", None)
    history = client.get(f"/api/v1/mailboxes/{mailbox['id']}/events", headers=auth("read")).json
    assert [e["type"] for e in history["items"]] == ["error"]


def test_same_idempotency_key_returns_first_event(client, auth, new_mailbox, post_event):
    mailbox = new_mailbox()
    first = post_event(mailbox["id"], type="disconnected", error="a", idempotency_key="k-1")

    again = post_event(mailbox["id"], type="reconnected", idempotency_key="k-1")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json == first.json
    now = client.get(f"/api/v1/mailboxes/{mailbox['id']}", headers=auth("read")).json
    assert now["status"] == "disconnected"


def test_idempotency_keys_are_per_mailbox(new_mailbox, post_event):
    one, two = new_mailbox(email="one@acme.com"), new_mailbox(email="two@acme.com")

    first = post_event(one["id"], type="error", idempotency_key="same")
    second = post_event(two["id"], type="error", idempotency_key="same")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json["id"] != second.json["id"]


def test_event_for_unknown_mailbox_is_404(post_event):
    response = post_event(12345, type="error")

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_naive_timestamp_is_422(post_event, new_mailbox):
    mailbox = new_mailbox()

    response = post_event(mailbox["id"], type="disconnected", occurred_at="2026-03-01T10:00:00")

    assert response.status_code == 422
    assert response.json["errors"][0]["loc"] == "body.occurred_at"


def test_bad_event_bodies_are_422_and_record_nothing(client, auth, new_mailbox, post_event):
    mailbox = new_mailbox()
    bad_bodies = [
        {"type": "exploded"},
        {"type": "error", "severity": "high"},
        {"type": "error", "error": "nul\x00byte"},
        {"type": "error", "occurred_at": "0001-01-01T00:00:00+05:00"},
        {"type": "error", "idempotency_key": ""},
    ]

    statuses = [post_event(mailbox["id"], **body).status_code for body in bad_bodies]

    assert statuses == [422] * len(bad_bodies)
    history = client.get(f"/api/v1/mailboxes/{mailbox['id']}/events", headers=auth("read")).json
    assert history["items"] == []


def test_history_is_newest_first_and_pages_with_before(client, auth, new_mailbox, post_event):
    mailbox = new_mailbox()
    ids = [post_event(mailbox["id"], type="error", error=f"e{i}").json["id"] for i in range(5)]
    url = f"/api/v1/mailboxes/{mailbox['id']}/events"

    first = client.get(url, query_string={"limit": 3}, headers=auth("read")).json
    rest = client.get(
        url, query_string={"limit": 3, "before": first["next_before"]}, headers=auth("read")
    ).json

    assert [e["id"] for e in first["items"]] == ids[:-4:-1]
    assert [e["id"] for e in rest["items"]] == ids[1::-1]
    assert rest["next_before"] is None


def test_history_of_unknown_mailbox_is_404(client, auth):
    response = client.get("/api/v1/mailboxes/777/events", headers=auth("read"))

    assert response.status_code == 404


def test_feed_returns_events_in_id_order_with_their_mailbox_now(client, auth, new_mailbox, post_event):
    one, two = new_mailbox(email="one@acme.com"), new_mailbox(email="two@acme.com")
    posted = [
        post_event(one["id"], type="disconnected", error="x").json,
        post_event(two["id"], type="error").json,
        post_event(one["id"], type="reconnected").json,
    ]

    page = client.get("/api/v1/events", headers=auth("read")).json

    assert [e["id"] for e in page["items"]] == [e["id"] for e in posted]
    assert page["next_after"] == posted[-1]["id"]
    assert page["items"][0]["mailbox"]["status"] == "connected"  # as of now, not as of the event
    assert page["items"][1]["mailbox"]["email"] == "two@acme.com"


def test_feed_pages_with_after_and_an_empty_page_keeps_the_position(client, auth, new_mailbox, post_event):
    mailbox = new_mailbox()
    ids = [post_event(mailbox["id"], type="error").json["id"] for _ in range(3)]

    first = client.get("/api/v1/events?limit=2", headers=auth("read")).json
    second = client.get(f"/api/v1/events?limit=2&after={first['next_after']}", headers=auth("read")).json
    empty = client.get(f"/api/v1/events?after={second['next_after']}", headers=auth("read")).json

    assert [e["id"] for e in first["items"] + second["items"]] == ids
    assert (empty["items"], empty["next_after"]) == ([], ids[-1])


def test_bad_feed_position_is_422(client, auth):
    response = client.get("/api/v1/events?after=-1", headers=auth("read"))

    assert response.status_code == 422
    assert response.json["errors"][0]["loc"] == "query.after"


def test_concurrent_posts_record_each_event_once_and_leave_a_consistent_status(live_api, auth, new_mailbox):
    mailbox = new_mailbox()
    url = f"{live_api}/api/v1/mailboxes/{mailbox['id']}/events"
    bodies = [{"type": "disconnected", "error": f"e{i}"} for i in range(10)]
    bodies += [{"type": "disconnected", "error": "dup", "idempotency_key": "same"} for _ in range(10)]
    barrier = Barrier(len(bodies))

    def post(body):
        barrier.wait(timeout=10)
        return requests.post(url, json=body, headers=auth("write"), timeout=60)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        responses = list(pool.map(post, bodies))

    keyed = [r for r, body in zip(responses, bodies, strict=True) if body.get("idempotency_key")]
    assert sorted(r.status_code for r in keyed) == [200] * 9 + [201]
    assert len({r.json()["id"] for r in keyed}) == 1
    assert all(r.status_code == 201 for r in responses[:10])
    history = requests.get(f"{url}?limit=100", headers=auth("read"), timeout=10).json()["items"]
    assert len(history) == 11
    now = requests.get(
        f"{live_api}/api/v1/mailboxes/{mailbox['id']}", headers=auth("read"), timeout=10
    ).json()
    first_disconnection = min(history, key=lambda e: e["id"])
    last_disconnection = max(history, key=lambda e: e["id"])
    assert now["status"] == "disconnected"
    assert now["disconnected_at"] == first_disconnection["occurred_at"]
    assert now["last_failure"]["error"] == last_disconnection["error"]


def test_ids_beyond_64_bits_are_404_not_a_crash(client, auth, post_event):
    huge = 2**70

    responses = [
        post_event(huge, type="error"),
        client.get(f"/api/v1/mailboxes/{huge}", headers=auth("read")),
        client.get(f"/api/v1/mailboxes/{huge}/events", headers=auth("read")),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
