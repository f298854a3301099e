"""The stand-in refuses what Slack refuses: each documented limit is accepted at the limit and refused one
past it, malformed Block Kit is refused with Slack's error, and the bot's real payloads are accepted."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from bot.conversation import home_blocks, status_answer
from bot.reading import read_question
from mailbox_assistant.escalation.blocks import choose_mailbox, confirmation
from mailbox_assistant.escalation.models import Escalation
from mailbox_assistant.slack import blocks as b
from tests.bot.factories import NOW, connected, disconnected
from tests.fakes.block_kit import Problem, problems, refusal

Payload = tuple[str, dict[str, Any]]


def section(text: str = "Hello", **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(action_id: str = "go", text: str = "Go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": text}, **extra}


def message(*blocks: dict[str, Any], method: str = "chat.postMessage", **extra: Any) -> Payload:
    return method, {"channel": "D1", "text": "fallback", "blocks": list(blocks), **extra}


def actions(*elements: dict[str, Any]) -> dict[str, Any]:
    return {"type": "actions", "block_id": "actions", "elements": list(elements)}


def select(options: int = 1, text: str = "One", value: str = "1") -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": text}, "value": value}
    many = [option] + [{**option, "value": f"v{n}"} for n in range(1, options)]
    placeholder = {"type": "plain_text", "text": "Pick"}
    return {"type": "static_select", "action_id": "pick", "placeholder": placeholder, "options": many}


def modal(**overrides: Any) -> Payload:
    view = {
        "type": "modal",
        "callback_id": "ask",
        "title": {"type": "plain_text", "text": "Ask"},
        "submit": {"type": "plain_text", "text": "Ask"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [section()],
        **overrides,
    }
    return "views.open", {"trigger_id": "t", "view": view}


def plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


# name → (build a payload whose measured size is n, the documented limit, Slack's error past it)
LIMITS: dict[str, tuple[Callable[[int], Payload], int, str]] = {
    "blocks per message": (
        lambda n: message(*[section(block_id=f"b{i}") for i in range(n)]),
        50,
        "invalid_blocks",
    ),
    "blocks per response_url message": (
        lambda n: message(*[section(block_id=f"b{i}") for i in range(n)], method="response_url"),
        50,
        "invalid_blocks",
    ),
    "blocks per view": (
        lambda n: ("views.publish", {"user_id": "U1", "view": {"type": "home", "blocks": [section()] * n}}),
        100,
        "invalid_arguments",
    ),
    "section text": (lambda n: message(section("x" * n)), 3000, "invalid_blocks"),
    "section fields": (
        lambda n: message({"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * n}),
        10,
        "invalid_blocks",
    ),
    "section field text": (
        lambda n: message({"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * n}]}),
        2000,
        "invalid_blocks",
    ),
    "header text": (lambda n: message({"type": "header", "text": plain("x" * n)}), 150, "invalid_blocks"),
    "context elements": (
        lambda n: message({"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * n}),
        10,
        "invalid_blocks",
    ),
    "actions elements": (
        lambda n: message(actions(*[button(f"a{i}") for i in range(n)])),
        25,
        "invalid_blocks",
    ),
    "button text": (lambda n: message(actions(button(text="x" * n))), 75, "invalid_blocks"),
    "button value": (lambda n: message(actions(button(value="x" * n))), 2000, "invalid_blocks"),
    "button url": (
        lambda n: message(actions(button(url="https://x.test/" + "x" * (n - 15)))),
        3000,
        "invalid_blocks",
    ),
    "action_id": (lambda n: message(actions(button("x" * n))), 255, "invalid_blocks"),
    "block_id": (lambda n: message(section(block_id="x" * n)), 255, "invalid_blocks"),
    "option text": (lambda n: message(actions(select(text="x" * n))), 75, "invalid_blocks"),
    "option value": (lambda n: message(actions(select(value="x" * n))), 150, "invalid_blocks"),
    "static_select options": (lambda n: message(actions(select(options=n))), 100, "invalid_blocks"),
    "modal title": (lambda n: modal(title=plain("x" * n)), 24, "invalid_arguments"),
    "modal submit": (lambda n: modal(submit=plain("x" * n)), 24, "invalid_arguments"),
    "modal close": (lambda n: modal(close=plain("x" * n)), 24, "invalid_arguments"),
    "modal private_metadata": (lambda n: modal(private_metadata="x" * n), 3000, "invalid_arguments"),
    "modal callback_id": (lambda n: modal(callback_id="x" * n), 255, "invalid_arguments"),
    "message text": (
        lambda n: ("chat.postMessage", {"channel": "D1", "text": "x" * n}),
        40_000,
        "msg_too_long",
    ),
}


@pytest.mark.parametrize("name", LIMITS)
def test_a_limit_is_accepted_at_the_limit(name):
    build, limit, _ = LIMITS[name]

    assert problems(*build(limit)) == []


@pytest.mark.parametrize("name", LIMITS)
def test_a_limit_is_refused_one_past_it(name):
    build, limit, error = LIMITS[name]

    found = problems(*build(limit + 1))

    assert found and {problem.error for problem in found} == {error}, found


REFUSED: dict[str, tuple[Payload, str, str]] = {
    "an unknown block type": (message({"type": "banner"}), "/blocks/0/type", "unsupported type: banner"),
    "an unknown element type": (
        message(actions({"type": "slider"})),
        "/blocks/0/elements/0/type",
        "unsupported type: slider",
    ),
    "an unknown property": (
        message(section(colour="red")),
        "/blocks/0",
        "invalid additional property: colour",
    ),
    "an empty section text": (message(section("")), "/blocks/0/text/text", "more than 0 characters"),
    "a section without text or fields": (message({"type": "section"}), "/blocks/0", "must be specified"),
    "a string where a text object goes": (
        message({"type": "section", "text": "hi"}),
        "/blocks/0/text",
        "must provide an object",
    ),
    "a mrkdwn header": (
        message({"type": "header", "text": {"type": "mrkdwn", "text": "h"}}),
        "/blocks/0/text/type",
        "must be plain_text",
    ),
    "a mrkdwn button label": (
        message(actions({**button(), "text": {"type": "mrkdwn", "text": "*Go*"}})),
        "/blocks/0/elements/0/text/type",
        "must be plain_text",
    ),
    "emoji on mrkdwn": (
        message(section(), {"type": "context", "elements": [{"type": "mrkdwn", "text": "c", "emoji": True}]}),
        "/blocks/1",
        "emoji",
    ),
    "a button style Slack does not have": (
        message(actions(button(style="secondary"))),
        "/blocks/0/elements/0",
        "style",
    ),
    "two blocks with one block_id": (
        message(section(block_id="same"), section(block_id="same")),
        "/blocks/1/block_id",
        "duplicate block_id",
    ),
    "two buttons of a block with one action_id": (
        message(actions(button("same"), button("same"))),
        "/blocks/0/elements/1/action_id",
        "duplicate action_id",
    ),
    "blocks that are not an array": (
        message(method="chat.postMessage", blocks={"type": "divider"}),
        "/blocks",
        "array",
    ),
    "a view block past the view's own checks": (
        ("views.publish", {"user_id": "U1", "view": {"type": "home", "blocks": [{"type": "section"}]}}),
        "/view/blocks/0",
        "must be specified",
    ),
    "a home tab with a submit button": (
        (
            "views.publish",
            {"user_id": "U1", "view": {"type": "home", "submit": plain("Go"), "blocks": [section()]}},
        ),
        "/view",
        "home view cannot have submit and close",
    ),
    "a modal without a title": (modal(title=None), "/view/title", "needs a title"),
    "a modal with an input but no submit": (
        modal(
            submit=None,
            blocks=[
                {
                    "type": "input",
                    "label": plain("Q"),
                    "element": {"type": "plain_text_input", "action_id": "q"},
                }
            ],
        ),
        "/view/submit",
        "submit",
    ),
}


@pytest.mark.parametrize("name", REFUSED)
def test_malformed_block_kit_is_refused_where_it_is_wrong(name):
    payload, pointer, words = REFUSED[name]

    found = problems(*payload)

    assert any(p.pointer == pointer and words in p.message for p in found), found


def test_the_same_action_id_in_two_blocks_is_accepted():
    first, second = actions(button("escalate:7")), actions(button("escalate:7"))

    assert problems(*message({**first, "block_id": "one"}, {**second, "block_id": "two"})) == []


@pytest.mark.parametrize("method", ["chat.postMessage", "chat.postEphemeral", "chat.update"])
def test_blocks_without_a_text_fallback_are_refused(method):
    found = problems(method, {"channel": "D1", "blocks": [section()]})

    assert [(p.error, p.pointer) for p in found] == [("invalid_arguments", "/text")]


def test_a_response_url_message_may_go_without_text_and_a_deletion_without_anything():
    assert problems("response_url", {"blocks": [section()], "replace_original": True}) == []
    assert problems("response_url", {"delete_original": True}) == []


def test_a_message_with_nothing_to_show_is_refused_with_no_text():
    assert [p.error for p in problems("chat.postMessage", {"channel": "D1"})] == ["no_text"]


def test_blocks_and_views_may_come_as_json_strings_but_must_be_json():
    _, body = message(section())

    assert problems("chat.postMessage", {**body, "blocks": json.dumps(body["blocks"])}) == []
    assert problems("views.open", {"view": json.dumps(modal()[1]["view"])}) == []
    assert [p.error for p in problems("chat.postMessage", {**body, "blocks": "[{"})] == [
        "invalid_blocks_format"
    ]


def test_other_methods_are_not_checked():
    assert problems("users.info", {"user": "U1", "blocks": "not json"}) == []


def test_slack_answers_a_refused_message_with_the_errors_and_http_200():
    found = problems(*message(section(""), {"type": "banner"}))

    status, content_type, body = refusal("chat.postMessage", found)

    answer = json.loads(body)
    assert (status, content_type, answer["ok"], answer["error"]) == (
        200,
        "application/json",
        False,
        "invalid_blocks",
    )
    assert answer["errors"] == [str(p) for p in found]
    assert answer["errors"][0] == "must be more than 0 characters [json-pointer:/blocks/0/text/text]"
    assert answer["response_metadata"]["messages"][0].startswith("[ERROR] ")


def test_slack_answers_a_refused_view_with_invalid_arguments():
    status, _, body = refusal("views.open", problems(*modal(title=plain("x" * 25))))

    assert status == 200 and json.loads(body)["error"] == "invalid_arguments"


def test_a_response_url_answers_a_refusal_like_a_webhook_http_400_and_the_code():
    found = [Problem("invalid_blocks", "/blocks", "no more than 50 items allowed")]

    assert refusal("response_url", found) == (400, "text/plain", "invalid_blocks")


# -- the bot's own payloads ----------------------------------------------------------------------------


def reconnect_url(mailbox) -> str:
    return f"https://mailbox.example/reconnect/{mailbox.id}"


def fleet(count: int) -> list:
    return [disconnected(id=f"mb-{n}", email=f"ana{n}@acme.com") for n in range(count)]


def case(**overrides: Any) -> Escalation:
    values = {"id": 41, "mailbox_ref": "7", "mailbox_email": "ana@acme.com", "asker_email": "ana@acme.com"}
    return Escalation(**(values | {"created_at": NOW} | overrides))


def answer_to(question: str, mailboxes: list) -> list[dict[str, Any]]:
    reply = status_answer(read_question(question), mailboxes, reconnect_url=reconnect_url, now=NOW)
    return reply.blocks


BOT_PAYLOADS: dict[str, Callable[[], Payload]] = {
    "one disconnected mailbox": lambda: message(*answer_to("why did my mailbox disconnect?", fleet(1))),
    "seven disconnected mailboxes": lambda: message(*answer_to("why did my mailbox disconnect?", fleet(7))),
    "connected and recently failed": lambda: message(
        *answer_to(
            "is my mailbox ok?", [connected(failed_days_ago=1), connected(id="mb-3", email="b@acme.com")]
        )
    ),
    "support asked for": lambda: message(*answer_to("I need a human", fleet(2))),
    "disconnected mailbox builder": lambda: message(
        *b.build_disconnected_mailbox(
            disconnected(error="x" * 5000),
            title="Token expired",
            summary="**Sign in** again, see [help](https://help.test/a).",
            steps=("Open settings", "Press **Reconnect**"),
            self_serve=True,
            reconnect_url="https://mailbox.example/r/1",
            note="Google had an outage at the time.",
        ),
        method="chat.update",
        ts="1.0",
    ),
    "feedback, then its thanks": lambda: message(
        *b.build_feedback_with_question("mb-1"), *b.build_feedback_answer(True, "mb-1"), method="response_url"
    ),
    "feedback answered no": lambda: message(*b.build_feedback_answer(False, "mb-1"), method="response_url"),
    "escalation confirmed": lambda: message(*confirmation(case(), created=True)[1], method="response_url"),
    "escalation already open": lambda: message(
        *confirmation(case(), created=False)[1], method="chat.postEphemeral"
    ),
    "which mailbox for support": lambda: message(*choose_mailbox(fleet(30))[1], method="response_url"),
    "home tab of fifteen mailboxes": lambda: (
        "views.publish",
        {
            "user_id": "U1",
            "view": b.build_home_view(home_blocks(fleet(15), reconnect_url=reconnect_url, now=NOW)),
        },
    ),
    "home tab without mailboxes": lambda: (
        "views.publish",
        {"user_id": "U1", "view": b.build_home_view(home_blocks([], reconnect_url=reconnect_url, now=NOW))},
    ),
    "ask modal": lambda: ("views.open", {"trigger_id": "t", "view": b.build_ask_modal()}),
}


@pytest.mark.parametrize("name", BOT_PAYLOADS)
def test_the_bots_payloads_are_accepted(name):
    method, body = BOT_PAYLOADS[name]()

    assert problems(method, body) == []


def test_a_long_raw_error_stays_within_the_limits():
    blocks = b.build_disconnected_mailbox(
        disconnected(error="y" * 100_000),
        title="t" * 4000,
        summary="s" * 4000,
        steps=("z" * 4000,),
        self_serve=False,
        reconnect_url="https://mailbox.example/r/1",
    )

    assert problems(*message(*blocks)) == []
