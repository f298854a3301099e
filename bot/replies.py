"""The fixed replies: nothing found, refused, unavailable, help, and the public pointer."""

from __future__ import annotations

from bot import blocks as b
from bot.conversation_types import Asker, Reply


def no_mailbox(looked_up: str) -> Reply:
    """No mailbox under the email that was looked up: say which, and offer support."""
    text = (
        f"I found no mailbox connected under *{looked_up or 'your Slack email'}*. "
        "If you connected it with another address, ask me about that address, or talk to support."
    )
    return Reply(
        text=f"No mailbox found for {looked_up}",
        blocks=[
            b.build_section(text, block_id="no_mailbox"),
            b.build_actions(
                [b.build_escalate_button(looked_up or "unknown", primary=True)], block_id="support"
            ),
        ],
        private=True,
    )


def no_email(asker: Asker) -> Reply:
    """Slack has no email for the asker, so there is nothing to look up."""
    return Reply(
        text="I couldn't find your email address in Slack.",
        blocks=[
            b.build_section(
                "I couldn't find an email address on your Slack profile, so I can't look up your mailboxes. "
                "Support can check for you.",
                block_id="no_email",
            ),
            b.build_actions(
                [b.build_escalate_button(f"slack:{asker.slack_id}", primary=True)], block_id="support"
            ),
        ],
    )


def refuse_other_address(email: str) -> Reply:
    """Someone asked about an address that is not theirs: refuse politely, reveal nothing."""
    return Reply(
        text="I can only show you your own mailboxes.",
        blocks=[
            b.build_section(
                f"Sorry, I can only show you your own mailboxes, and *{email}* isn't one of them. "
                "Its owner can ask me, or an admin can look it up.",
                block_id="refused",
            )
        ],
    )


def status_unavailable() -> Reply:
    """The status API is down or slow: apologise clearly."""
    return Reply(
        text="Sorry, I can't reach the mailbox status service right now.",
        blocks=[
            b.build_section(
                ":warning: Sorry, I can't reach the mailbox status service right now, so I can't check your "
                "mailboxes. Please try again in a few minutes. If it's urgent, talk to support.",
                block_id="status_unavailable",
            )
        ],
    )


def help_reply() -> Reply:
    """What the bot can do."""
    text = (
        "I explain why a mailbox disconnected and how to fix it. Ask me things like:\n"
        "• _Why did my mailbox disconnect?_\n• _How do I reconnect?_\n• _Why do mailboxes disconnect?_\n"
        "Or use `/mailbox status`, `/mailbox reconnect` and `/mailbox help`. "
        "Your mailboxes are also on my *Home* tab."
    )
    return Reply(text="What I can do", blocks=[b.build_section(text, block_id="help")])


def public_pointer(asker: Asker) -> Reply:
    """The brief, detail-free answer in a public thread; the details go to the asker privately."""
    return Reply(text=f"<@{asker.slack_id}> I've sent you the details privately — only you can see them.")
