"""The support-channel post of an escalation: who asked (a mention), which mailbox, why, and the case id."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from mailbox_assistant.escalation.email import mailbox_label
from mailbox_assistant.escalation.models import Escalation
from mailbox_assistant.providers import support_name
from mailbox_assistant.redact import redact
from mailbox_assistant.slack.blocks import escape


def build_support_post(case: Escalation, support_email: str) -> tuple[str, list[dict[str, Any]]]:
    """The notification text and blocks announcing `case` in the support channel."""
    provider = support_name(case.provider)
    text = (
        f"Escalation #{case.id}: <@{case.asker_slack_id}> needs help with {escape(mailbox_label(case))} "
        f"({escape(provider)}): {escape(case.reason_title)}"
    )
    details = [
        f"*Status:* {escape(case.mailbox_status or 'unknown')}",
        f"*Reason:* {escape(case.reason_title)} (`{case.reason}`)",
    ]
    if case.raw_error:
        details.append(f"*Raw error:* `{escape(' '.join((redact(case.raw_error) or '').split())[:300])}`")
    details.append(f"Full details were emailed to {escape(support_email)}; reply there to reach the user.")
    blocks = [
        {"type": "section", "block_id": f"support_escalation:{case.id}", "text": _mrkdwn(text)},
        {"type": "context", "elements": [_mrkdwn("\n".join(details))]},
    ]
    return text, blocks


def post_to_support_channel(client: WebClient, channel: str, case: Escalation, support_email: str) -> None:
    """Post `case` to `channel`; Slack errors raise (the outbox retries the post alone)."""
    text, blocks = build_support_post(case, support_email)
    client.chat_postMessage(channel=channel, text=text, blocks=blocks, unfurl_links=False)


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text[:2900]}
