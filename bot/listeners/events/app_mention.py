"""Answer an @mention in a channel: briefly in the thread, the details privately to the asker."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient


def app_mention(event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Reply in the mention's thread; mailbox details go to the asker as an ephemeral message."""
    if event.get("bot_id") or event.get("channel_type") == "im" or event.get("channel", "").startswith("D"):
        return  # other bots are ignored; direct messages are answered by the message listener
    services = context["services"]
    if not services.first_delivery(body):
        return
    user_id = event["user"]
    reply = services.answer(client, user_id, event.get("text", ""))
    if reply is None:
        return
    channel, thread_ts = event["channel"], event.get("thread_ts") or event["ts"]
    if not reply.private:
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=reply.text, blocks=reply.blocks)
        return
    client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=services.pointer(user_id).text)
    client.chat_postEphemeral(
        channel=channel, user=user_id, thread_ts=thread_ts, text=reply.text, blocks=reply.blocks
    )
