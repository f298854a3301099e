"""Replies Slack refuses: the person gets a short fallback instead, an ERROR with context is logged, and
the answer path is told (`ReplyRefused`) so the refused answer is never recorded as said.

Slack refuses a payload with `ok: false` and an error (`invalid_blocks`, `msg_too_long`…) from the Web
API, or HTTP 400 and the error code from a response_url, which `respond` does not raise for.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookResponse

from bot import replies
from mailbox_assistant.conversations.types import Reply

logger = logging.getLogger(__name__)

# What Slack answers for a payload it will not show (as opposed to a token, channel or rate problem).
REFUSALS = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "invalid_arguments",
        "no_text",
        "too_many_blocks",
    }
)


class SlackRefused(Exception):
    """Slack would not show a payload: its error code and, when it said, what was wrong."""

    def __init__(self, error: str, details: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.details = details or []


class ReplyRefused(Exception):
    """Slack refused a reply; the person got `fallback` instead."""

    def __init__(self, refused: SlackRefused, fallback: Reply) -> None:
        super().__init__(refused.error)
        self.refused = refused
        self.fallback = fallback


def refusal_of(error: Exception) -> SlackRefused | None:
    """The refusal an exception from a Slack call stands for; None for any other failure."""
    if isinstance(error, SlackRefused):
        return error
    if isinstance(error, SlackApiError):
        data: Any = error.response.data if error.response is not None else {}
        code = data.get("error") if isinstance(data, dict) else None
        if code in REFUSALS:
            return SlackRefused(code, [str(e) for e in data.get("errors") or []])
    return None


def checked(response: WebhookResponse) -> WebhookResponse:
    """A response_url's answer, raising `SlackRefused` for a payload it refused."""
    if response.status_code == 400 and (response.body or "").strip() in REFUSALS:
        raise SlackRefused(response.body.strip())
    return response


def with_fallback(
    send: Callable[[Reply], object],
    *,
    surface: str,
    user_id: str,
    send_fallback: Callable[[Reply], object] | None = None,
) -> Callable[[Reply], None]:
    """`send`, made to answer a refused reply with `replies.refused_fallback()` (by `send_fallback`, else
    `send`), log it, and raise `ReplyRefused`; other failures propagate as they are."""

    def deliver(reply: Reply) -> None:
        try:
            send(reply)
        except Exception as error:
            refused = refusal_of(error)
            if refused is None:
                raise
            log_refusal(refused, surface=surface, user_id=user_id, blocks=len(reply.blocks), text=reply.text)
            fallback = replies.refused_fallback()
            (send_fallback or send)(fallback)
            raise ReplyRefused(refused, fallback) from error

    return deliver


def log_refusal(refused: SlackRefused, *, surface: str, user_id: str, blocks: int, text: str = "") -> None:
    """One ERROR line saying what Slack refused, to whom, how big it was, and Slack's reasons."""
    logger.error(
        "Slack refused the %s reply to %s (%d blocks, %d characters of text): %s %s",
        surface,
        user_id,
        blocks,
        len(text),
        refused.error,
        "; ".join(refused.details[:5]),
    )
