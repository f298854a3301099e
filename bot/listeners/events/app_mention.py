"""Answer an @mention in a channel: briefly in the thread, the details privately to the asker."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.conversation import Reply
from bot.delivery import with_fallback


def app_mention(event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Reply in the mention's thread; mailbox details go to the asker as an ephemeral message."""
    if event.get("bot_id") or event.get("channel_type") == "im" or event.get("channel", "").startswith("D"):
        return  # other bots are ignored; direct messages are answered by the message listener
    services = context["services"]
    if not services.first_delivery(body):
        return
    user_id = event["user"]
    channel, thread_ts = event["channel"], event.get("thread_ts") or event["ts"]

    where = {"channel": channel, "thread_ts": thread_ts}

    def post(reply: Reply) -> None:
        """Post the reply in the thread, or the details to the asker alone and then a pointer there (only
        once the details are shown: a pointer to details Slack refused would point at nothing)."""
        if not reply.private:
            client.chat_postMessage(**where, text=reply.text, blocks=reply.blocks or None)
            return
        client.chat_postEphemeral(**where, user=user_id, text=reply.text, blocks=reply.blocks or None)
        client.chat_postMessage(**where, text=services.pointer(user_id).text)

    def tell_privately(reply: Reply) -> None:
        """The fallback for a refused reply, to the asker alone."""
        client.chat_postEphemeral(**where, user=user_id, text=reply.text)

    services.answer(
        client,
        user_id,
        event.get("text", ""),
        deliver=with_fallback(post, surface="mention", user_id=user_id, send_fallback=tell_privately),
        bot_user_id=context.bot_user_id,
        with_file=bool(event.get("files")),
    )
