"""Pure Block Kit builders: data in, Slack blocks out (the ids follow the Slack contract)."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any

from mailbox_assistant.mailboxes.status import Mailbox
from mailbox_assistant.providers import display_name

Block = dict[str, Any]

MAX_TEXT = 2900  # Slack's section text limit is 3000 characters
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
_MD_BOLD = re.compile(r"\*\*(.+?)\*\*")
_MD_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_SHORT_REF = re.compile(r"[A-Za-z0-9_.-]{1,64}")  # a mailbox id fit to be read in an action_id


def escape(text: str) -> str:
    """Outside text (provider errors, titles, emails, names) made safe for mrkdwn: Slack's three control
    characters escaped as its docs say, so `<!channel>`, `<@U…>` and `<https://…|…>` show as text.

    The one escape of the project: apply it once, where the outside text is put into mrkdwn (escaping
    twice shows `&amp;`)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis (cut outside text before escaping it)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def opaque_id(prefix: str, ref: str) -> str:
    """A short action_id `prefix:<digest of ref>`: the same for the same ref, so one button per mailbox
    is unique in a message, and never longer than Slack's 255 characters whatever the ref."""
    return f"{prefix}:{hashlib.blake2b(ref.encode(), digest_size=5).hexdigest()}"


def to_mrkdwn(markdown: str) -> str:
    """Knowledge-base Markdown (`**bold**`, `[text](url)`) in Slack's mrkdwn."""
    return _MD_LINK.sub(r"<\2|\1>", _MD_BOLD.sub(r"*\1*", markdown))


