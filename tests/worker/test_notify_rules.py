"""Flapping, reminders and provider incidents, with an injectable clock (no sleeps)."""

from __future__ import annotations

from datetime import timedelta

import requests

from bot.answering import AnswerPath
from bot.reading import read_question
from mailbox_assistant.conversations.transcript import ConversationLog
from mailbox_assistant.conversations.types import Asker
from mailbox_assistant.escalation.desk import EscalationDesk
from mailbox_assistant.mailboxes.client import StatusClient
from mailbox_assistant.orm import utcnow
from tests.worker.notices import block_ids, buttons, mailbox_ids, text_of

OUTAGE = "503 Service Unavailable: backendError"


def test_a_flapping_mailbox_gets_one_keeps_disconnecting_message_until_a_quiet_day(
    slack, status_api, make_worker
):
    mailbox_id = status_api.mailbox("ana@acme.com", owner="ana@acme.com")
    worker = make_worker()
    start = utcnow() - timedelta(days=3)
    for flap in range(6):  # six drops, an hour apart
        status_api.disconnect(mailbox_id, occurred_at=start + timedelta(hours=flap))
        worker.run_until_idle()
        status_api.reconnect(mailbox_id, occurred_at=start + timedelta(hours=flap, minutes=30))
        worker.run_until_idle()
    kinds = [("keeps disconnecting" in text_of(dm)) for dm in slack.posted()]

    status_api.disconnect(mailbox_id, occurred_at=start + timedelta(hours=5 + 23))  # still within a day
    worker.run_until_idle()
    still_quiet = len(slack.posted())
    status_api.reconnect(mailbox_id, occurred_at=start + timedelta(hours=5 + 23, minutes=1))
    status_api.disconnect(mailbox_id, occurred_at=start + timedelta(hours=5 + 23 + 25))  # a quiet day later
    worker.run_until_idle()

    assert kinds == [False, False, False, True]
    flapping = slack.posted()[3]
    [escalate] = [b for b in buttons(flapping) if b["action_id"].startswith("escalate")]
    assert escalate["value"] == str(mailbox_id)
    assert any(block_id.startswith("reason:") for block_id in block_ids(flapping))
    assert still_quiet == 4
    assert len(slack.posted()) == 5 and "keeps disconnecting" not in text_of(slack.posted()[4])


def test_a_mailbox_still_disconnected_after_reminder_hours_gets_one_reminder(
    slack, status_api, make_worker, clock
):
    mailbox_id = status_api.mailbox("ana@acme.com", owner="ana@acme.com")
    status_api.disconnect(mailbox_id)
    worker = make_worker()
    worker.run_until_idle()

    clock.advance(hours=23)
    worker.run_until_idle()
    before = len(slack.posted())
    clock.advance(hours=2)
    worker.run_until_idle()
    clock.advance(hours=48)
    worker.run_until_idle()

    assert before == 1
    [_, reminder] = slack.posted()
    assert any(block_id.startswith("reminder:") for block_id in block_ids(reminder))
    assert mailbox_ids(reminder) == [str(mailbox_id)]


def test_a_mailbox_back_before_reminder_hours_gets_no_reminder(slack, status_api, make_worker, clock):
    mailbox_id = status_api.mailbox("ana@acme.com", owner="ana@acme.com")
    status_api.disconnect(mailbox_id)
    worker = make_worker()
    worker.run_until_idle()
    status_api.reconnect(mailbox_id)
    worker.run_until_idle()

    clock.advance(hours=30)
    worker.run_until_idle()

    assert len(slack.posted()) == 1


