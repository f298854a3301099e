"""Answer a direct message with full details."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.conversation import Reply
from bot.delivery import with_fallback

# A message with files attached is answered too (the files are not read); other subtypes are edits,
# deletions, joins and bots' messages.
ANSWERED_SUBTYPES = (None, "file_share")


def direct_message(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Reply to a person's direct message (a file or screenshot included); edits, joins, bots' messages
    and retries are ignored."""
    if (
        event.get("channel_type") != "im"
        or event.get("subtype") not in ANSWERED_SUBTYPES
        or event.get("bot_id")
        or not event.get("user")
        or not context["services"].first_delivery(body)
    ):
        return

    def post(reply: Reply) -> None:
        """Post the reply in the DM (in the thread when the message was in one)."""
        client.chat_postMessage(
            channel=event["channel"],
            thread_ts=event.get("thread_ts"),
            text=reply.text,
            blocks=reply.blocks or None,
        )

    context["services"].answer(
        client,
        event["user"],
        event.get("text") or "",
        deliver=with_fallback(post, surface="direct message", user_id=event["user"]),
        bot_user_id=context.bot_user_id,
        with_file=event.get("subtype") == "file_share" or bool(event.get("files")),
    )
