"""A person with many mailboxes gets answers Slack accepts (50 blocks a message), checked by the strict
Slack stand-in."""

from __future__ import annotations

import pytest

from tests.fakes.slack import FakeSlack

INVALID_GRANT = "invalid_grant: Token has been expired or revoked."


@pytest.mark.parametrize("count", [8, 40])
def test_many_disconnected_mailboxes_get_an_answer_slack_accepts(slack, fake_slack: FakeSlack, seed, count):
    for number in range(count):
        seed(f"ana{number}@acme.com", owner_email="ana@acme.com", error=INVALID_GRANT)

    slack.dm("U_ANA", "why did my mailbox disconnect?")

    [answer] = fake_slack.wait_for_call("chat.postMessage")
    fake_slack.assert_nothing_refused()
    assert f"{count} mailboxes" in str(answer.body["blocks"])