def mrkdwn(text: str) -> dict[str, str]:
    """A mrkdwn text object, trimmed to Slack's limit."""
    return {"type": "mrkdwn", "text": text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"}


def plain(text: str) -> dict[str, Any]:
    """A plain_text text object (button labels, headers)."""
    return {"type": "plain_text", "text": text, "emoji": True}


def build_section(text: str, block_id: str | None = None) -> Block:
    """A section block with mrkdwn text."""
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if block_id:
        block["block_id"] = block_id
    return block


def build_section_with_button(text: str, button: Block, block_id: str) -> Block:
    """A section block with mrkdwn text and one button beside it."""
    return {**build_section(text, block_id=block_id), "accessory": button}


def build_context(text: str, block_id: str | None = None) -> Block:
    """A context block: small grey print."""
    block: Block = {"type": "context", "elements": [mrkdwn(text)]}
    if block_id:
        block["block_id"] = block_id
    return block


def build_header(text: str) -> Block:
    """A header block."""
    return {"type": "header", "text": plain(text[:150])}


def build_divider() -> Block:
    """A divider block."""
    return {"type": "divider"}


def format_time(moment: datetime | None) -> str:
    """A Slack date token that each reader sees in their own time zone, with a UTC fallback."""
    if moment is None:
        return "an unknown time"
    fallback = moment.strftime("%d %b %Y %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def provider_name(provider: str) -> str:
    """The provider as people call it (the one registry: mailbox_assistant.providers)."""
    return display_name(provider)


def build_reconnect_button(mailbox: Mailbox, url: str, primary: bool = True) -> Block:
    """A link button that opens the reconnect page; its handler only acks (action_id `reconnect:<id>`)."""
    short = _SHORT_REF.fullmatch(mailbox.id)
    button: Block = {
        "type": "button",
        "action_id": f"reconnect:{mailbox.id}" if short else opaque_id("reconnect", mailbox.id),
        "text": plain("Reconnect"),
        "url": url,
        "value": mailbox.id,
    }
    if primary:
        button["style"] = "primary"
    return button


def build_escalate_button(mailbox_ref: str, primary: bool = False) -> Block:
    """The "Talk to support" button; its value names the mailbox (id, or the email looked up), its
    action_id is short and opaque (an address can be longer than an action_id may be)."""
    button: Block = {
        "type": "button",
        "action_id": opaque_id("escalate", mailbox_ref),
        "text": plain("Talk to support"),
        "value": mailbox_ref,
    }
    if primary:
        button["style"] = "primary"
    return button


def build_actions(elements: list[Block], block_id: str) -> Block:
    """An actions block."""
    return {"type": "actions", "block_id": block_id, "elements": elements}


def build_disconnected_mailbox(
    mailbox: Mailbox,
    *,
    title: str,
    summary: str,
    steps: tuple[str, ...],
    self_serve: bool,
    reconnect_url: str,
    note: str | None = None,
    offer_reconnect: bool | None = None,
    support_primary: bool | None = None,
) -> list[Block]:
    """Everything about one disconnected mailbox: which one, why, what to do, and the buttons.

    `title` may come from outside (the recorded failure) and is escaped here; `summary`, `steps` and
    `note` are our own mrkdwn."""
    code = mailbox.reason_code
    blocks = [
        build_section(
            f":red_circle: *{escape(mailbox.email)}* ({provider_name(mailbox.provider)}) is *disconnected* "
            f"since {format_time(mailbox.disconnected_at or _failure_time(mailbox))}.",
            block_id=f"mailbox:{mailbox.id}",
        ),
        build_section(f"*{escape(title)}*\n{to_mrkdwn(summary)}", block_id=f"reason:{code}:{mailbox.id}"),
    ]
    if note:
        blocks.append(build_context(note, block_id=f"note:{mailbox.id}"))
    if steps:
        blocks.append(build_steps(mailbox, steps))
    if mailbox.last_failure and mailbox.last_failure.error:
        said = escape(one_line(mailbox.last_failure.error))
        blocks.append(build_context(f"What {provider_name(mailbox.provider)} said: `{said}`"))
    offer_reconnect = self_serve if offer_reconnect is None else offer_reconnect
    buttons = [build_reconnect_button(mailbox, reconnect_url, primary=self_serve)] if offer_reconnect else []
    support_primary = not self_serve if support_primary is None else support_primary
    buttons.append(build_escalate_button(mailbox.id, primary=support_primary))
    blocks.append(build_actions(buttons, block_id=f"actions:{mailbox.id}"))
    return blocks


def build_steps(mailbox: Mailbox, steps: tuple[str, ...]) -> Block:
    """The numbered "What to do" of one mailbox (our own mrkdwn)."""
    numbered = "\n".join(f"{number}. {to_mrkdwn(step)}" for number, step in enumerate(steps, start=1))
    return build_section(f"*What to do*\n{numbered}", block_id=f"steps:{mailbox.id}")


def build_connected_mailbox(mailbox: Mailbox, recent_note: str | None = None) -> list[Block]:
    """One line for a connected mailbox, with its recent disconnection when there was one."""
    text = f":large_green_circle: *{escape(mailbox.email)}* ({provider_name(mailbox.provider)}) is connected."
    if recent_note:
        text += f"\n{recent_note}"
    return [build_section(text, block_id=f"mailbox:{mailbox.id}")]


def build_feedback(ref: str) -> list[Block]:
    """The "Did this help?" question and its two buttons."""
    return [
        build_actions(
            [
                {"type": "button", "action_id": "feedback:yes", "text": plain("Yes, thanks"), "value": ref},
                {"type": "button", "action_id": "feedback:no", "text": plain("No"), "value": ref},
            ],
            block_id="feedback",
        )
    ]


def build_feedback_with_question(ref: str) -> list[Block]:
    """The feedback buttons preceded by their question."""
    return [build_context("Did this help?", block_id="feedback_question"), *build_feedback(ref)]


def build_home_view(blocks: list[Block]) -> dict[str, Any]:
    """The App Home tab view around `blocks` (the Home's layout keeps within Slack's 100 blocks)."""
    return {"type": "home", "blocks": blocks}


def _failure_time(mailbox: Mailbox) -> datetime | None:
    return mailbox.last_failure.occurred_at if mailbox.last_failure else None


def one_line(text: str, limit: int = 300) -> str:
    """Outside text on one line, without backticks (it goes in a code span), cut to `limit` (not escaped)."""
    return shorten(" ".join(text.split()).replace("`", "'"), limit)


def build_feedback_answer(helped: bool, ref: str) -> list[Block]:
    """What replaces the feedback buttons once clicked."""
    if helped:
        return [build_context("Thanks for letting me know — glad it helped.", block_id="feedback_done")]
    return [
        build_section("Sorry that didn't help. Support can take it from here:", block_id="feedback_done"),
        build_actions(
            [build_escalate_button(ref or "unknown", primary=True)], block_id="support_after_feedback"
        ),
    ]


def build_home_actions() -> Block:
    """The Home tab's own buttons."""
    button = {"type": "button", "action_id": "home:ask", "text": plain("Ask a question"), "value": "ask"}
    return build_actions([button], block_id="home_actions")


def build_ask_modal() -> dict[str, Any]:
    """The modal where a question is typed (callback `ask_question`)."""
    return {
        "type": "modal",
        "callback_id": "ask_question",
        "title": plain("Ask about a mailbox"),
        "submit": plain("Ask"),
        "close": plain("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": "question",
                "label": plain("Your question"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "text",
                    "placeholder": plain("Why did my mailbox disconnect?"),
                },
            }
        ],
    }
