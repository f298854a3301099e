"""What "recently" means when a mailbox's disconnections are counted: the status API counts them
(`recent_disconnects` in the mailbox list) and the bot reads and words them with the same window."""

from __future__ import annotations

from datetime import timedelta

RECENT = timedelta(days=7)
