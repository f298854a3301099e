"""Answer an @mention in a channel: briefly in the thread, the details privately to the asker."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.conversation import Reply


def app_mention(event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Reply in the mention's thread; mailbox details go to the asker as an ephemeral message."""
    if event.get("bot_id") or event.get("channel_type") == "im" or event.get("channel", "").startswith("D"):
        return  # other bots are ignored; direct messages are answered by the message listener
    services = context["services"]
    if not services.first_delivery(body):
        return
    user_id = event["user"]
    channel, thread_ts = event["channel"], event.get("thread_ts") or event["ts"]

    def post(reply: Reply) -> None:
        """Post the reply in the thread, or a pointer there and the details to the asker alone."""
        where = {"channel": channel, "thread_ts": thread_ts}
        if not reply.private:
            client.chat_postMessage(**where, text=reply.text, blocks=reply.blocks)
            return
        client.chat_postMessage(**where, text=services.pointer(user_id).text)
        client.chat_postEphemeral(**where, user=user_id, text=reply.text, blocks=reply.blocks)

    services.answer(
        client,
        user_id,
        event.get("text", ""),
        deliver=post,
        bot_user_id=context.bot_user_id,
        with_file=bool(event.get("files")),
    )
