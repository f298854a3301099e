"""Contract of /api/v1/mailboxes: upsert by email, listing with filters and cursors, reading one."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from threading import Barrier

import requests
from flask import Blueprint
from sqlalchemy import event, text

from api.keys import revoke_key
from mailbox_assistant.db import session_scope

MAILBOX_FIELDS = {"id", "email", "provider", "owner_email", "status", "disconnected_at", "last_failure"}


def test_new_mailbox_is_created_connected(client, auth):
    response = client.post(
        "/api/v1/mailboxes",
        json={"email": "Rep@Acme.com", "provider": "Google", "owner_email": "Boss@Acme.com"},
        headers=auth("write"),
    )

    assert response.status_code == 201
    body = response.json
    assert body.keys() >= MAILBOX_FIELDS
    assert body["email"] == "rep@acme.com"
    assert body["provider"] == "google"
    assert body["owner_email"] == "boss@acme.com"
    assert body["status"] == "connected"
    assert body["disconnected_at"] is None
    assert body["last_failure"] is None
    assert body["created_at"].endswith("+00:00")


def test_same_email_in_any_case_returns_the_existing_mailbox(client, auth, new_mailbox):
    first = new_mailbox(email="rep@acme.com")

    again = client.post(
        "/api/v1/mailboxes",
        json={"email": "REP@acme.COM", "provider": "google", "owner_email": "rep@acme.com"},
        headers=auth("write"),
    )

    assert again.status_code == 200
    assert again.json["id"] == first["id"]
    listed = client.get("/api/v1/mailboxes", headers=auth("read")).json["items"]
    assert [m["id"] for m in listed] == [first["id"]]


def test_registering_again_updates_provider_and_owner(client, auth, new_mailbox):
    first = new_mailbox(email="rep@acme.com", provider="imap", owner_email="old@acme.com")

    again = new_mailbox(email="rep@acme.com", provider="microsoft", owner_email="new@acme.com")

    assert again["id"] == first["id"]
    assert (again["provider"], again["owner_email"]) == ("microsoft", "new@acme.com")


def test_concurrent_registration_of_one_email_makes_one_mailbox(live_api, auth):
    barrier = Barrier(8)

    def register(_: int) -> requests.Response:
        barrier.wait(timeout=10)
        return requests.post(
            f"{live_api}/api/v1/mailboxes",
            json={"email": "race@acme.com", "provider": "google", "owner_email": "race@acme.com"},
            headers=auth("write"),
            timeout=30,
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(register, range(8)))

    assert sorted(r.status_code for r in responses) == [200] * 7 + [201]
    assert len({r.json()["id"] for r in responses}) == 1


def test_get_mailbox_returns_it(client, auth, new_mailbox):
    created = new_mailbox()

    response = client.get(f"/api/v1/mailboxes/{created['id']}", headers=auth("read"))

    assert response.status_code == 200
    assert response.json == created


def test_unknown_mailbox_is_a_404_problem(client, auth):
    response = client.get("/api/v1/mailboxes/999", headers=auth("read"))

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 404
    assert "999" in response.json["detail"]


def test_owner_lookup_ignores_case_and_returns_only_that_owners_mailboxes(client, auth, new_mailbox):
    mine = [new_mailbox(email=f"m{i}@acme.com", owner_email="ana@acme.com") for i in range(3)]
    new_mailbox(email="other@acme.com", owner_email="bob@acme.com")

    response = client.get("/api/v1/mailboxes?owner_email=ANA@acme.com", headers=auth("read"))

    assert response.status_code == 200
    assert [m["id"] for m in response.json["items"]] == [m["id"] for m in mine]
    assert response.json["next_cursor"] is None


def test_status_filter_returns_only_mailboxes_in_that_status(client, auth, new_mailbox, post_event):
    down = new_mailbox(email="down@acme.com")
    new_mailbox(email="up@acme.com")
    post_event(down["id"], type="disconnected", error="invalid_grant")

    response = client.get("/api/v1/mailboxes?status=disconnected", headers=auth("read"))

    assert [m["id"] for m in response.json["items"]] == [down["id"]]


def test_cursor_pages_through_every_mailbox_once(client, auth, new_mailbox):
    created = [new_mailbox(email=f"m{i}@acme.com")["id"] for i in range(7)]
    seen, cursor = [], None

    while True:
        query = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/mailboxes", query_string=query, headers=auth("read")).json
        seen += [m["id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == created


def days_ago(days: float) -> str:
    """An ISO 8601 timestamp `days` before now."""
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def disconnect_at(post_event, mailbox_id: int, *days: float) -> None:
    """Record a disconnection `days` ago for each of `days` (oldest first), reconnecting in between."""
    for number, age in enumerate(days):
        if number:
            assert post_event(mailbox_id, type="reconnected", occurred_at=days_ago(age)).status_code == 201
        event = {"type": "disconnected", "error": "invalid_grant", "occurred_at": days_ago(age)}
        assert post_event(mailbox_id, **event).status_code == 201


def test_the_list_counts_recent_disconnections_of_disconnected_mailboxes(
    client, auth, new_mailbox, post_event
):
    flapping = new_mailbox(email="flapping@acme.com", owner_email="ana@acme.com")
    long_ago = new_mailbox(email="long-ago@acme.com", owner_email="ana@acme.com")
    healthy = new_mailbox(email="healthy@acme.com", owner_email="ana@acme.com")
    disconnect_at(post_event, flapping["id"], 10, 3, 2, 0.5)  # three in the last 7 days, one before
    post_event(flapping["id"], type="error", error="invalid_grant", occurred_at=days_ago(0.1))  # history only
    disconnect_at(post_event, long_ago["id"], 8)
    disconnect_at(post_event, healthy["id"], 1)
    post_event(healthy["id"], type="reconnected")

    items = client.get("/api/v1/mailboxes?owner_email=ana@acme.com", headers=auth("read")).json["items"]

    counts = {m["email"]: m["recent_disconnects"] for m in items}
    assert counts == {"flapping@acme.com": 3, "long-ago@acme.com": 0, "healthy@acme.com": None}
    one = client.get(f"/api/v1/mailboxes/{flapping['id']}", headers=auth("read")).json
    assert "recent_disconnects" not in one  # only the list counts (GET /mailboxes/{id} is one query)


def test_a_cursor_not_made_by_the_api_is_a_400(client, auth):
    response = client.get("/api/v1/mailboxes?cursor=not-a-cursor", headers=auth("read"))

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert "cursor" in response.json["detail"]


def test_unknown_body_field_is_a_422_naming_it(client, auth):
    body = {"email": "a@acme.com", "provider": "google", "owner_email": "a@acme.com", "plan": "gold"}

    response = client.post("/api/v1/mailboxes", json=body, headers=auth("write"))

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert [e["loc"] for e in response.json["errors"]] == ["body.plan"]


def test_bad_email_is_a_422_naming_the_field(client, auth):
    body = {"email": "not-an-email", "provider": "google", "owner_email": "a@acme.com"}

    response = client.post("/api/v1/mailboxes", json=body, headers=auth("write"))

    assert response.status_code == 422
    assert "body.email" in response.json["detail"]


def test_unknown_query_parameter_and_bad_limit_are_422(client, auth):
    unknown = client.get("/api/v1/mailboxes?colour=red", headers=auth("read"))
    too_big = client.get("/api/v1/mailboxes?limit=100000", headers=auth("read"))

    assert (unknown.status_code, too_big.status_code) == (422, 422)
    assert unknown.json["errors"][0]["loc"] == "query.colour"
    assert too_big.json["errors"][0]["loc"] == "query.limit"


def test_body_that_is_not_json_is_415_and_malformed_json_is_400(client, auth):
    not_json = client.post("/api/v1/mailboxes", data="email=a@acme.com", headers=auth("write"))
    malformed = client.post(
        "/api/v1/mailboxes", data="{", content_type="application/json", headers=auth("write")
    )

    assert (not_json.status_code, malformed.status_code) == (415, 400)
    assert not_json.mimetype == malformed.mimetype == "application/problem+json"


def test_body_over_the_size_limit_is_413(client, auth):
    body = {"email": "a@acme.com", "provider": "google", "owner_email": "a@acme.com", "x": "y" * 2**21}

    response = client.post("/api/v1/mailboxes", json=body, headers=auth("write"))

    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert "1,048,576 bytes" in response.json["detail"]


@contextmanager
def recorded_queries(engine):
    """Record the queries sent on `engine`'s pooled connections inside the block (transaction control
    statements aside). Recorded at the driver, below SQLAlchemy: its engine events do not see the
    statements of api.direct_select."""
    statements = []

    def record(sql, params=None):
        if not sql.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements.append((sql, params))

    def on_checkout(dbapi_connection, _record, _proxy):
        if engine.dialect.name == "sqlite":
            dbapi_connection.set_trace_callback(record)  # each statement as run, its values inlined
            return

        class RecordingCursor(dbapi_connection.cursor_factory):  # psycopg: every cursor of the connection
            def execute(self, query, params=None, **kwargs):
                record(str(query), params)
                return super().execute(query, params, **kwargs)

        dbapi_connection.cursor_factory = RecordingCursor

    def on_checkin(dbapi_connection, _record):
        if engine.dialect.name == "sqlite":
            dbapi_connection.set_trace_callback(None)
        elif dbapi_connection.cursor_factory.__name__ == "RecordingCursor":
            dbapi_connection.cursor_factory = dbapi_connection.cursor_factory.__base__

    event.listen(engine, "checkout", on_checkout)
    event.listen(engine, "checkin", on_checkin)
    try:
        yield statements
    finally:
        event.remove(engine, "checkout", on_checkout)
        event.remove(engine, "checkin", on_checkin)


def _uses_only_indexes(engine, sql, params):
    """True if the database plans `sql` without a full table scan."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all()
            return not any(row[-1].startswith("SCAN") for row in plan)
        connection.execute(text("SET enable_seqscan = off"))  # tables are tiny: make the planner show indexes
        plan = connection.exec_driver_sql(f"EXPLAIN {sql}", params).all()
        return not any("Seq Scan" in row[0] for row in plan)


