"""The fixed replies: nothing found, refused, unavailable, help, off-topic, thanks, people not found or
ambiguous, and the public pointer."""

from __future__ import annotations

from mailbox_assistant.conversations.types import Asker, Reply, SlackUser
from mailbox_assistant.slack import blocks as b


def no_mailbox(looked_up: str) -> Reply:
    """No mailbox under the email that was looked up: say which, and offer support."""
    text = (
        f"I found no mailbox connected under *{b.escape(looked_up) or 'your Slack email'}*. "
        "If you connected it with another address, ask me about that address, or talk to support."
    )
    return Reply(
        text=f"No mailbox found for {b.escape(looked_up)}",
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
                f"Sorry, I can only show you your own mailboxes, and *{b.escape(email)}* isn't one of them. "
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


def off_topic_reply() -> Reply:
    """A request the bot cannot help with ("write me a cold email"): say so briefly, and what it can do."""
    text = (
        "Sorry, I only help with mailbox connections. I can tell you why your mailbox disconnected, how to "
        "reconnect it, and put you in touch with support. Try _Why did my mailbox disconnect?_"
    )
    return Reply(
        text="I only help with mailbox connections.", blocks=[b.build_section(text, block_id="off_topic")]
    )


def thanks_reply() -> Reply:
    """Thanks (often after a fix): a short, friendly answer, no diagnosis."""
    text = "Glad to help! If your mailbox disconnects again, just message me and I'll check what happened."
    return Reply(text="Glad to help!", blocks=[b.build_section(text, block_id="thanks")])


def refuse_other_person() -> Reply:
    """Someone who is not an admin asked about a colleague: refuse politely, reveal nothing."""
    return Reply(
        text="I can only show you your own mailboxes.",
        blocks=[
            b.build_section(
                "Sorry, I can only show you your own mailboxes. Your colleague can ask me about theirs, "
                "or an admin can look them up.",
                block_id="refused",
            )
        ],
    )


def unknown_person(name: str) -> Reply:
    """An admin named someone the workspace does not know."""
    return Reply(
        text=f"I couldn't find anyone named {b.escape(name)}.",
        blocks=[
            b.build_section(
                f"I couldn't find anyone named *{b.escape(name)}* in this workspace. "
                "Try their email address or mention them (@name).",
                block_id="unknown_person",
            )
        ],
    )


def ambiguous_person(name: str, people: list[SlackUser]) -> Reply:
    """An admin named several people at once: list them and ask which one."""
    listed = "\n".join(
        f"• *{b.escape(person.name)}*" + (f" ({b.escape(person.email)})" if person.email else "")
        for person in people[:10]
    )
    more = f"\n…and {len(people) - 10} more." if len(people) > 10 else ""
    return Reply(
        text=f"I found {len(people)} people named {b.escape(name)}, which one?",
        blocks=[
            b.build_section(
                f"I found {len(people)} people named *{b.escape(name)}*, which one?\n{listed}{more}\n"
                "Ask again with their email address or mention them (@name).",
                block_id="ambiguous_person",
            )
        ],
    )


def no_email_for(person: SlackUser) -> Reply:
    """An admin asked about someone whose Slack profile has no email to look mailboxes up by."""
    return Reply(
        text=f"{b.escape(person.name)} has no email address in Slack.",
        blocks=[
            b.build_section(
                f"*{b.escape(person.name)}* has no email address on their Slack profile, so I can't look up "
                "their mailboxes. Ask me about their mailbox's address instead.",
                block_id="no_email",
            )
        ],
    )


def refused_fallback() -> Reply:
    """What the person gets when Slack refused the answer itself: short, plain, and where to look."""
    return Reply(
        text=(
            "Sorry, Slack wouldn't show my answer here. Your mailboxes and what to do are on my *Home* tab; "
            "if it's urgent, ask me “can I talk to support?”."
        )
    )


def home_refused() -> Reply:
    """The Home tab when Slack refused the view of the person's mailboxes."""
    text = (
        ":warning: Sorry, I couldn't show your mailboxes here. Send me a message (“why did my mailbox "
        "disconnect?”) and I'll answer with their status."
    )
    return Reply(text="I couldn't show your mailboxes here.", blocks=[b.build_section(text, "home_refused")])


def public_pointer(asker: Asker) -> Reply:
    """The brief, detail-free answer in a public thread; the details go to the asker privately."""
    return Reply(text=f"<@{asker.slack_id}> I've sent you the details privately — only you can see them.")
