"""GET /api/v1/mailboxes?email=: the mailbox of one address, in any case, in one indexed query."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from tests.api.test_mailboxes import _uses_only_indexes, disconnect_at


@contextmanager
def statements_sent(engine):
    """The statements `engine` sends to the database inside the block (SQLAlchemy's
    before_cursor_execute), with their parameters as the driver gets them; transaction control aside."""
    sent = []

    def record(_connection, _cursor, statement, parameters, _context, _executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def lookup(client, auth, **query):
    response = client.get("/api/v1/mailboxes", query_string=query, headers=auth("read"))
    assert response.status_code == 200, response.json
    return response.json


def test_an_address_finds_its_mailbox_in_any_case(client, auth, new_mailbox):
    new_mailbox(email="ana@acme.com", owner_email="boss@acme.com")
    frank = new_mailbox(email="frank@acme.com", owner_email="boss@acme.com")

    page = lookup(client, auth, email="Frank@ACME.com")

    assert [m["id"] for m in page["items"]] == [frank["id"]]
    assert page["items"][0]["owner_email"] == "boss@acme.com"
    assert page["next_cursor"] is None


def test_an_unknown_address_finds_nothing(client, auth, new_mailbox):
    new_mailbox(email="ana@acme.com")

    assert lookup(client, auth, email="nobody@acme.com") == {"items": [], "next_cursor": None}


def test_the_other_filters_apply_to_the_mailbox_found(client, auth, new_mailbox, post_event):
    frank = new_mailbox(email="frank@acme.com", owner_email="boss@acme.com")
    post_event(frank["id"], type="disconnected", error="invalid_grant")

    assert lookup(client, auth, email="frank@acme.com", owner_email="boss@acme.com")["items"]
    assert lookup(client, auth, email="frank@acme.com", owner_email="ana@acme.com")["items"] == []
    assert lookup(client, auth, email="frank@acme.com", status="disconnected")["items"]
    assert lookup(client, auth, email="frank@acme.com", status="connected")["items"] == []


def test_a_lookup_by_an_address_that_is_not_one_is_a_422(client, auth):
    response = client.get("/api/v1/mailboxes?email=not-an-address", headers=auth("read"))

    assert response.status_code == 422
    assert response.json["errors"][0]["loc"] == "query.email"


def test_the_lookup_is_one_indexed_query_with_the_recent_disconnections(
    app, client, auth, new_mailbox, post_event
):
    for number in range(20):
        new_mailbox(email=f"m{number}@acme.com", owner_email="boss@acme.com")
    frank = new_mailbox(email="frank@acme.com", owner_email="boss@acme.com")
    connected = new_mailbox(email="ana@acme.com", owner_email="boss@acme.com")
    disconnect_at(post_event, frank["id"], 3, 1)
    engine = app.extensions["database"]["engine"]

    with statements_sent(engine) as sent:
        down = lookup(client, auth, email="FRANK@acme.com")
        up = lookup(client, auth, email="ana@acme.com")

    assert [m["id"] for m in down["items"]] == [frank["id"]]
    assert down["items"][0]["recent_disconnects"] == 2
    assert [(m["id"], m["recent_disconnects"]) for m in up["items"]] == [(connected["id"], None)]
    reads = [(sql, params) for sql, params in sent if "mailboxes" in sql]
    assert len(reads) == 2  # one query per lookup, the count included
    assert len(sent) == 4  # and per request one for the API key
    assert all(_uses_only_indexes(engine, sql, params) for sql, params in sent)
