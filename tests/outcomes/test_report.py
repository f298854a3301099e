"""The outcomes report (GET /api/v1/reports/outcomes): figures computed by hand from seeded histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.bot.blockutil import buttons
from tests.outcomes.conftest import TOKEN_EXPIRED

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PERIOD = {"since": START - timedelta(days=1), "until": START + timedelta(days=20)}
MINUTE = timedelta(minutes=1)


def test_three_owners_one_self_serves_one_escalates_one_does_nothing(slack, fake_slack, seed, fleet):
    ana = seed("ana@acme.com", error=TOKEN_EXPIRED)
    bo = seed("bo@acme.com", error=TOKEN_EXPIRED)
    seed("cy@acme.com", error=TOKEN_EXPIRED)  # no one answers for cy: nothing happens

    slack.dm("U_ANA", "why did my mailbox disconnect?")
    answer = fake_slack.wait_for_call("chat.postMessage")[0].body
    yes = next(b for b in buttons(answer["blocks"]) if b["action_id"] == "feedback:yes")
    slack.click("U_ANA", yes, message={"type": "message", "ts": "1.0", **answer})
    fleet.wait_for_votes(1)
    fleet.reconnect(ana["id"], datetime.now(UTC))
    slack.click("U_BO", {"action_id": f"escalate:{bo['id']}", "value": str(bo["id"])})
    fleet.wait_for_escalations(1)
    fleet.wait_for_answers(1)

    report = fleet.report()

    totals = report["totals"]
    assert (totals["disconnections"], totals["reconnected"], totals["reconnected_within_24h"]) == (3, 1, 1)
    assert (totals["escalated"], totals["feedback_yes"], totals["feedback_no"]) == (1, 1, 0)
    assert totals["self_serve_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert totals["median_minutes_to_reconnect"] is not None
    assert totals["notified"] == 1  # Ana, by the bot's answer (no worker sent DMs here)
    assert totals["median_minutes_to_first_notice"] is not None
    [reason] = report["reasons"]
    [provider] = report["providers"]
    assert reason == {"reason": "token_expired", **totals}
    assert provider == {"provider": "google", **totals}


def test_a_disconnection_reported_again_counts_once_and_errors_not_at_all(fleet):
    mailbox = fleet.mailbox("rep@acme.com")
    fleet.disconnect(mailbox, START)
    fleet.disconnect(mailbox, START + MINUTE)  # still disconnected: the same disconnection
    fleet.event(mailbox, "error", START + 2 * MINUTE, "421 4.7.0 Try again later")
    fleet.reconnect(mailbox, START + 30 * MINUTE)
    fleet.reconnect(mailbox, START + 40 * MINUTE)  # already connected: nothing ends

    totals = fleet.report(**PERIOD)["totals"]

    assert (totals["disconnections"], totals["reconnected"], totals["reconnected_within_24h"]) == (1, 1, 1)
    assert totals["median_minutes_to_reconnect"] == 30.0
    assert totals["self_serve_rate"] == 1.0


def test_reconnecting_after_24_hours_is_reconnected_but_not_self_served(fleet):
    mailbox = fleet.mailbox("rep@acme.com")
    fleet.disconnect(mailbox, START)
    fleet.reconnect(mailbox, START + timedelta(hours=25))

    totals = fleet.report(**PERIOD)["totals"]

    assert (totals["reconnected"], totals["reconnected_within_24h"], totals["self_serve_rate"]) == (1, 0, 0.0)
    assert totals["median_minutes_to_reconnect"] == 25 * 60


def test_an_escalation_counts_until_a_day_after_the_reconnection(fleet):
    early, late, before = (fleet.mailbox(f"{name}@acme.com") for name in ("early", "late", "before"))
    for mailbox in (early, late, before):
        fleet.disconnect(mailbox, START)
        fleet.reconnect(mailbox, START + 10 * MINUTE)
    fleet.escalate(early, START + timedelta(hours=23))  # the day after it reconnected: about it
    fleet.escalate(late, START + timedelta(hours=25))  # later: about nothing the report counts
    fleet.escalate(before, START - MINUTE)  # before it disconnected
    fleet.escalate(early, START + timedelta(hours=1))  # a second case counts the disconnection once

    totals = fleet.report(**PERIOD)["totals"]

    assert (totals["escalated"], totals["reconnected_within_24h"]) == (1, 3)
    assert totals["self_serve_rate"] == pytest.approx(2 / 3, abs=1e-4)


def test_the_next_disconnection_ends_the_time_the_previous_one_collects_escalations(fleet):
    mailbox = fleet.mailbox("rep@acme.com")
    fleet.disconnect(mailbox, START)
    fleet.reconnect(mailbox, START + 10 * MINUTE)
    fleet.disconnect(mailbox, START + timedelta(hours=2))
    fleet.escalate(mailbox, START + timedelta(hours=3))  # about the second one only

    totals = fleet.report(**PERIOD)["totals"]

    assert (totals["disconnections"], totals["escalated"], totals["reconnected"]) == (2, 1, 1)
    assert totals["self_serve_rate"] == 0.5


def test_votes_count_one_per_person_per_answer_for_the_disconnection_they_are_about(fleet):
    mailbox = fleet.mailbox("rep@acme.com")
    fleet.disconnect(mailbox, START)
    fleet.vote(mailbox, START + MINUTE, helpful=True)
    fleet.vote(mailbox, START + 2 * MINUTE, helpful=False)  # Ana changes her vote on the same answer
    fleet.vote(mailbox, START + 3 * MINUTE, helpful=True, voter="U_BO")
    fleet.vote(mailbox, START + 4 * MINUTE, helpful=True, answer="2.0")  # Ana, another answer
    fleet.vote(mailbox, START - MINUTE, helpful=True, voter="U_CY")  # before it disconnected

    totals = fleet.report(**PERIOD)["totals"]

    assert (totals["feedback_yes"], totals["feedback_no"]) == (2, 1)


def test_the_period_holds_disconnections_that_began_in_it(fleet):
    inside, at_until, before = (fleet.mailbox(f"{name}@acme.com") for name in ("inside", "until", "before"))
    since, until = START, START + timedelta(days=1)
    fleet.disconnect(inside, since)
    fleet.disconnect(at_until, until)
    fleet.disconnect(before, since - MINUTE)
    fleet.reconnect(before, since + MINUTE)

    report = fleet.report(since=since, until=until)

    assert report["totals"]["disconnections"] == 1 and report["totals"]["reconnected"] == 0
    assert (report["since"], report["until"]) == (since.isoformat(), until.isoformat())


def test_reasons_and_providers_are_counted_apart_with_medians(fleet):
    google = [fleet.mailbox(f"g{n}@acme.com") for n in range(3)]
    microsoft = fleet.mailbox("m@acme.com", provider="microsoft")
    for mailbox, minutes in zip(google, (10, 30, 50), strict=True):
        fleet.disconnect(mailbox, START)
        fleet.reconnect(mailbox, START + minutes * MINUTE)
    fleet.disconnect(microsoft, START, error="550 5.2.2 Mailbox full: quota exceeded")
    fleet.reconnect(microsoft, START + 20 * MINUTE)

    report = fleet.report(**PERIOD)

    providers = {row["provider"]: row for row in report["providers"]}
    assert providers["google"]["median_minutes_to_reconnect"] == 30.0
    assert providers["microsoft"]["median_minutes_to_reconnect"] == 20.0
    assert report["totals"]["median_minutes_to_reconnect"] == 25.0  # (20 + 30) / 2
    reasons = {row["reason"]: row["disconnections"] for row in report["reasons"]}
    assert reasons == {"token_expired": 3, "storage_full": 1}
    assert [row["provider"] for row in report["providers"]] == ["google", "microsoft"]  # most first


def test_the_owner_is_first_told_by_a_dm_or_an_answer_whichever_came_first(fleet):
    dm, asked, both, nobody = (
        fleet.mailbox(f"{name}@acme.com") for name in ("dm", "asked", "both", "nobody")
    )
    events = {mailbox: fleet.disconnect(mailbox, START) for mailbox in (dm, asked, both, nobody)}
    fleet.notify(dm, events[dm], START + 2 * MINUTE)  # told by a DM after 2 minutes
    fleet.answer(asked, START + 10 * MINUTE, asker="U_ASKED")  # by an answer after 10
    fleet.notify(asked, events[asked], START + 30 * MINUTE, kind="reminder")  # a reminder, later
    fleet.answer(both, START + 5 * MINUTE, asker="U_BOTH")  # the answer came first: 5
    fleet.notify(both, events[both], START + 8 * MINUTE)
    fleet.notify(nobody, events[nobody], None)  # a DM still waiting to be sent tells nobody
    fleet.reconnect(nobody, START + 20 * MINUTE)
    fleet.answer(nobody, START + 40 * MINUTE, asker="U_NOBODY")  # shows it connected again

    totals = fleet.report(**PERIOD)["totals"]

    assert (totals["disconnections"], totals["notified"]) == (4, 3)
    assert totals["median_minutes_to_first_notice"] == 5.0  # of 2, 10 and 5


def test_a_notice_recorded_after_a_report_is_counted_by_the_next(fleet):
    mailbox = fleet.mailbox("rep@acme.com")
    first = fleet.disconnect(mailbox, START)
    fleet.reconnect(mailbox, START + 30 * MINUTE)
    second = fleet.disconnect(mailbox, START + timedelta(hours=3))
    assert fleet.report(**PERIOD)["totals"]["notified"] == 0

    fleet.notify(mailbox, second, START + timedelta(hours=3, minutes=4))  # about the second only
    fleet.answer(mailbox, START + timedelta(hours=3, minutes=1))  # it shows the second as it is now
    fleet.notify(mailbox, first, START + 3 * MINUTE)  # sent long ago, recorded as sent now

    totals = fleet.report(**PERIOD)["totals"]
    assert (totals["disconnections"], totals["notified"]) == (2, 2)
    assert totals["median_minutes_to_first_notice"] == 2.0  # (3 + 1) / 2


def test_a_changed_vote_is_counted_as_it_is_now(fleet):
    mailbox = fleet.mailbox("rep@acme.com")
    fleet.disconnect(mailbox, START)
    fleet.vote(mailbox, START + MINUTE, helpful=True)
    assert fleet.report(**PERIOD)["totals"]["feedback_yes"] == 1

    fleet.vote(mailbox, START + 2 * MINUTE, helpful=False)  # the same person, the same answer

    totals = fleet.report(**PERIOD)["totals"]
    assert (totals["feedback_yes"], totals["feedback_no"]) == (0, 1)


def test_an_empty_period_has_no_rates(fleet):
    report = fleet.report(**PERIOD)

    assert report["reasons"] == [] and report["providers"] == []
    assert report["totals"]["self_serve_rate"] is None
    assert report["totals"]["median_minutes_to_reconnect"] is None
    assert report["totals"]["notified"] == 0
    assert report["totals"]["median_minutes_to_first_notice"] is None


def test_the_default_period_is_the_last_30_days(fleet):
    report = fleet.report()

    since = datetime.fromisoformat(report["since"])
    until = datetime.fromisoformat(report["until"])
    assert until - since == timedelta(days=30)
    assert abs(until - datetime.now(UTC)) < timedelta(minutes=1)


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"since": "yesterday"}, 422),
        ({"since": "2026-12-01", "until": "2026-11-01"}, 200),  # an empty period: nothing in it
        ({"until": "0002-01-01"}, 200),
        ({"period": "7d"}, 422),
        ({"since": "2026-11-01"}, 200),
        ({"since": "2026-11-01T10:00:00 02:00"}, 200),  # an unencoded "+" arrives as a space
    ],
)
def test_the_period_is_checked(fleet, query, status):
    response = fleet.client.get("/api/v1/reports/outcomes", query_string=query, headers=fleet.read)

    assert response.status_code == status
    if status >= 400:
        assert response.mimetype == "application/problem+json" and response.json["detail"]
    else:
        assert response.json["totals"]["disconnections"] == 0


def test_the_report_needs_a_read_key(fleet):
    assert fleet.client.get("/api/v1/reports/outcomes").status_code == 401