def test_reading_a_mailbox_costs_one_indexed_query(app, client, auth, new_mailbox):
    mailbox = new_mailbox()
    engine = app.extensions["database"]["statements"]  # the engine of single statements (api.direct_select)

    with recorded_queries(engine) as statements:
        response = client.get(f"/api/v1/mailboxes/{mailbox['id']}", headers=auth("read"))

    assert response.status_code == 200
    assert len(statements) == 1  # the API key and the mailbox, together
    assert all(_uses_only_indexes(engine, sql, params) for sql, params in statements)


def bearer(key):
    return {"Authorization": f"Bearer {key}"}


def test_reading_a_mailbox_checks_the_key_before_telling_anything(app, client, api_keys, new_mailbox):
    mailbox = new_mailbox()
    with session_scope(app.extensions["database"]["sessions"]) as session:
        revoke_key(session, 1)  # the read key, created first

    for mailbox_id in (mailbox["id"], mailbox["id"] + 1, 2**64):
        for key in (api_keys["read"], "mba_not-a-key"):
            response = client.get(f"/api/v1/mailboxes/{mailbox_id}", headers=bearer(key))
            assert response.status_code == 401, (mailbox_id, key)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
    found = client.get(f"/api/v1/mailboxes/{mailbox['id']}", headers=bearer(api_keys["write"]))
    missing = client.get(f"/api/v1/mailboxes/{mailbox['id'] + 1}", headers=bearer(api_keys["admin"]))
    assert (found.status_code, missing.status_code) == (200, 404)


