"""The notices' Slack Web API calls: owner lookup, and what an error means for a notice."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from mailbox_assistant.slack.client import retry_after

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
}
# Slack errors that refuse the message itself (its blocks or its size), not the DM: the message is sent
# again at once in its smallest form; if that is refused too, it is retried later like other failures.
REFUSED_MESSAGE_ERRORS = {"invalid_blocks", "invalid_blocks_format", "msg_too_long"}


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
    return _error_code(exc) in PERMANENT_ERRORS


def is_refused_message(exc: Exception) -> bool:
    """True when Slack refused the message's content (blocks, size): a smaller form may be accepted."""
    return _error_code(exc) in REFUSED_MESSAGE_ERRORS


def _error_code(exc: Exception) -> str | None:
    """Slack's error code of a refused call (None for other failures)."""
    if isinstance(exc, SlackApiError) and isinstance(exc.response.data, dict):
        return exc.response.get("error")
    return None
