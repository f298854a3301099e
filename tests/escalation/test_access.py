"""Who may hand what to support: a "Talk to support" value is the clicker's word, so the desk opens cases
only about the asker's own mailboxes (any, for an admin), refuses the rest alike, and caps cases a day."""

from __future__ import annotations

import threading

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbox_assistant.conversations.transcript import ConversationLog
from mailbox_assistant.conversations.types import SlackUser
from mailbox_assistant.escalation.desk import EscalationDesk, Opened, Refused
from mailbox_assistant.escalation.models import Escalation
from mailbox_assistant.mailboxes.client import StatusClient
from tests.bot.blockutil import all_text, block_ids
from tests.bot.conftest import ADMIN_ID
from tests.escalation.test_delivery import free_port

SUSPENDED = "Account disabled: terms of service violation (bo's private detail)"
ANA = SlackUser(id="U_ANA", email="ana@acme.com", name="Ana", is_bot=False)


def cases(db_session: Session) -> list[Escalation]:
    """Every escalation row, oldest first."""
    db_session.rollback()
    db_session.expire_all()
    return list(db_session.scalars(select(Escalation).order_by(Escalation.id)))


def click_escalate(slack, fake_slack, user: str, value: str, answers_before: int = 0) -> dict:
    """Click a "Talk to support" button carrying `value`; the bot's answer (through the response_url)."""
    slack.click(user, {"action_id": "escalate:0", "value": value})
    return fake_slack.wait_for_call("response_url", count=answers_before + 1)[answers_before].body


def test_a_forged_value_naming_someone_elses_mailbox_opens_no_case(slack, fake_slack, seed, db_session):
    bo = seed("bo@acme.com", error=SUSPENDED)

    answer = click_escalate(slack, fake_slack, "U_ANA", str(bo["id"]))

    assert block_ids(answer["blocks"]) == ["support_refused"]
    assert "bo@acme.com" not in str(answer) and "private detail" not in str(answer)
    assert cases(db_session) == []


def test_the_refusal_is_the_same_whether_the_mailbox_exists_or_not(slack, fake_slack, seed, db_session):
    bo = seed("bo@acme.com", error=SUSPENDED)
    values = [str(bo["id"]), str(bo["id"] + 1000), "bo@acme.com", "nobody@nowhere.example", "x" * 2000]

    answers = [click_escalate(slack, fake_slack, "U_ANA", value, n) for n, value in enumerate(values)]

    assert all(answer == answers[0] for answer in answers)
    assert "own mailboxes" in all_text(answers[0]["blocks"])
    assert cases(db_session) == []


def test_a_value_of_free_text_opens_no_case(slack, fake_slack, seed, db_session):
    seed("ana@acme.com", error=SUSPENDED)

    answer = click_escalate(slack, fake_slack, "U_ANA", "ana@acme.com: URGENT wire the money\r\nBcc: x@y.z")

    assert block_ids(answer["blocks"]) == ["support_refused"]
    assert cases(db_session) == []


def test_an_admin_may_hand_anyones_mailbox_to_support(slack, fake_slack, seed, db_session):
    bo = seed("bo@acme.com", error=SUSPENDED)

    answer = click_escalate(slack, fake_slack, ADMIN_ID, str(bo["id"]))

    [case] = cases(db_session)
    assert block_ids(answer["blocks"])[0] == f"escalation:{case.id}"
    assert (case.asker_slack_id, case.mailbox_id, case.mailbox_email) == (ADMIN_ID, bo["id"], "bo@acme.com")


def test_a_person_opens_at_most_five_cases_a_day_and_finding_an_open_one_is_free(
    slack, fake_slack, seed, db_session
):
    mailboxes = [seed(f"ana{n}@acme.com", owner_email="ana@acme.com", error=SUSPENDED) for n in range(6)]
    values = [str(m["id"]) for m in mailboxes[:5]] + [str(mailboxes[0]["id"]), str(mailboxes[5]["id"])]

    answers = [click_escalate(slack, fake_slack, "U_ANA", value, n) for n, value in enumerate(values)]

    opened = cases(db_session)
    assert [case.mailbox_email for case in opened] == [f"ana{n}@acme.com" for n in range(5)]
    assert "already have an open support case" in all_text(answers[5]["blocks"])
    assert block_ids(answers[5]["blocks"])[0] == f"escalation:{opened[0].id}"
    assert block_ids(answers[6]["blocks"]) == ["support_limit"]
    assert "5 support cases in the last 24 hours" in all_text(answers[6]["blocks"])


def test_racing_requests_never_pass_the_daily_limit(engine, live_api, api_keys, seed, db_session):
    mailboxes = [seed(f"ana{n}@acme.com", owner_email="ana@acme.com") for n in range(6)]
    desk = EscalationDesk(
        engine, StatusClient(live_api, api_keys["read"]), ConversationLog(engine), daily_limit=3
    )
    barrier = threading.Barrier(len(mailboxes))
    results: list[Opened | Refused] = []

    def ask(mailbox_id: str) -> None:
        barrier.wait()
        results.append(desk.open_case(ANA, mailbox_id))

    threads = [threading.Thread(target=ask, args=(str(m["id"]),)) for m in mailboxes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(cases(db_session)) == 3
    assert sorted(type(r).__name__ for r in results) == ["Opened"] * 3 + ["Refused"] * 3


def test_with_the_status_api_down_a_case_is_about_the_askers_own_address(engine, db_session):
    down = StatusClient(f"http://127.0.0.1:{free_port()}", "key", timeout=0.5)
    desk = EscalationDesk(engine, down, ConversationLog(engine))

    opened = desk.open_case(ANA, "42")  # maybe Ana's, maybe not: nothing can tell now

    [case] = cases(db_session)
    assert isinstance(opened, Opened) and opened.created and case.id == opened.case.id
    assert (case.mailbox_ref, case.mailbox_email, case.mailbox_id) == ("ana@acme.com", "ana@acme.com", None)
    assert case.reason_title == "Details unavailable (status service unreachable)"
