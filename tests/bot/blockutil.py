"""Helpers that read Slack blocks in assertions."""

from __future__ import annotations

from typing import Any


def block_ids(blocks: list[dict[str, Any]]) -> list[str]:
    """Every block_id, in order."""
    return [block["block_id"] for block in blocks if "block_id" in block]


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every button element, in order."""
    return [
        e
        for block in blocks
        if block["type"] == "actions"
        for e in block["elements"]
        if e["type"] == "button"
    ]


def action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    """Every button's action_id, in order."""
    return [button["action_id"] for button in buttons(blocks)]


def escalate_values(blocks: list[dict[str, Any]]) -> list[str]:
    """The value (the mailbox named) of every Talk to support button, in order."""
    return [button["value"] for button in buttons(blocks) if button["action_id"].startswith("escalate")]


def all_text(blocks: list[dict[str, Any]]) -> str:
    """All the text of the blocks, joined (for `in` checks)."""
    parts: list[str] = []
    for block in blocks:
        if "text" in block:
            parts.append(block["text"]["text"])
        parts.extend(
            element.get("text", "") for element in block.get("elements", []) if block["type"] == "context"
        )
    return "\n".join(parts)
