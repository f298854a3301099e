"""The one HTTP client of the status API: short timeouts, one session, one typed error."""

from __future__ import annotations

import logging
from typing import Any, Protocol

import requests
from requests.adapters import HTTPAdapter

from mailbox_assistant.mailboxes.status import Mailbox

logger = logging.getLogger(__name__)

PAGE_SIZE = 200  # the status API's largest page
POOL_SIZE = 32


def read_environment_once(session: requests.Session, url: str) -> None:
    """Take the environment's proxy (and, for https, CA bundle) settings for `url` into `session` now,
    and stop requests from reading the environment again on every request: its per-request netrc,
    proxy and CA-bundle lookups cost about a tenth of the bot's CPU per answer. (A ~/.netrc entry is
    no longer applied: it would only have replaced the API key's Authorization header.)"""
    settings = session.merge_environment_settings(url, {}, None, None, None)
    session.proxies.update(settings["proxies"])
    if url.startswith("https:"):
        session.verify = settings["verify"]
    session.trust_env = False


class StatusApiUnavailable(Exception):
    """The status API could not answer: down, slow, misconfigured or answering nonsense."""


class MailboxSource(Protocol):
    """Where mailbox statuses come from (the status API client; the demo can plug in another)."""

    def mailboxes_for(self, owner_email: str) -> list[Mailbox]: ...

    def find_by_email(self, email: str) -> list[Mailbox]: ...

    def mailbox_by_email(self, email: str) -> Mailbox | None: ...

    def mailbox(self, mailbox_id: str) -> Mailbox | None: ...


class StatusClient:
    """Reads mailbox statuses from the status API over HTTP."""

    def __init__(self, base_url: str, api_key: str | None, timeout: float = 2.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        # One pooled connection per listener thread, so concurrent answers reuse connections.
        self.session.mount("http://", HTTPAdapter(pool_maxsize=POOL_SIZE))
        self.session.mount("https://", HTTPAdapter(pool_maxsize=POOL_SIZE))
        if api_key:
            self.session.headers["Authorization"] = f"Bearer {api_key}"
        self.session.headers["Accept"] = "application/json"
        read_environment_once(self.session, self.base_url)

    def mailboxes_for(self, owner_email: str) -> list[Mailbox]:
        """Every mailbox owned by `owner_email`, however many: page after page through the cursor."""
        return self._list({"owner_email": owner_email})

    def mailbox_by_email(self, email: str) -> Mailbox | None:
        """The mailbox whose address is `email` (any case), or None: one request (`?email=`)."""
        found = self._mailboxes(self._get("/api/v1/mailboxes", {"email": email}))
        return found[0] if found else None

    def find_by_email(self, email: str) -> list[Mailbox]:
        """Mailboxes owned by `email`, else the mailbox whose own address it is (admins' lookups)."""
        owned = self.mailboxes_for(email)
        if owned:
            return owned
        found = self.mailbox_by_email(email)
        return [found] if found else []

    def mailbox(self, mailbox_id: str) -> Mailbox | None:
        """One mailbox by id; None when there is no such mailbox."""
        data = self._get(f"/api/v1/mailboxes/{mailbox_id}", {}, absent=(404,))
        return Mailbox.from_json(data) if data else None

    def events(self, mailbox_id: str, limit: int = 10) -> list[dict[str, Any]]:
        """The mailbox's recent events, newest first."""
        data = self._get(f"/api/v1/mailboxes/{mailbox_id}/events", {"limit": limit}, absent=(404,))
        return list(data.get("items", [])) if data else []

    # -- the worker's reads (proactive messages) -------------------------------------------

    def event_page(self, after: int, limit: int = 200) -> tuple[list[dict[str, Any]], int]:
        """One page of the event feed after event id `after`: its items and `next_after`."""
        page = self._get("/api/v1/events", {"after": after, "limit": limit}) or {}
        try:
            return list(page["items"]), int(page["next_after"])
        except (KeyError, TypeError, ValueError) as exc:
            raise StatusApiUnavailable(f"unexpected event feed page: {exc!r}") from exc

    def incidents(self, active: bool = True) -> list[dict[str, Any]]:
        """Provider incidents (the active ones by default), newest first."""
        page = self._get("/api/v1/incidents", {"active": "true" if active else "false"}) or {}
        return list(page.get("items", []))

    def _list(self, params: dict[str, Any]) -> list[Mailbox]:
        """Every mailbox of a listing, following `next_cursor` to the end."""
        mailboxes: list[Mailbox] = []
        cursor, seen = None, set()
        while True:
            page = self._get(
                "/api/v1/mailboxes", {**params, "limit": PAGE_SIZE, **({"cursor": cursor} if cursor else {})}
            )
            mailboxes.extend(self._mailboxes(page))
            cursor = (page or {}).get("next_cursor")
            if not cursor:
                return mailboxes
            if cursor in seen:  # a listing that goes round in circles would never end
                raise StatusApiUnavailable("the mailbox list's next_cursor did not advance")
            seen.add(cursor)

    @staticmethod
    def _mailboxes(page: dict[str, Any] | None) -> list[Mailbox]:
        """The mailboxes of one page of the list."""
        try:
            return [Mailbox.from_json(item) for item in (page or {})["items"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise StatusApiUnavailable(f"unexpected mailbox list: {exc!r}") from exc

    def _get(self, path: str, params: dict[str, Any], absent: tuple[int, ...] = ()) -> dict[str, Any] | None:
        """The JSON object at `path`; None for the statuses in `absent` (what is asked for does not exist)."""
        url = self.base_url + path
        try:
            response = self.session.get(url, params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            logger.warning("status API unreachable: GET %s: %s", path, exc)
            raise StatusApiUnavailable(str(exc)) from exc
        if response.status_code in absent:
            return None
        if response.status_code != 200:
            logger.warning(
                "status API answered %s to GET %s: %.300s", response.status_code, path, response.text
            )
            raise StatusApiUnavailable(f"GET {path} answered {response.status_code}")
        try:
            data = response.json()
        except ValueError as exc:
            raise StatusApiUnavailable(f"GET {path} answered non-JSON") from exc
        if not isinstance(data, dict):
            raise StatusApiUnavailable(f"GET {path} answered {type(data).__name__}, not an object")
        return data
