"""Reading proactive DMs as the Slack stand-in received them."""

from __future__ import annotations

from typing import Any


def mailbox_ids(body: dict[str, Any]) -> list[str]:
    """The mailbox ids a message shows (its `mailbox:<id>` blocks)."""
    return [
        b["block_id"].split(":", 1)[1]
        for b in body.get("blocks", [])
        if b.get("block_id", "").startswith("mailbox:")
    ]


def block_ids(body: dict[str, Any]) -> list[str]:
    return [b.get("block_id", "") for b in body.get("blocks", [])]


def buttons(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in body.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]


def text_of(body: dict[str, Any]) -> str:
    """All the text of a message's blocks."""
    parts = []
    for block in body.get("blocks", []):
        if "text" in block:
            parts.append(block["text"]["text"])
        parts.extend(e.get("text", "") for e in block.get("elements", []) if isinstance(e.get("text"), str))
    return "\n".join(parts)