def test_many_outage_disconnections_of_one_provider_open_an_incident(
    slack, status_api, make_worker, live_api, api_keys
):
    owners = ["ana@acme.com", "bo@acme.com", "cy@acme.com"]
    slack.add_user("U_CY", "cy@acme.com")
    ids = [status_api.mailbox(f"sales{n}@acme.com", owner=owner) for n, owner in enumerate(owners)]
    other = status_api.mailbox("ms@acme.com", owner="ana@acme.com", provider="microsoft")
    for mailbox_id in ids:
        status_api.disconnect(mailbox_id, error=OUTAGE)

    make_worker().run_until_idle()
    read = {"Authorization": f"Bearer {api_keys['read']}"}
    active = requests.get(f"{live_api}/api/v1/incidents", params={"active": "true"}, headers=read).json()

    [incident] = active["items"]
    assert (incident["provider"], incident["mailbox_count"], incident["active"]) == ("google", 3, True)
    dms = slack.posted()
    assert len(dms) == 3
    for dm in dms:
        assert "nothing to do on your side" in text_of(dm)
        assert any(block_id.startswith("reason:provider_outage") for block_id in block_ids(dm))
        assert not [b for b in buttons(dm) if b["action_id"].startswith("reconnect")]
    assert other  # a mailbox of another provider is not part of it


def test_one_provider_under_two_names_is_one_incident(slack, status_api, make_worker, live_api, api_keys):
    slack.add_user("U_CY", "cy@acme.com")
    slack.add_user("U_DI", "di@acme.com")
    names = ["google", "google", "gmail", "Google_Workspace"]
    for n, (owner, provider) in enumerate(zip(["ana", "bo", "cy", "di"], names, strict=True)):
        mailbox_id = status_api.mailbox(f"sales{n}@acme.com", owner=f"{owner}@acme.com", provider=provider)
        status_api.disconnect(mailbox_id, error=OUTAGE)

    make_worker().run_until_idle()
    read = {"Authorization": f"Bearer {api_keys['read']}"}
    active = requests.get(f"{live_api}/api/v1/incidents", params={"active": "true"}, headers=read).json()

    [incident] = active["items"]
    assert (incident["provider"], incident["mailbox_count"]) == ("google", 4)


def test_an_answer_to_why_did_my_mailbox_disconnect_mentions_the_active_incident(
    slack, status_api, make_worker, live_api, api_keys, engine
):
    slack.add_user("U_CY", "cy@acme.com")
    for n, owner in enumerate(["ana@acme.com", "bo@acme.com", "cy@acme.com"]):
        status_api.disconnect(status_api.mailbox(f"sales{n}@acme.com", owner=owner), error=OUTAGE)
    make_worker().run_until_idle()

    source = StatusClient(live_api, api_keys["read"])
    conversations = ConversationLog(engine)
    path = AnswerPath(
        source,
        reconnect_url=lambda mailbox: "https://mailbox.example/reconnect",
        conversations=conversations,
        escalations=EscalationDesk(engine, source, conversations),
    )
    reply = path.status_reply(
        read_question("why did my mailbox disconnect?"), Asker(slack_id="U_ANA", email="ana@acme.com")
    )

    assert "Google is having trouble right now" in text_of({"blocks": reply.blocks})


def test_incidents_end_when_most_mailboxes_reconnect(slack, status_api, make_worker, live_api, api_keys):
    slack.add_user("U_CY", "cy@acme.com")
    ids = [
        status_api.mailbox(f"sales{n}@acme.com", owner=o)
        for n, o in enumerate(["ana@acme.com", "bo@acme.com", "cy@acme.com"])
    ]
    for mailbox_id in ids:
        status_api.disconnect(mailbox_id, error=OUTAGE)
    worker = make_worker()
    worker.run_until_idle()

    for mailbox_id in ids[:2]:
        status_api.reconnect(mailbox_id)
    worker.run_until_idle()
    read = {"Authorization": f"Bearer {api_keys['read']}"}
    listed = requests.get(f"{live_api}/api/v1/incidents", params={"active": "false"}, headers=read).json()

    assert [i["active"] for i in listed["items"]] == [False]
    assert len(slack.calls_to("chat.update")) == 2
