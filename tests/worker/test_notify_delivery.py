"""Proactive DMs end to end: the real status API on loopback, the feed consumer, the outbox, the Slack
stand-in. One DM per disconnection, whatever restarts or re-reads happen."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from mailbox_assistant.db import make_session_factory, session_scope
from mailbox_assistant.mailboxes.models import Event, Mailbox
from mailbox_assistant.notices.models import Notification, WorkerCursor
from tests.worker.notices import block_ids, buttons, mailbox_ids, text_of


def rows(engine):
    with session_scope(make_session_factory(engine)) as session:
        return list(session.execute(select(Notification).order_by(Notification.id)).scalars())


def test_a_disconnection_is_dmed_to_its_owner_with_cause_steps_and_reconnect_button(
    slack, status_api, make_worker
):
    mailbox_id = status_api.mailbox("ana@acme.com", owner="ana@acme.com")
    status_api.disconnect(mailbox_id)

    make_worker().run_until_idle()

    [dm] = slack.posted()
    assert slack.calls_to("users.lookupByEmail")[0].body["email"] == "ana@acme.com"
    assert dm["channel"] == "D_ANA"
    assert mailbox_ids(dm) == [str(mailbox_id)]
    assert any(block_id.startswith("reason:token_expired") for block_id in block_ids(dm))
    assert any(block_id.startswith("steps:") for block_id in block_ids(dm))
    [reconnect] = [b for b in buttons(dm) if b["action_id"].startswith("reconnect")]
    assert reconnect["url"].startswith("https://mailbox.example/")
    assert "ana@acme.com" in text_of(dm)


def test_restarts_and_pages_read_again_send_no_second_dm(slack, status_api, make_worker, engine):
    mailbox_id = status_api.mailbox("ana@acme.com", owner="ana@acme.com")
    status_api.disconnect(mailbox_id)
    make_worker().run_until_idle()

    make_worker().run_until_idle()  # a restart: new job objects over the same database
    with engine.begin() as connection:  # the feed delivered again from the start
        connection.execute(update(WorkerCursor).values(position=0))
    make_worker().run_until_idle()

    assert len(slack.posted()) == 1
    assert [row.status for row in rows(engine)] == ["sent"]


def test_a_disconnected_event_while_still_disconnected_is_not_told_again(slack, status_api, make_worker):
    mailbox_id = status_api.mailbox("ana@acme.com", owner="ana@acme.com")
    status_api.disconnect(mailbox_id)
    worker = make_worker()
    worker.run_until_idle()

    status_api.disconnect(mailbox_id, error="invalid_grant")
    worker.run_until_idle()

    assert len(slack.posted()) == 1


def test_reconnecting_updates_the_original_dm_instead_of_posting(slack, status_api, make_worker):
    mailbox_id = status_api.mailbox("ana@acme.com", owner="ana@acme.com")
    status_api.disconnect(mailbox_id)
    worker = make_worker()
    worker.run_until_idle()
    [original] = slack.calls_to("chat.postMessage")

    status_api.reconnect(mailbox_id)
    worker.run_until_idle()

    [edit] = slack.calls_to("chat.update")
    assert len(slack.posted()) == 1
    assert (edit.body["channel"], edit.body["ts"]) == ("D_ANA", slack.messages["D_ANA"][0]["ts"])
    assert "reconnected" in text_of(edit.body)
    assert any(block_id.startswith("reason:token_expired") for block_id in block_ids(edit.body))
    assert not buttons(edit.body)
    assert original.body["blocks"] != edit.body["blocks"]


def test_a_mailbox_back_before_delivery_gets_no_dm(slack, status_api, make_worker, engine):
    mailbox_id = status_api.mailbox("ana@acme.com", owner="ana@acme.com")
    status_api.disconnect(mailbox_id)
    status_api.reconnect(mailbox_id)

    make_worker().run_until_idle()

    assert slack.posted() == [] and slack.calls_to("chat.update") == []
    assert {row.outcome for row in rows(engine)} == {"reconnected_before_sent", "nothing_to_update"}


def test_several_disconnections_of_one_owner_due_together_share_one_message(slack, status_api, make_worker):
    ids = [status_api.mailbox(f"box{n}@acme.com", owner="bo@acme.com") for n in range(3)]
    for mailbox_id in ids:
        status_api.disconnect(mailbox_id)

    make_worker().run_until_idle()

    [dm] = slack.posted()
    assert sorted(mailbox_ids(dm)) == sorted(map(str, ids))
    assert dm["channel"] == "D_BO"


def test_an_owner_not_in_slack_is_recorded_and_not_looked_up_again(slack, status_api, make_worker, engine):
    first = status_api.mailbox("one@acme.com", owner="stranger@acme.com")
    second = status_api.mailbox("two@acme.com", owner="stranger@acme.com")
    status_api.disconnect(first)
    worker = make_worker()
    worker.run_until_idle()
    status_api.disconnect(second)
    worker.run_until_idle()

    assert slack.posted() == []
    assert len(slack.calls_to("users.lookupByEmail")) == 1
    assert [(row.status, row.outcome) for row in rows(engine)] == [("skipped", "no_slack_user")] * 2


def test_a_deactivated_owner_is_recorded_not_messaged(slack, status_api, make_worker, engine):
    mailbox_id = status_api.mailbox("gus@acme.com", owner="gus@acme.com")
    status_api.disconnect(mailbox_id)

    make_worker().run_until_idle()

    assert slack.posted() == []
    assert [(row.status, row.outcome) for row in rows(engine)] == [("skipped", "deactivated")]


def test_a_deleted_mailbox_is_recorded_not_messaged(slack, status_api, make_worker, engine, clock):
    mailbox_id = status_api.mailbox("ana@acme.com", owner="ana@acme.com")
    status_api.disconnect(mailbox_id)
    worker = make_worker()
    worker.feed.run_once()
    with engine.begin() as connection:
        connection.execute(delete(Event).where(Event.mailbox_id == mailbox_id))
        connection.execute(delete(Mailbox).where(Mailbox.id == mailbox_id))
    clock.advance(minutes=2)  # older than the feed's snapshot: the status API is asked again

    worker.run_until_idle()

    assert slack.posted() == []
    assert [(row.status, row.outcome) for row in rows(engine)] == [("skipped", "mailbox_deleted")]
