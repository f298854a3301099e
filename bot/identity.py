"""Who is asking: the Slack user's email from `users.info`, cached briefly; and the workspace id."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from mailbox_assistant.conversations.types import SlackUser

logger = logging.getLogger(__name__)


def slack_user(data: dict[str, Any]) -> SlackUser:
    """A user object of Slack's Web API (`users.info`, `users.list`, `users.lookupByEmail`)."""
    user_id = data.get("id") or ""
    profile = data.get("profile") or {}
    real_name = profile.get("real_name") or data.get("real_name") or ""
    names = (real_name, profile.get("display_name") or "")
    return SlackUser(
        id=user_id,
        email=(profile.get("email") or "").lower() or None,
        name=real_name or data.get("name") or user_id,
        is_bot=bool(data.get("is_bot")) or user_id == "USLACKBOT",
        names=tuple(name for name in names if name),
        handle=data.get("name") or "",
        deleted=bool(data.get("deleted")),
    )


class Identity:
    """Looks up Slack users (scope `users:read.email`) and keeps them for `ttl` seconds."""

    def __init__(self, ttl: float = 300.0, clock=time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._cache: dict[str, tuple[float, SlackUser]] = {}
        self._lock = threading.Lock()
        self._team_id: str | None = None

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
        user = slack_user({**data, "id": user_id})
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[user_id] = (now, user)
        return user

    def team_id(self, client: WebClient) -> str | None:
        """The workspace id (for a Slack link to a person in support's email), asked once of `auth.test`;
        None while Slack cannot say."""
        if self._team_id is None:
            try:
                team_id = client.auth_test().get("team_id")
            except SlackApiError:
                logger.warning("auth.test failed; escalation emails will name the Slack user id only")
                return None
            with self._lock:
                self._team_id = team_id
        return self._team_id
