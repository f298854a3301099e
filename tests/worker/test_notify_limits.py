"""Proactive DMs within Slack's limits: many mailboxes in one DM, all of them named or counted and
reachable; a message Slack refuses is sent again smaller, never dropped; raw errors of any length."""

from __future__ import annotations

from slack_sdk.models.blocks import Block
from sqlalchemy import select

import knowledge
from mailbox_assistant.db import make_session_factory, session_scope
from mailbox_assistant.notices.models import Notification
from tests.api.test_long_errors import HTML_PAGE, STACK_TRACE
from tests.worker.notices import block_ids, mailbox_ids

TOKEN_EXPIRED = knowledge.get_reason("token_expired").title


def rows(engine):
    with session_scope(make_session_factory(engine)) as session:
        query = select(Notification).where(Notification.kind != "resolved").order_by(Notification.id)
        return [(row.status, row.attempts, row.last_error) for row in session.execute(query).scalars()]


def within_slacks_limits(body) -> bool:
    """What Slack checks of a message: 50 blocks, each block valid (slack_sdk's models), 3,000
    characters a section text, unique block ids."""
    blocks = body.get("blocks") or []
    for block in blocks:
        Block.parse(block).validate_json()
    ids = [block["block_id"] for block in blocks if "block_id" in block]
    texts = [block["text"]["text"] for block in blocks if block["type"] == "section"]
    return len(blocks) <= 50 and len(ids) == len(set(ids)) and all(len(text) <= 3000 for text in texts)


def disconnect_many(status_api, count: int, owner: str = "bo@acme.com") -> list[int]:
    ids = [status_api.mailbox(f"box{number:02d}@acme.com", owner=owner) for number in range(count)]
    for mailbox_id in ids:
        status_api.disconnect(mailbox_id)
    return ids


def summary_of(body) -> str:
    return next(b["text"]["text"] for b in body["blocks"] if b.get("block_id") == "notice:summary")


def test_eight_disconnections_make_one_dm_that_shows_all_eight(slack, status_api, make_worker, engine):
    ids = disconnect_many(status_api, 8)

    make_worker().run_until_idle()

    [dm] = slack.posted()
    assert within_slacks_limits(dm)
    assert sorted(mailbox_ids(dm)) == sorted(map(str, ids))  # each with its own block and a button
    assert "8 of your mailboxes disconnected; 8 still need attention" in summary_of(dm)
    assert f"{TOKEN_EXPIRED}: 8" in summary_of(dm)
    assert "notice:see_all" in block_ids(dm)
    assert [status for status, _, _ in rows(engine)] == ["sent"] * 8


def test_more_disconnections_than_fit_are_counted_and_point_to_the_home_tab(
    slack, status_api, make_worker, engine
):
    ids = disconnect_many(status_api, 40)

    make_worker().run_until_idle()

    [dm] = slack.posted()
    assert within_slacks_limits(dm)
    named = mailbox_ids(dm)
    see_all = next(b["text"]["text"] for b in dm["blocks"] if b.get("block_id") == "notice:see_all")
    assert len(named) < 40 and f"…and {40 - len(named)} more" in see_all and "Home" in see_all
    assert set(named) <= set(map(str, ids))
    assert "40 of your mailboxes disconnected" in summary_of(dm)
    assert [status for status, _, _ in rows(engine)] == ["sent"] * 40


def test_a_reconnection_rewrites_the_grouped_dm_with_every_mailbox(slack, status_api, make_worker):
    ids = disconnect_many(status_api, 8)
    worker = make_worker()
    worker.run_until_idle()

    status_api.reconnect(ids[5])
    worker.run_until_idle()

    [edit] = slack.calls_to("chat.update")
    assert within_slacks_limits(edit.body)
    assert sorted(mailbox_ids(edit.body)) == sorted(map(str, ids))
    assert "8 of your mailboxes disconnected; 7 still need attention. 1 connected again." in summary_of(
        edit.body
    )


def test_a_dm_slack_refuses_is_sent_again_in_its_smallest_form(slack, status_api, make_worker, engine):
    disconnect_many(status_api, 3)
    slack.refuse_next("chat.postMessage", "invalid_blocks")

    make_worker().run_until_idle()

    refused, retried = slack.calls_to("chat.postMessage")
    assert refused.body.get("blocks") and not retried.body.get("blocks")
    [dm] = slack.posted()
    assert dm is retried.body
    assert all(f"box{number:02d}@acme.com" in dm["text"] for number in range(3))
    assert "3 of your mailboxes disconnected" in dm["text"] and "Reconnect>" in dm["text"]
    assert [status for status, _, _ in rows(engine)] == ["sent"] * 3


def test_a_dm_refused_in_every_form_is_retried_later_not_dropped(
    slack, status_api, make_worker, engine, clock
):
    disconnect_many(status_api, 2)
    slack.refuse_next("chat.postMessage", "msg_too_long", times=2)
    worker = make_worker()

    worker.run_until_idle(tick_seconds=0.5)  # the backoff (5 s) has not passed
    waiting = rows(engine)
    clock.advance(seconds=10)
    worker.run_until_idle()

    assert [(status, error) for status, _, error in waiting] == [("pending", "slack 200: msg_too_long")] * 2
    assert len(slack.posted()) == 1
    assert [status for status, _, _ in rows(engine)] == ["sent"] * 2


def test_disconnections_with_a_5000_character_and_a_20_kb_error_are_dmed(slack, status_api, make_worker):
    long_id = status_api.mailbox("long@acme.com", owner="ana@acme.com")
    page_id = status_api.mailbox("page@acme.com", owner="bo@acme.com")
    trace_id = status_api.mailbox("trace@acme.com", owner="bo@acme.com")
    status_api.disconnect(long_id, error="invalid_grant: Token has been expired or revoked. " + "x" * 5000)
    status_api.disconnect(page_id, error=HTML_PAGE)
    status_api.disconnect(trace_id, error=STACK_TRACE)

    make_worker().run_until_idle()

    dms = {dm["channel"]: dm for dm in slack.posted()}
    assert dms.keys() == {"D_ANA", "D_BO"}
    assert mailbox_ids(dms["D_ANA"]) == [str(long_id)]
    assert sorted(mailbox_ids(dms["D_BO"])) == sorted([str(page_id), str(trace_id)])
    assert all(within_slacks_limits(dm) for dm in dms.values())
    assert f"reason:token_expired:{page_id}" in block_ids(dms["D_BO"])
    assert f"reason:token_expired:{trace_id}" in block_ids(dms["D_BO"])
