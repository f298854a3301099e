"""The worker's Slack Web API calls: a client with retry handlers, owner lookup, and what an error means."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from mailbox_assistant.settings import Settings

logger = logging.getLogger(__name__)

METADATA_EVENT = "mailbox_assistant_notice"
# Slack errors after which sending to this owner again cannot help: recorded, never retried.
PERMANENT_ERRORS = {
    "channel_not_found",
    "user_not_found",
    "users_not_found",
    "user_disabled",
    "cannot_dm_bot",
    "is_archived",
    "not_in_channel",
    "messages_tab_disabled",
    "message_not_found",
    "cant_update_message",
    "invalid_blocks",
    "msg_too_long",
}


class PatientRateLimitHandler(RateLimitErrorRetryHandler):
    """Honour 429 Retry-After by waiting in place, but only for short waits; longer ones go back to the
    outbox (the row is rescheduled) instead of holding a worker thread and its lease."""

    def __init__(self, max_retry_count: int = 2, max_wait_seconds: float = 5.0) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait_seconds = max_wait_seconds

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        return retry_after(response.headers) <= self.max_wait_seconds


def retry_after(headers: dict[str, Any]) -> float:
    """Slack's Retry-After in seconds (1 when missing or unreadable)."""
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            try:
                return float(value[0] if isinstance(value, list) else value)
            except (TypeError, ValueError, IndexError):
                return 1.0
    return 1.0


def create_notify_client(settings: Settings, timeout: float = 10.0) -> WebClient:
    """A WebClient for the worker: 429 honoured, 5xx and dropped connections retried with backoff.

    Timeouts are not retried in place: Slack may have posted the message, so the outbox checks the
    channel before sending again.
    """
    settings.require("slack_bot_token")
    client = WebClient(
        base_url=settings.slack_api_url,
        token=settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None,
        timeout=int(timeout),
    )
    backoff = BackoffRetryIntervalCalculator(backoff_factor=0.5)
    client.retry_handlers = [
        ConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=backoff),
        PatientRateLimitHandler(max_retry_count=2),
        ServerErrorRetryHandler(max_retry_count=2, interval_calculator=backoff),
    ]
    return client


@dataclass(frozen=True)
class Lookup:
    """Who an owner is in Slack: `found` (with user and DM channel), `no_slack_user` or `deactivated`."""

    status: str
    user_id: str | None = None
    channel: str | None = None


def look_up_owner(client: WebClient, email: str) -> Lookup:
    """Find the owner by email and open the DM; unknown and deactivated users are answers, not errors."""
    try:
        user = client.users_lookupByEmail(email=email)["user"]
    except SlackApiError as exc:
        if exc.response.get("error") in ("users_not_found", "user_not_found"):
            return Lookup("no_slack_user")
        raise
    if user.get("deleted"):
        return Lookup("deactivated", user["id"])
    channel = client.conversations_open(users=user["id"])["channel"]["id"]
    return Lookup("found", user["id"], channel)


def find_posted(client: WebClient, channel: str, oldest: float, row_ids: set[int]) -> dict[str, set[int]]:
    """Messages we already posted in `channel` for any of `row_ids` (found by their metadata): ts → ids."""
    response = client.conversations_history(
        channel=channel, oldest=f"{oldest:.6f}", include_all_metadata=True, limit=100
    )
    found: dict[str, set[int]] = {}
    for message in response.get("messages", []):
        metadata = message.get("metadata") or {}
        if metadata.get("event_type") != METADATA_EVENT:
            continue
        posted = set(metadata.get("event_payload", {}).get("notification_ids", [])) & row_ids
        if posted:
            found[str(message["ts"])] = posted
    return found


def notice_metadata(row_ids: list[int]) -> dict[str, Any]:
    """Metadata that lets us recognise our own message later (exactly-once after a crash)."""
    return {"event_type": METADATA_EVENT, "event_payload": {"notification_ids": row_ids}}


def slack_error(exc: Exception) -> tuple[str, float | None]:
    """A short description of a failed call, and the Retry-After of a 429 (None for other failures)."""
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        code = exc.response.get("error") if isinstance(exc.response.data, dict) else None
        wait = retry_after(exc.response.headers) if status == 429 else None
        return f"slack {status}: {code or 'error'}", wait
    return f"{type(exc).__name__}: {exc}"[:300], None


def is_permanent(exc: Exception) -> bool:
    """True when Slack refused for good (e.g. the DM channel is gone): retrying cannot help."""
    return (
        isinstance(exc, SlackApiError)
        and isinstance(exc.response.data, dict)
        and exc.response.get("error") in PERMANENT_ERRORS
    )
