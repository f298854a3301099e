"""Render Block Kit blocks as readable terminal text (the demo's chat window)."""

from __future__ import annotations

import re
from typing import Any

_DATE = re.compile(r"<!date\^[^|>]*\|([^>]*)>")
_LINK = re.compile(r"<([^<>|]+)\|([^<>]+)>")
_BOLD = re.compile(r"(?<![\w*])\*(\S[^*\n]*?)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(\S[^_\n]*?)_(?![\w_])")
_EMOJI = {
    ":red_circle:": "●",
    ":large_green_circle:": "○",
    ":white_check_mark:": "✓",
    ":warning:": "!",
}


def render_text(text: str) -> str:
    """Slack mrkdwn → plain text: dates, links, emphasis and a few emoji made readable."""
    text = _ITALIC.sub(r"\1", _BOLD.sub(r"\1", _DATE.sub(r"\1", text)))
    text = _LINK.sub(r"\2 (\1)", text)
    for code, symbol in _EMOJI.items():
        text = text.replace(code, symbol)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def render_blocks(blocks: list[dict[str, Any]], fallback: str = "") -> str:
    """Every block as lines of text; buttons as `[Label → url]` or `[Label]`."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind in ("section", "header"):
            accessory = block.get("accessory") or {}
            button = f" {_render_button(accessory)}" if accessory.get("type") == "button" else ""
            lines.append(render_text(block["text"]["text"]) + button)
        elif kind == "context":
            lines.append("  " + " ".join(render_text(e.get("text", "")) for e in block["elements"]))
        elif kind == "divider":
            lines.append("—" * 40)
        elif kind == "actions":
            lines.append(" ".join(_render_button(e) for e in block["elements"]))
    return "\n".join(lines) if lines else render_text(fallback)


def _render_button(element: dict[str, Any]) -> str:
    label = element.get("text", {}).get("text", "")
    return f"[{label} → {element['url']}]" if element.get("url") else f"[{label}]"
