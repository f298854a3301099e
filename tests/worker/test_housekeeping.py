"""Housekeeping: rows kept only for a while are deleted once their time is up, and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbox_assistant.conversations.models import ConversationTurn, SlackEventSeen
from mailbox_assistant.escalation.models import Escalation
from mailbox_assistant.mailboxes.models import Mailbox
from mailbox_assistant.reconnect.models import OAuthState
from worker.housekeeping import Housekeeping

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _turn(text: str, age: timedelta) -> ConversationTurn:
    return ConversationTurn(slack_user_id="U1", role="user", text=text, created_at=NOW - age)


def _seed(engine) -> None:
    with Session(engine) as session:
        mailbox = Mailbox(email="ana@acme.com", provider="google", owner_email="ana@acme.com")
        session.add(mailbox)
        session.flush()
        session.add_all(
            [
                SlackEventSeen(event_id="Ev_old", received_at=NOW - timedelta(days=2)),
                SlackEventSeen(event_id="Ev_new", received_at=NOW - timedelta(minutes=5)),
                ConversationTurn(
                    slack_user_id="U1", role="user", text="old", created_at=NOW - timedelta(days=31)
                ),
                ConversationTurn(
                    slack_user_id="U1", role="user", text="new", created_at=NOW - timedelta(days=1)
                ),
            ]
        )
        for state, expires_at in (("gone", NOW - timedelta(minutes=1)), ("live", NOW + timedelta(minutes=9))):
            session.add(
                OAuthState(
                    state=state,
                    mailbox_id=mailbox.id,
                    provider="google",
                    code_verifier="v",
                    browser_hash="b",
                    expires_at=expires_at,
                )  # fmt: skip
            )
        session.commit()


def _left(engine) -> tuple[list[str], list[str], list[str]]:
    with Session(engine) as session:
        return (
            sorted(session.execute(select(SlackEventSeen.event_id)).scalars()),
            sorted(session.execute(select(ConversationTurn.text)).scalars()),
            sorted(session.execute(select(OAuthState.state)).scalars()),
        )


def test_what_has_expired_is_deleted_and_the_rest_is_kept(engine):
    _seed(engine)
    job = Housekeeping(engine, transcript_retention=timedelta(days=30), clock=lambda: NOW)

    deleted = job.run_once()

    assert deleted == 3
    assert _left(engine) == (["Ev_new"], ["new"], ["live"])


def test_it_runs_once_an_interval(engine):
    _seed(engine)
    clock = {"now": NOW}
    job = Housekeeping(engine, transcript_retention=timedelta(days=30), clock=lambda: clock["now"])
    job.run_once()

    clock["now"] = NOW + timedelta(minutes=30)
    too_soon = job.run_once()
    clock["now"] = NOW + timedelta(hours=1)
    on_time = job.run_once()

    assert (too_soon, on_time) == (0, 1)  # the state that lapsed at +9 minutes goes at the next run


def _case(key: str, status: str, age: timedelta) -> Escalation:
    return Escalation(
        open_key=key,
        asker_slack_id="U1",
        asker_name="Ana",
        mailbox_ref="7",
        reason="password_changed",
        reason_title="Password changed",
        transcript=[{"role": "user", "text": f"{key}: my password changed", "at": None}],
        status=status,
        run_at=NOW - age,
        created_at=NOW - age,
    )


def test_a_cases_transcript_copy_is_forgotten_once_sent_and_past_the_retention(engine):
    with Session(engine) as session:
        session.add_all(
            [
                _case("sent-old", "sent", timedelta(days=31)),
                _case("failed-old", "failed", timedelta(days=31)),
                _case("sent-new", "sent", timedelta(days=2)),
                _case("queued-old", "queued", timedelta(days=31)),  # its email still needs the copy
            ]
        )
        session.commit()
    job = Housekeeping(engine, transcript_retention=timedelta(days=30), clock=lambda: NOW)

    assert job.run_once() == 2
    with Session(engine) as session:
        kept = {case.open_key: case.transcript for case in session.execute(select(Escalation)).scalars()}
    assert kept["sent-old"] == [] and kept["failed-old"] == []
    assert kept["sent-new"][0]["text"] == "sent-new: my password changed"
    assert kept["queued-old"][0]["text"] == "queued-old: my password changed"
    again = Housekeeping(engine, transcript_retention=timedelta(days=30), clock=lambda: NOW)
    assert again.run_once() == 0  # what was emptied is not rewritten by a later run