def test_a_view_that_reads_the_key_itself_but_never_checks_it_fails_closed(app, client, auth):
    from api.auth import authorize, ensure_admitted, requires

    bp = Blueprint("forgetful", __name__, url_prefix="/forgetful")
    bp.before_request(authorize)
    bp.after_request(ensure_admitted)
    bp.get("")(requires("read", key_read_by_view=True)(lambda: {"secret": True}))
    app.register_blueprint(bp)
    app.config.update(PROPAGATE_EXCEPTIONS=False)  # as in production: the error becomes a 500 problem

    response = app.test_client().get("/forgetful", headers=auth("read"))

    assert response.status_code == 500
    assert b"secret" not in response.data


def test_owner_lookup_costs_three_indexed_queries(app, client, auth, new_mailbox):
    for i in range(5):
        new_mailbox(email=f"m{i}@acme.com", owner_email="ana@acme.com")
    engine = app.extensions["database"]["engine"]

    with recorded_queries(engine) as statements:
        response = client.get("/api/v1/mailboxes?owner_email=ana@acme.com", headers=auth("read"))

    assert len(response.json["items"]) == 5
    assert len(statements) == 3  # the API key, the page of mailboxes, the warnings of the connected ones
    assert all(_uses_only_indexes(engine, sql, params) for sql, params in statements)


def test_owner_lookup_with_disconnected_mailboxes_costs_four_indexed_queries(
    app, client, auth, new_mailbox, post_event
):
    mailboxes = [new_mailbox(email=f"m{i}@acme.com", owner_email="ana@acme.com") for i in range(5)]
    for mailbox in mailboxes[:2]:
        disconnect_at(post_event, mailbox["id"], 3, 1)
    engine = app.extensions["database"]["engine"]

    with recorded_queries(engine) as statements:
        response = client.get("/api/v1/mailboxes?owner_email=ana@acme.com", headers=auth("read"))

    assert [m["recent_disconnects"] for m in response.json["items"]] == [2, 2, None, None, None]
    # the API key, the page of mailboxes, the disconnections of two of them, the others' warnings
    assert len(statements) == 4
    assert all(_uses_only_indexes(engine, sql, params) for sql, params in statements)
