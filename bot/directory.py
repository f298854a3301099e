"""Finding people: the Slack users behind a mention, an email address or a name (for admins' questions).

`Directory` is what the answer path asks; `SlackDirectory` answers from Slack's Web API (`users.info`,
`users.lookupByEmail`, `users.list`), the demo from its sample people. Matching a name is pure
(`people_named`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.identity import Identity, slack_user
from knowledge.text import fold
from mailbox_assistant.conversations.types import SlackUser

PEOPLE_TTL = 300.0  # seconds the workspace's member list is kept (a name lookup reads it)
MAX_PEOPLE_PAGES = 50  # of 200 members each


class Directory(Protocol):
    """Who people are: by Slack id, by email, by name; and the workspace id (None when unknown)."""

    def user(self, user_id: str) -> SlackUser: ...

    def by_email(self, email: str) -> SlackUser | None: ...

    def by_name(self, name: str) -> list[SlackUser]: ...

    def team_id(self) -> str | None: ...


def people_named(people: Iterable[SlackUser], name: str) -> list[SlackUser]:
    """The people `name` designates (case and accents ignored): those whose whole real or display name
    it is; else those whose handle or first name it is (so "frank" finds both @frank and Frank Silva,
    and the person asking is told it is ambiguous). Bots and deactivated accounts never."""
    wanted = _fold(name)
    if not wanted:
        return []
    humans = [p for p in people if not p.is_bot and not p.deleted]
    exact = [p for p in humans if wanted in {_fold(n) for n in p.names}]
    if exact:
        return exact
    return [
        p for p in humans if wanted == _fold(p.handle) or wanted in {_fold(n).split(" ")[0] for n in p.names}
    ]


class People:
    """The workspace's members from `users.list` (every page), kept `ttl` seconds for name lookups."""

    def __init__(self, ttl: float = PEOPLE_TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._members: tuple[float, list[SlackUser]] | None = None
        self._lock = threading.Lock()

    def members(self, client: WebClient) -> list[SlackUser]:
        """Every member of the workspace, read again once `ttl` has passed (one reader at a time)."""
        with self._lock:
            now = self.clock()
            if self._members is None or now - self._members[0] >= self.ttl:
                self._members = (now, _list_members(client))
            return self._members[1]


class SlackDirectory:
    """A `Directory` over Slack's Web API, for one request's client."""

    def __init__(self, client: WebClient, identity: Identity, people: People) -> None:
        self.client = client
        self.identity = identity
        self.people = people

    def user(self, user_id: str) -> SlackUser:
        """The Slack user `user_id` (`users.info`, cached)."""
        return self.identity.user(self.client, user_id)

    def by_email(self, email: str) -> SlackUser | None:
        """The Slack user with this email (`users.lookupByEmail`); None when there is none."""
        try:
            return slack_user(self.client.users_lookupByEmail(email=email)["user"])
        except SlackApiError as exc:
            if exc.response.get("error") != "users_not_found":
                raise
            return None

    def by_name(self, name: str) -> list[SlackUser]:
        """The members `name` designates (see `people_named`)."""
        return people_named(self.people.members(self.client), name)

    def team_id(self) -> str | None:
        """The workspace id (`auth.test`, asked once)."""
        return self.identity.team_id(self.client)


def _list_members(client: WebClient) -> list[SlackUser]:
    """Every page of `users.list`."""
    members: list[SlackUser] = []
    cursor: str | None = None
    for _ in range(MAX_PEOPLE_PAGES):
        page: Any = client.users_list(limit=200, **({"cursor": cursor} if cursor else {}))
        members.extend(slack_user(data) for data in page.get("members") or [])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    return members


def _fold(text: str) -> str:
    """Lower-case, accents dropped, spaces collapsed ("José  Núñez" → "jose nunez")."""
    return " ".join(fold(text).split())
