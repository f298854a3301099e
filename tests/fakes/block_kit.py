"""What Slack refuses in a chat.*, views.* or response_url payload, and how it says so.

slack_sdk's Block Kit models read each block, element and view (`Block.parse`, `View(**view)`) and check
most documented limits (`validate_json()`); what they do not check is checked here: blocks per message,
section fields, plain_text where only plain_text is allowed, empty texts, unknown properties, unique ids,
the message text's length and its fallback. Attachments (legacy) are not checked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    HeaderBlock,
    InputBlock,
    Option,
    SectionBlock,
    TextObject,
)
from slack_sdk.models.views import View

MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update", "response_url"})
VIEW_METHODS = frozenset({"views.publish", "views.open", "views.update", "views.push"})
# Slack posts a message whose blocks come without `text` (it only warns), but the notification, the
# screen reader and the search index then have nothing to show: the stand-in refuses it.
FALLBACK_REQUIRED = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update"})

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100  # slack_sdk's View checks this one
MAX_MESSAGE_TEXT = 40_000
MAX_SECTION_FIELD = 2000

# Properties whose text object Slack allows as plain_text only (a button's and a header's `text` too).
_PLAIN_TEXT_ONLY = frozenset({"label", "hint", "placeholder", "title", "submit", "close"})
_OPTION_KEYS = frozenset({"text", "value", "description", "url"})
_UNREADABLE = (TypeError, KeyError, ValueError, AttributeError, SlackObjectFormationError)


@dataclass(frozen=True)
class Problem:
    """One reason Slack refuses a payload: its error code, where (a JSON pointer) and what is wrong."""

    error: str  # invalid_blocks, invalid_blocks_format, msg_too_long, no_text or invalid_arguments
    pointer: str
    message: str

    def __str__(self) -> str:
        """As Slack writes it in `errors`: the message, then the pointer."""
        return f"{self.message} [json-pointer:{self.pointer}]"


def problems(method: str, body: Mapping[str, Any]) -> list[Problem]:
    """Why Slack would refuse `body` sent to `method` (a Web API method or `response_url`); [] if it accepts.

    `blocks` and `view` may be JSON strings (form-encoded calls) or already decoded."""
    if method in VIEW_METHODS:
        return _view_problems(body.get("view"))
    if method in MESSAGE_METHODS:
        return _message_problems(method, body)
    return []


def refusal(method: str, found: list[Problem]) -> tuple[int, str, str]:
    """Slack's answer to a refused payload as (HTTP status, content type, body).

    The Web API answers HTTP 200 with `ok: false`, the error, and for blocks the `errors` list; a
    response_url answers like an incoming webhook: HTTP 400 with the error code as plain text."""
    error = found[0].error
    if method == "response_url":
        return 400, "text/plain", error
    answer: dict[str, Any] = {"ok": False, "error": error}
    if error == "invalid_blocks":
        answer["errors"] = [str(problem) for problem in found if problem.error == error]
    answer["response_metadata"] = {"messages": [f"[ERROR] {problem}" for problem in found]}
    return 200, "application/json", json.dumps(answer)


# -- messages -------------------------------------------------------------------------------------------


def _message_problems(method: str, body: Mapping[str, Any]) -> list[Problem]:
    found: list[Problem] = []
    blocks = body.get("blocks")
    if blocks is not None:
        found += _blocks_problems(blocks, "/blocks", MAX_MESSAGE_BLOCKS, "invalid_blocks")
    text = body.get("text")
    if isinstance(text, str) and len(text) > MAX_MESSAGE_TEXT:
        found.append(Problem("msg_too_long", "/text", f"text is longer than {MAX_MESSAGE_TEXT} characters"))
    if body.get("delete_original"):
        return found
    if not text and not blocks and not body.get("attachments"):
        found.append(Problem("no_text", "/text", "a message needs text, blocks or attachments"))
    elif blocks and not text and method in FALLBACK_REQUIRED:
        found.append(Problem("invalid_arguments", "/text", "a message with blocks needs a text fallback"))
    return found


# -- views ----------------------------------------------------------------------------------------------


def _view_problems(raw: Any) -> list[Problem]:
    error = "invalid_arguments"  # what views.* answer for a view Slack cannot take
    raw = _decoded(raw)
    if not isinstance(raw, dict):
        return [Problem(error, "/view", "view must be a JSON object")]
    try:
        view = View(**raw)
    except _UNREADABLE as exc:
        return [Problem(error, "/view", f"cannot be read as a view: {exc}")]
    found = _validated(view, "/view", error)
    found += _unknown_keys(raw, View.attributes, "/view", error)
    for key in ("title", "submit", "close"):
        if key in raw:
            found += _text_problems(raw[key], f"/view/{key}", error, plain_only=True)
    if raw.get("type") == "modal":
        if not raw.get("title"):
            found.append(Problem(error, "/view/title", "a modal needs a title"))
        has_input = any(
            isinstance(b, dict) and b.get("type") == InputBlock.type for b in raw.get("blocks") or []
        )
        if has_input and not raw.get("submit"):
            found.append(Problem(error, "/view/submit", "a modal with input blocks needs a submit button"))
    if "blocks" in raw:  # View's validator counts them (1 to 100)
        found += _blocks_problems(raw["blocks"], "/view/blocks", None, error)
    return found


# -- blocks ---------------------------------------------------------------------------------------------


def _blocks_problems(raw: Any, pointer: str, most: int | None, error: str) -> list[Problem]:
    """Every block read by slack_sdk and checked, the count, and block_ids unique in the message or view."""
    raw = _decoded(raw)
    if not isinstance(raw, list):
        return [Problem("invalid_blocks_format", pointer, "blocks must be a JSON array")]
    found: list[Problem] = []
    if most is not None and len(raw) > most:
        found.append(Problem(error, pointer, f"no more than {most} items allowed"))
    block_ids: set[str] = set()
    for index, block in enumerate(raw):
        at = f"{pointer}/{index}"
        if not isinstance(block, dict):
            found.append(Problem(error, at, "a block must be a JSON object"))
            continue
        found += _block_problems(block, at, error)
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in block_ids:
                found.append(Problem(error, f"{at}/block_id", f"duplicate block_id {block_id!r}"))
            block_ids.add(block_id)
    return found


def _block_problems(raw: dict[str, Any], pointer: str, error: str) -> list[Problem]:
    try:
        block = Block.parse(raw)
    except _UNREADABLE as exc:
        return [Problem(error, pointer, f"cannot be read as a block: {exc}")]
    if block is None:
        return [Problem(error, f"{pointer}/type", f"unsupported type: {raw.get('type')}")]
    found = _object_problems(raw, block, pointer, error)
    if isinstance(block, SectionBlock):
        for index, field in enumerate(raw.get("fields") or []):
            if isinstance(field, dict) and len(str(field.get("text", ""))) > MAX_SECTION_FIELD:
                message = f"must be no more than {MAX_SECTION_FIELD} characters"
                found.append(Problem(error, f"{pointer}/fields/{index}/text", message))
    found += _action_id_problems(raw, pointer, error)
    return found


def _action_id_problems(raw: dict[str, Any], pointer: str, error: str) -> list[Problem]:
    """Slack wants each action_id unique among the elements of its block."""
    found: list[Problem] = []
    seen: set[str] = set()
    for index, element in enumerate(raw.get("elements") or []):
        action_id = element.get("action_id") if isinstance(element, dict) else None
        if action_id is None:
            continue
        if action_id in seen:
            message = f"duplicate action_id {action_id!r}"
            found.append(Problem(error, f"{pointer}/elements/{index}/action_id", message))
        seen.add(action_id)
    return found


def _object_problems(raw: dict[str, Any], parsed: JsonObject, pointer: str, error: str) -> list[Problem]:
    """One object's own checks (slack_sdk's, then the stand-in's), then its children's, recursively."""
    found = _validated(parsed, pointer, error)
    known = _OPTION_KEYS if isinstance(parsed, Option) else parsed.attributes
    found += _unknown_keys(raw, known, pointer, error)
    for key, value in raw.items():
        at = f"{pointer}/{key}"
        child = parsed.get_object_attribute(key)
        plain_only = key in _PLAIN_TEXT_ONLY or (
            key == "text" and isinstance(parsed, (ButtonElement, HeaderBlock))
        )
        is_text = isinstance(child, TextObject) or (isinstance(parsed, Option) and key == "text")
        if key in ("options", "initial_options") and isinstance(value, list):
            found += _options_problems(value, at, error)
        elif plain_only or is_text:
            found += _text_object_problems(value, child, at, error, plain_only=plain_only)
        elif isinstance(value, dict) and isinstance(child, JsonObject):
            found += _object_problems(value, child, at, error)
        elif isinstance(value, list) and isinstance(child, list):
            found += _list_problems(value, child, at, error)
    return found


def _list_problems(raw: list[Any], parsed: list[Any], pointer: str, error: str) -> list[Problem]:
    if len(raw) != len(parsed):
        return [Problem(error, pointer, "contains items Slack does not support")]
    found: list[Problem] = []
    for index, (item, child) in enumerate(zip(raw, parsed, strict=True)):
        at = f"{pointer}/{index}"
        if isinstance(item, dict) and child is None:
            found.append(Problem(error, f"{at}/type", f"unsupported type: {item.get('type')}"))
        elif isinstance(child, TextObject):
            found += _text_object_problems(item, child, at, error, plain_only=False)
        elif isinstance(item, dict) and isinstance(child, JsonObject):
            found += _object_problems(item, child, at, error)
    return found


def _options_problems(raw: list[Any], pointer: str, error: str) -> list[Problem]:
    """Options read as slack_sdk's Option (some select elements keep them as they came)."""
    found: list[Problem] = []
    for index, item in enumerate(raw):
        at = f"{pointer}/{index}"
        try:
            option = item if isinstance(item, Option) else Option(**item)
        except _UNREADABLE as exc:
            found.append(Problem(error, at, f"cannot be read as an option: {exc}"))
            continue
        found += _object_problems(item, option, at, error)
    return found


