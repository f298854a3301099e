"""The wait between retries shared by the worker's queues (escalation emails, DMs, token refreshes)."""

from __future__ import annotations

from datetime import timedelta


def doubling_backoff(attempt: int, first: timedelta, cap: timedelta) -> timedelta:
    """The wait after failed attempt number `attempt` (1, 2, …): `first`, doubling, at most `cap`."""
    return min(cap, first * 2 ** max(attempt - 1, 0))
