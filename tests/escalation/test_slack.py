"""Escalation through Slack: every trigger opens one case per person and mailbox, confirmed with its id;
the worker emails support and posts to the support channel through the Slack stand-in."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from functools import partial

from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbox_assistant.conversations.transcript import ConversationLog
from mailbox_assistant.conversations.types import SlackUser
from mailbox_assistant.db import make_engine
from mailbox_assistant.escalation.desk import EscalationDesk
from mailbox_assistant.escalation.models import Escalation
from mailbox_assistant.escalation.outbox import EscalationOutbox
from mailbox_assistant.escalation.smtp import parse_smtp_url, send_message
from mailbox_assistant.escalation.support_channel import post_to_support_channel
from mailbox_assistant.mailboxes.client import StatusClient
from tests.bot.blockutil import all_text, block_ids, buttons
from tests.bot.conftest import wait_for_turns
from tests.escalation.conftest import SENDER, SUPPORT, reload

# A Gmail API refusal for a suspended Workspace user, with a token the case must never carry.
SUSPENDED = (
    '{"error": {"code": 400, "message": "Mail service not enabled", "status": "FAILED_PRECONDITION", '
    '"errors": [{"reason": "failedPrecondition"}]}} access_token=ya29.secretsecret123'
)
EXPIRED = "invalid_grant: Token has been expired or revoked."
ANA = SlackUser(id="U_ANA", email="ana@acme.com", name="Ana", is_bot=False)


def cases(db_session: Session) -> list[Escalation]:
    """Every escalation row, oldest first."""
    db_session.rollback()
    db_session.expire_all()
    return list(db_session.scalars(select(Escalation).order_by(Escalation.id)))


def escalation_block(blocks: list[dict]) -> str:
    """The block_id of the confirmation."""
    return next(i for i in block_ids(blocks) if i.startswith("escalation:"))


def test_talk_to_support_records_the_case_then_confirms_with_its_id(
    slack, fake_slack, seed, engine, db_session
):
    mailbox = seed("ana@acme.com", error=SUSPENDED)
    slack.dm("U_ANA", "why did my mailbox disconnect?")
    fake_slack.wait_for_call("chat.postMessage")
    wait_for_turns(engine, "U_ANA", 2)  # recorded just after the post; a person clicks later than this

    slack.click("U_ANA", {"action_id": f"escalate:{mailbox['id']}", "value": str(mailbox["id"])})

    confirmation = fake_slack.wait_for_call("response_url")[0].body
    [case] = cases(db_session)
    assert escalation_block(confirmation["blocks"]) == f"escalation:{case.id}"
    text = all_text(confirmation["blocks"])
    assert f"#{case.id}" in text and "by email to *ana@acme.com*" in text and "business day" in text
    assert case.status == "queued" and case.attempts == 0
    assert (case.asker_slack_id, case.asker_name, case.asker_email) == ("U_ANA", "Ana", "ana@acme.com")
    assert case.asker_team_id == "T0TEAM"
    assert (case.mailbox_id, case.mailbox_email, case.provider) == (mailbox["id"], "ana@acme.com", "google")
    assert case.mailbox_status == "disconnected" and case.reason == "account_suspended"
    assert "Mail service not enabled" in case.raw_error and "ya29.secret" not in case.raw_error
    assert [e["type"] for e in case.history] == ["disconnected"]
    assert [t["role"] for t in case.transcript] == ["user", "bot"]
    assert case.transcript[0]["text"] == "why did my mailbox disconnect?"


def test_clicking_twice_opens_one_case_and_says_it_is_already_open(slack, fake_slack, seed, db_session):
    mailbox = seed("ana@acme.com", error=SUSPENDED)
    button = {"action_id": f"escalate:{mailbox['id']}", "value": str(mailbox["id"])}

    slack.click("U_ANA", button)
    slack.click("U_ANA", button)

    # Bolt runs the two clicks on two listener threads, so their answers may arrive in either order.
    answers = [c.body for c in fake_slack.wait_for_call("response_url", count=2)]
    [case] = cases(db_session)
    assert [escalation_block(a["blocks"]) for a in answers] == [f"escalation:{case.id}"] * 2
    already = ["already have an open support case" in all_text(a["blocks"]) for a in answers]
    assert sorted(already) == [False, True]


def test_two_processes_racing_open_one_case(database_url, live_api, api_keys, seed, db_session):
    mailbox = seed("ana@acme.com", error=SUSPENDED)
    engines = [make_engine(database_url) for _ in range(2)]
    desks = [EscalationDesk(e, StatusClient(live_api, api_keys["read"]), ConversationLog(e)) for e in engines]
    barrier = threading.Barrier(2)
    opened = []

    def ask(desk: EscalationDesk) -> None:
        barrier.wait()
        opened.append(desk.open_case(ANA, str(mailbox["id"])))

    threads = [threading.Thread(target=ask, args=(d,)) for d in desks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for engine in engines:
        engine.dispose()

    assert len(cases(db_session)) == 1
    assert sorted(o.created for o in opened) == [False, True]
    assert opened[0].case.id == opened[1].case.id


def test_asking_for_a_human_opens_the_case_for_the_disconnected_mailbox(slack, fake_slack, seed, db_session):
    seed("ana@acme.com", error=SUSPENDED)
    seed("ana.backup@acme.com", owner_email="ana@acme.com")

    slack.dm("U_ANA", "can I talk to a human?")
    fake_slack.wait_for_call("chat.postMessage")
    slack.dm("U_ANA", "this didn't help")

    first, second = (c.body for c in fake_slack.wait_for_call("chat.postMessage", count=2))
    [case] = cases(db_session)
    assert escalation_block(first["blocks"]) == f"escalation:{case.id}" == escalation_block(second["blocks"])
    assert case.mailbox_email == "ana@acme.com"
    assert case.transcript[-1] == {
        "role": "user",
        "text": "can I talk to a human?",
        "at": case.transcript[-1]["at"],
    }
    assert "already have an open support case" in all_text(second["blocks"])


def test_asking_for_a_human_with_several_disconnected_mailboxes_asks_which(
    slack, fake_slack, seed, db_session
):
    one = seed("ana@acme.com", error=SUSPENDED)
    two = seed("ana.sales@acme.com", owner_email="ana@acme.com", error=EXPIRED)

    slack.dm("U_ANA", "I want to talk to support")

    reply = fake_slack.wait_for_call("chat.postMessage")[0].body
    choices = {b["value"]: b for b in buttons(reply["blocks"]) if b["action_id"].startswith("escalate")}
    assert set(choices) == {str(one["id"]), str(two["id"])}
    assert choices[str(two["id"])]["text"]["text"] == "ana.sales@acme.com"
    assert cases(db_session) == []


def test_the_slash_command_and_a_mention_can_ask_for_support_too(slack, fake_slack, seed, db_session):
    seed("ana@acme.com", error=SUSPENDED)

    slack.command("U_ANA", "talk to a human please")
    fake_slack.wait_for_call("response_url")
    slack.mention("U_ANA", "can I talk to support?")

    by_command = fake_slack.wait_for_call("response_url")[0].body
    by_mention = fake_slack.wait_for_call("chat.postEphemeral")[0].body
    [case] = cases(db_session)
    assert (
        escalation_block(by_command["blocks"])
        == escalation_block(by_mention["blocks"])
        == f"escalation:{case.id}"
    )


def test_someone_without_a_mailbox_can_still_escalate(slack, fake_slack, db_session):
    slack.dm("U_BO", "why did my mailbox disconnect?")
    reply = fake_slack.wait_for_call("chat.postMessage")[0].body
    button = next(b for b in buttons(reply["blocks"]) if b["action_id"].startswith("escalate"))

    slack.click("U_BO", button)

    confirmation = fake_slack.wait_for_call("response_url")[0].body
    [case] = cases(db_session)
    assert escalation_block(confirmation["blocks"]) == f"escalation:{case.id}"
    assert case.mailbox_id is None and case.mailbox_email == "bo@acme.com"
    assert case.reason == "unknown" and case.reason_title == "No mailbox found under this address"


def test_a_new_disconnection_after_the_case_opens_a_new_case(engine, live_api, api_keys, seed, db_session):
    mailbox = seed("ana@acme.com", error=SUSPENDED, occurred_at="2020-01-01T00:00:00Z")
    desk = EscalationDesk(engine, StatusClient(live_api, api_keys["read"]), ConversationLog(engine))
    first = desk.open_case(ANA, str(mailbox["id"]))
    seed("ana@acme.com", error=SUSPENDED, reconnected=True)
    seed("ana@acme.com", error=EXPIRED)

    second = desk.open_case(ANA, str(mailbox["id"]))

    assert second.created and second.case.id != first.case.id
    old, new = cases(db_session)
    assert old.closed_at is not None and old.open_key is None and new.open_key is not None


def test_did_this_help_no_offers_support_first(slack, fake_slack, seed):
    mailbox = seed("ana@acme.com", error=EXPIRED)

    slack.click("U_ANA", {"action_id": "feedback:no", "value": str(mailbox["id"])})

    answer = fake_slack.wait_for_call("response_url")[0].body
    [escalate] = [b for b in buttons(answer["blocks"]) if b["action_id"].startswith("escalate")]
    assert escalate["value"] == str(mailbox["id"]) and escalate["style"] == "primary"


def test_a_mailbox_that_keeps_disconnecting_puts_support_first(slack, fake_slack, seed, client, api_keys):
    mailbox = seed("ana@acme.com", error=EXPIRED)
    write = {"Authorization": f"Bearer {api_keys['write']}"}
    for _ in range(2):
        client.post(f"/api/v1/mailboxes/{mailbox['id']}/events", json={"type": "reconnected"}, headers=write)
        event = {"type": "disconnected", "error": EXPIRED}
        client.post(f"/api/v1/mailboxes/{mailbox['id']}/events", json=event, headers=write)

    slack.dm("U_ANA", "why did my mailbox disconnect?")

    reply = fake_slack.wait_for_call("chat.postMessage")[0].body
    by_kind = {b["action_id"].split(":")[0]: b for b in buttons(reply["blocks"])}
    assert by_kind["escalate"].get("style") == "primary" and "style" not in by_kind["reconnect"]
    assert "3 times in the last 7 days" in all_text(reply["blocks"])


def test_the_worker_emails_support_and_posts_to_the_support_channel(
    slack, fake_slack, seed, engine, smtp, mailroom, db_session
):
    mailbox = seed("ana@acme.com", error=SUSPENDED)
    slack.click("U_ANA", {"action_id": f"escalate:{mailbox['id']}", "value": str(mailbox["id"])})
    fake_slack.wait_for_call("response_url")
    outbox = support_outbox(engine, fake_slack, smtp.port)

    outbox.run_once()

    [message] = mailroom.wait_for_messages(1)
    [post] = [c.body for c in fake_slack.wait_for_call("chat.postMessage")]
    [case] = cases(db_session)
    assert post["channel"] == "C_SUPPORT"
    assert "<@U_ANA>" in post["text"] and "ana@acme.com" in post["text"]
    assert f"Escalation #{case.id}" in post["text"] and "ya29" not in str(post)
    assert message["X-Escalation-Id"] == str(case.id)
    assert case.status == "sent" and case.email_sent_at and case.slack_posted_at


def test_a_slack_failure_retries_the_post_alone_and_never_resends_the_email(
    engine, fake_slack, smtp, mailroom, make_case, clock, db_session
):
    case = make_case()
    fake_slack.fail_next("chat.postMessage", 500)
    outbox = support_outbox(engine, fake_slack, smtp.port, clock=clock)

    outbox.run_once()
    half = reload(db_session, case)
    clock.advance(timedelta(minutes=1))
    outbox.run_once()

    assert half.status == "queued" and half.email_sent_at and half.slack_posted_at is None
    assert "slack" in half.last_error
    assert len(fake_slack.calls_to("chat.postMessage")) == 2 and len(mailroom.wait_for_messages(1)) == 1
    assert reload(db_session, case).status == "sent"


def support_outbox(engine, fake_slack, port: int, clock=None) -> EscalationOutbox:
    """The outbox with email to the test SMTP server and posts to #support on the Slack stand-in."""
    client = WebClient(token="xoxb-test", base_url=fake_slack.base_url)
    return EscalationOutbox(
        engine,
        send_email=partial(send_message, parse_smtp_url(f"smtp://127.0.0.1:{port}", timeout=2)),
        support_email=SUPPORT,
        email_from=SENDER,
        post_to_slack=lambda case: post_to_support_channel(client, "C_SUPPORT", case, SUPPORT),
        **({"clock": clock} if clock else {"clock": lambda: datetime.now(UTC)}),
    )
