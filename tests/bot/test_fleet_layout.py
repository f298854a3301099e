"""Answers, Home and the full list stay within Slack's budgets for any number of mailboxes, pure: 50 blocks
a message, 100 a view, ids short and unique, outside text escaped; the strict stand-in's checks accept
every payload."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

import knowledge
from bot import conversation, fleet, follow_up, mailbox_list
from bot.answering import with_notes
from bot.conversation import Asker, Question
from bot.home import home_blocks
from mailbox_assistant.mailboxes.incidents import ProviderIncident
from mailbox_assistant.mailboxes.status import Failure, Mailbox, TokenWarning
from mailbox_assistant.reconnect.monitor import expiry_warning
from mailbox_assistant.slack import blocks as b
from tests.bot.blockutil import all_text, block_ids, buttons
from tests.bot.factories import NOW
from tests.fakes.block_kit import problems

ANA = Asker(slack_id="U_ANA", email="ana@acme.com")
WHY = Question(text="why did my mailbox disconnect?", intent="why_disconnected")
CAUSES = [r.code for r in knowledge.reasons()]
PROVIDERS = ["google", "microsoft", "imap", "yahoo"]
HOSTILE = "<!channel> <@U0BOSS> <https://evil.example|click here> & more"
SIZES = [0, 1, 7, 8, 50, 500]


def link(mailbox: Mailbox) -> str:
    return f"https://mailbox.example/reconnect/{mailbox.id}"


def long_address(n: int) -> str:
    """A legal address near the 254-character limit, with the characters mrkdwn must escape."""
    return f"{'a&b' * 20}{n}@{'sub.' * 45}acme.com"


def a_fleet(count: int, *, long: bool = False, hostile: bool = False) -> list[Mailbox]:
    """`count` mailboxes, half disconnected, every cause and provider, the worst notes switched on."""
    out = []
    for n in range(count):
        email = long_address(n) if long else f"user{n}@acme.com"
        provider = PROVIDERS[n % len(PROVIDERS)]
        when = NOW - timedelta(hours=n + 1)
        error = (HOSTILE + " ") * 40 if hostile else "invalid_grant: Token has been expired or revoked."
        if n % 2:
            out.append(
                Mailbox(
                    id=str(1000 + n),
                    email=email,
                    provider=provider,
                    owner_email="ana@acme.com",
                    status="connected",
                    last_failure=Failure("password_changed", HOSTILE, error, NOW - timedelta(days=1)),
                    warning=TokenWarning(expiry_warning(email, NOW - timedelta(days=6)), "token_expired", NOW)
                    if n % 3 == 0
                    else None,
                )  # fmt: skip
            )
            continue
        cause = CAUSES[n // 2 % len(CAUSES)]
        out.append(
            Mailbox(
                id=str(1000 + n),
                email=email,
                provider=provider,
                owner_email="ana@acme.com",
                status="disconnected",
                disconnected_at=when,
                last_failure=Failure(cause, HOSTILE if hostile else None, error, when, confidence=0.3),
                recent_disconnects=5,
            )  # fmt: skip
        )
    return out


def worst_answer(mailboxes: list[Mailbox]) -> list[dict[str, Any]]:
    """The answer with every lead the answer path can add: another language, a file, about a person,
    support first, a named cause, outages."""
    question = replace(WHY, named_reason="password_changed", language="es", with_file=True, frustrated=True)
    incidents = [ProviderIncident(1, p, NOW, 40) for p in PROVIDERS]
    reply = conversation.status_answer(question, mailboxes, reconnect_url=link, now=NOW, incidents=incidents)
    reply = follow_up.support_first(reply)
    reply = with_notes(question, reply)
    lead = b.build_section("Here is what I see for *Ana*:", block_id="about_person")
    return [lead, *reply.blocks]


def assert_within_slack(method: str, body: dict[str, Any]) -> None:
    blocks = body["view"]["blocks"] if "view" in body else body["blocks"]
    assert problems(method, body) == []
    ids = [e["action_id"] for e in _elements(blocks)]
    assert len(ids) == len(set(ids)), "action_ids unique within the message or view"
    assert all(len(i) <= 255 for i in ids + block_ids(blocks))


def _elements(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = [e for block in blocks for e in block.get("elements", []) if "action_id" in e]
    return found + [block["accessory"] for block in blocks if "accessory" in block]


@pytest.mark.parametrize("count", SIZES)
@pytest.mark.parametrize("long", [False, True], ids=["short", "long_addresses"])
def test_the_answer_fits_a_message_for_any_fleet(count, long):
    mailboxes = a_fleet(count, long=long, hostile=long)
    if not mailboxes:
        return  # no mailbox: the fixed "no mailbox found" reply
    blocks = worst_answer(mailboxes)

    assert len(blocks) <= b.MAX_MESSAGE_BLOCKS
    assert_within_slack("chat.postMessage", {"channel": "D1", "text": "x", "blocks": blocks})


def test_the_fleet_answer_bound_holds_for_every_cause_in_full():
    many = a_fleet(500)
    groups = len(fleet.fleet_of(many).groups)
    bound = 1 + 8 * fleet.DETAILED + groups + 4 + 2
    leads = 6  # language, file, person, support first (2), contact support
    assert groups == len(CAUSES)
    assert bound + leads <= b.MAX_MESSAGE_BLOCKS
    assert len(worst_answer(many)) <= bound + leads


@pytest.mark.parametrize("count", SIZES)
@pytest.mark.parametrize("page", [1, 2, 99])
def test_the_home_tab_fits_a_view_on_every_page(count, page):
    mailboxes = a_fleet(count, long=True, hostile=True)

    view = b.build_home_view(home_blocks(mailboxes, reconnect_url=link, now=NOW, page=page))

    assert len(view["blocks"]) <= b.MAX_VIEW_BLOCKS
    assert_within_slack("views.publish", {"user_id": "U1", "view": view})


def test_a_large_home_says_how_many_more_and_turns_pages():
    mailboxes = a_fleet(500)

    first = home_blocks(mailboxes, reconnect_url=link, now=NOW)
    last = home_blocks(mailboxes, reconnect_url=link, now=NOW, page=99)

    assert "fleet_summary" in block_ids(first) and "token_health" in block_ids(first)
    pages = -(-(500 - fleet.DETAILED) // fleet.ROWS_PER_PAGE)
    assert f"Page 1 of {pages}" in all_text(first) and f"Page {pages} of {pages}" in all_text(last)
    assert [x["action_id"] for x in buttons(first)][-1] == "home:page:next"
    assert [x["action_id"] for x in buttons(last)][-1] == "home:page:prev"
    shown = {i for page in range(1, pages + 1)
             for i in block_ids(home_blocks(mailboxes, reconnect_url=link, now=NOW, page=page))}  # fmt: skip
    assert all(f"row:{m.id}" in shown or f"mailbox:{m.id}" in shown for m in mailboxes)


@pytest.mark.parametrize("cause", ["all", "disconnected", "token_expired"])
@pytest.mark.parametrize("for_support", [False, True])
def test_every_page_of_the_full_list_fits_a_modal(cause, for_support):
    mailboxes = a_fleet(500, long=True, hostile=True)
    request = mailbox_list.ListRequest(cause=cause, for_support=for_support)

    for page in range(1, 15):
        view = mailbox_list.list_view(replace(request, page=page), mailboxes, link)
        assert_within_slack("views.open", {"trigger_id": "t", "view": view})


def test_a_large_answer_leads_with_the_summary_by_cause_and_groups_the_rest():
    mailboxes = a_fleet(50)

    reply = conversation.status_answer(WHY, mailboxes, reconnect_url=link, now=NOW)

    ids = block_ids(reply.blocks)
    assert ids[0] == "fleet_summary"
    summary = all_text(reply.blocks[:1])
    assert "*50 mailboxes*" in summary and "*25 disconnected*" in summary
    for group in fleet.fleet_of(mailboxes).groups:
        assert f"{group.title}: *{len(group.mailboxes)}*" in summary
        assert f"reason:{group.code}:group" in ids
    assert sum(i.startswith("steps:") for i in ids) == fleet.DETAILED
    assert "see_all" in ids and ids[-1] == "feedback"


def test_one_reconnect_action_per_cause_group():
    mailboxes = a_fleet(500)

    reply = conversation.status_answer(WHY, mailboxes, reconnect_url=link, now=NOW)

    groups = [block for block in reply.blocks if block.get("block_id", "").endswith(":group")]
    token = next(g for g in groups if g["block_id"] == "reason:token_expired:group")
    suspended = next(g for g in groups if g["block_id"] == "reason:account_suspended:group")
    assert token["accessory"]["action_id"] == "mailboxes:token_expired"
    assert token["accessory"]["text"]["text"].startswith("Reconnect these")
    assert suspended["accessory"]["text"]["text"].startswith("See these")
    assert mailbox_list.ListRequest.from_value(token["accessory"]["value"]).cause == "token_expired"


def test_a_few_mailboxes_are_answered_in_full_as_before():
    mailboxes = a_fleet(6)  # three disconnected, three connected

    reply = conversation.status_answer(WHY, mailboxes, reconnect_url=link, now=NOW)

    ids = block_ids(reply.blocks)
    assert "fleet_summary" not in ids
    assert all(f"mailbox:{m.id}" in ids for m in mailboxes)
    assert sum(i.startswith("steps:") for i in ids) == 3


def test_outside_text_is_escaped_once_everywhere():
    mailboxes = a_fleet(8, hostile=True) + [
        replace(m, email="x&y@acme.com", id=f"9{n}") for n, m in enumerate(a_fleet(2, hostile=True))
    ]

    surfaces = [
        worst_answer(mailboxes),
        worst_answer(mailboxes[:2]),
        home_blocks(mailboxes, reconnect_url=link, now=NOW),
        home_blocks(mailboxes[:2], reconnect_url=link, now=NOW),
        mailbox_list.list_view(mailbox_list.ListRequest(), mailboxes, link)["blocks"],
    ]

    for blocks in surfaces:
        text = all_text(blocks) + str([blk.get("text") for blk in blocks])
        for forged in ("<!channel>", "<@U0BOSS>", "<https://evil.example|"):
            assert forged not in text
        assert "&amp;lt;" not in text and "&amp;amp;" not in text
    assert "&lt;!channel&gt;" in all_text(surfaces[1]) and "x&amp;y@acme.com" in all_text(surfaces[0])


def test_escalate_ids_are_short_and_opaque_and_the_value_names_the_mailbox():
    address = long_address(1)
    assert len(f"escalate:{address}") > 255

    button = b.build_escalate_button(address)
    reply = conversation.answer(WHY, ANA, [], reconnect_url=link, now=NOW)

    assert button["action_id"].startswith("escalate:") and len(button["action_id"]) <= 20
    assert address not in button["action_id"] and button["value"] == address
    assert b.build_escalate_button(address)["action_id"] == button["action_id"]
    assert b.build_escalate_button("7")["action_id"] != b.build_escalate_button("8")["action_id"]
    [support] = buttons(reply.blocks)
    assert support["value"] == "ana@acme.com" and "ana@acme.com" not in support["action_id"]


def test_many_candidates_for_support_are_chosen_from_the_full_list():
    candidates = [m for m in a_fleet(100) if m.is_disconnected]

    text, blocks = mailbox_list.choose_among_many(candidates)

    assert_within_slack("chat.postMessage", {"channel": "D1", "text": text, "blocks": blocks})
    shown = [x for x in buttons(blocks) if x["action_id"].startswith("escalate")]
    assert len(shown) == mailbox_list.CHOOSER_BUTTONS
    assert shown[0]["value"] == candidates[0].id  # the most recently disconnected first
    [see_all] = [x for x in buttons(blocks) if x["action_id"] == "mailboxes:choose"]
    request = mailbox_list.ListRequest.from_value(see_all["value"])
    assert (request.cause, request.for_support) == ("disconnected", True)
    rows = mailbox_list.list_view(request, candidates, link)["blocks"]
    assert all(r["accessory"]["action_id"].startswith("escalate") for r in rows if "accessory" in r)


def test_a_follow_up_on_many_new_disconnections_fits_a_message():
    mailboxes = [m for m in a_fleet(20) if m.is_disconnected][: follow_up.MAX_REMEMBERED]
    seen = tuple(follow_up.Seen(m.id, m.email, "connected", None) for m in mailboxes)
    last = follow_up.LastAnswer(at=NOW, mailboxes=seen, follow_ups=5)
    question = replace(WHY, follow_up=True, frustrated=True, language="es")

    reply = with_notes(question, follow_up.follow_up_answer(question, last, mailboxes, reconnect_url=link))

    assert len(reply.blocks) <= b.MAX_MESSAGE_BLOCKS
    assert sum(i.startswith("changed:") for i in block_ids(reply.blocks)) == follow_up.MAX_EXPLAINED
    assert_within_slack("chat.postMessage", {"channel": "D1", "text": reply.text, "blocks": reply.blocks})


def test_a_follow_up_after_a_fleet_answer_gets_the_fleet_again():
    reply = conversation.status_answer(WHY, a_fleet(50), reconnect_url=link, now=NOW)
    last = follow_up.LastAnswer.from_about(NOW, follow_up.about_of(reply))

    assert last is not None and last.total == 50
    assert not follow_up.is_follow_up(replace(WHY, follow_up=True), last, NOW)


def test_the_testing_mode_warning_reaches_the_answer_with_what_to_do():
    mailbox = a_fleet(4)[3]  # connected, warned
    assert mailbox.warning is not None

    reply = conversation.status_answer(WHY, [mailbox], reconnect_url=link, now=NOW)

    text = all_text(reply.blocks)
    assert "Good news" not in text
    assert "token_health" in block_ids(reply.blocks)
    assert "sign-in expires on <!date^" in text and "testing mode" in text
    assert "Settings → Mailboxes" in text and "Publish app" in text


def test_a_warning_that_is_not_a_coming_lapse_is_not_shown():
    warned = replace(a_fleet(2)[1], warning=TokenWarning("IMAP idle timed out", "provider_outage", NOW))

    reply = conversation.status_answer(WHY, [warned], reconnect_url=link, now=NOW)

    assert "token_health" not in block_ids(reply.blocks)
    assert "Good news" in all_text(reply.blocks)