def _text_object_problems(
    raw: Any, parsed: Any, pointer: str, error: str, *, plain_only: bool
) -> list[Problem]:
    found = _text_problems(raw, pointer, error, plain_only=plain_only)
    if isinstance(raw, dict) and isinstance(parsed, TextObject):
        found += _unknown_keys(raw, parsed.attributes, pointer, error)
    return found


def _text_problems(raw: Any, pointer: str, error: str, *, plain_only: bool) -> list[Problem]:
    """A text object: a known type (plain_text where only that is allowed) and at least one character."""
    if not isinstance(raw, dict):
        return [Problem(error, pointer, "must provide an object")]
    kind = raw.get("type")
    allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    found = []
    if kind not in allowed:
        found.append(Problem(error, f"{pointer}/type", f"must be {' or '.join(allowed)}, not {kind!r}"))
    text = raw.get("text")
    if not isinstance(text, str) or not text:
        found.append(Problem(error, f"{pointer}/text", "must be more than 0 characters"))
    return found


# -- helpers --------------------------------------------------------------------------------------------


def _validated(parsed: JsonObject, pointer: str, error: str) -> list[Problem]:
    """slack_sdk's own validators of one object (the first that fails)."""
    try:
        parsed.validate_json()
    except SlackObjectFormationError as exc:
        return [Problem(error, pointer, str(exc))]
    except (TypeError, AttributeError) as exc:  # a validator that met a value of the wrong type
        return [Problem(error, pointer, f"invalid value: {exc}")]
    return []


def _unknown_keys(raw: Mapping[str, Any], known: Any, pointer: str, error: str) -> list[Problem]:
    allowed = set(known) | {"type"}
    return [
        Problem(error, pointer, f"invalid additional property: {key}") for key in raw if key not in allowed
    ]


def _decoded(raw: Any) -> Any:
    """A JSON string decoded (as form-encoded calls send blocks and views); anything else as it is."""
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw
