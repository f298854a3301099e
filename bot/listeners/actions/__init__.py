"""Button listeners: every button the bot sends has one, link buttons included."""

from __future__ import annotations

import re

from slack_bolt import App

from bot.listeners.actions.escalate import escalate
from bot.listeners.actions.feedback import feedback
from bot.listeners.actions.home_page import turn_home_page
from bot.listeners.actions.link_button import acknowledge_link
from bot.listeners.actions.mailbox_list import show_mailbox_list
from bot.listeners.actions.open_ask_modal import open_ask_modal


def register(app: App) -> None:
    """Wire the button listeners."""
    app.action(re.compile(r"^reconnect"))(acknowledge_link)
    app.action(re.compile(r"^escalate"))(escalate)
    app.action("feedback:yes")(feedback)
    app.action("feedback:no")(feedback)
    app.action("feedback")(feedback)  # Slack's feedback_buttons element
    app.action("home:ask")(open_ask_modal)
    app.action(re.compile(r"^home:page:"))(turn_home_page)
    app.action(re.compile(r"^mailboxes:"))(show_mailbox_list)
