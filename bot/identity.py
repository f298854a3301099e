"""Who is asking: the Slack user's email from `users.info`, cached briefly."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError


@dataclass(frozen=True)
class SlackUser:
    """What the bot needs to know about a Slack user."""

    id: str
    email: str | None
    name: str
    is_bot: bool


class Identity:
    """Looks up Slack users (scope `users:read.email`) and keeps them for `ttl` seconds."""

    def __init__(self, ttl: float = 300.0, clock=time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._cache: dict[str, tuple[float, SlackUser]] = {}
        self._lock = threading.Lock()

    def user(self, client: WebClient, user_id: str) -> SlackUser:
        """The Slack user `user_id`; Slack errors propagate (they reach the app's error handler)."""
        now = self.clock()
        with self._lock:
            cached = self._cache.get(user_id)
        if cached and now - cached[0] < self.ttl:
            return cached[1]
        try:
            data = client.users_info(user=user_id)["user"]
        except SlackApiError as exc:
            if exc.response.get("error") != "user_not_found":
                raise
            data = {"id": user_id}
        profile = data.get("profile") or {}
        user = SlackUser(
            id=user_id,
            email=(profile.get("email") or "").lower() or None,
            name=profile.get("real_name") or data.get("real_name") or data.get("name") or user_id,
            is_bot=bool(data.get("is_bot")) or user_id == "USLACKBOT",
        )
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[user_id] = (now, user)
        return user
