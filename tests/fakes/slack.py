"""A loopback stand-in for Slack's Web API and response_urls: records requests, refuses what Slack refuses
(Block Kit and its limits, see tests.fakes.block_kit), can be scripted to fail."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request, Response

from tests.fakes import block_kit
from tests.fakes.loopback import LoopbackServer

BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
TEAM_ID = "T0TEAM"


@dataclass
class Call:
    """One request the stand-in received: the Web API method (or `response_url`), its full body, and why
    Slack would refuse it (empty when Slack accepts it)."""

    method: str
    body: dict[str, Any]
    path: str
    received_at: float = field(default_factory=time.perf_counter)
    problems: tuple[block_kit.Problem, ...] = ()


class FakeSlack:
    """Slack's Web API on 127.0.0.1, port 0: `base_url` for WebClient, `response_url()` for payloads.

    A chat.*, views.* or response_url payload Slack would refuse is refused with Slack's answer and kept
    in `refused`; the test that sent it fails (tests/conftest.py) unless it called `expect_refusals()`."""

    def __init__(self) -> None:
        self.users: dict[str, dict[str, Any]] = {}
        self.calls: list[Call] = []
        self.refused: list[Call] = []  # kept across reset(), so a refusal cannot be forgotten
        self._refusals_expected = False
        self._refusals_reported = 0
        self.on_call: list[Callable[[Call], None]] = []  # hooks run as each call arrives (benchmarks)
        self._failures: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self._changed = threading.Condition()
        self._counter = 0
        self._server = LoopbackServer(self._wsgi, name="fake-slack")

    # -- lifecycle and wiring ---------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        """Serve in a background thread."""
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.stop()

    @property
    def base_url(self) -> str:
        """The Web API base URL for `WebClient(base_url=...)`."""
        return f"{self._server.url}/api/"

    def response_url(self, name: str = "r") -> str:
        """A response_url that lands here (recorded as method `response_url`)."""
        return f"{self._server.url}/response/{name}"

    def add_user(
        self,
        user_id: str,
        email: str | None,
        *,
        is_bot: bool = False,
        name: str = "",
        display_name: str = "",
        handle: str = "",
    ) -> None:
        """Make `users.info`, `users.lookupByEmail` and `users.list` know a user (shaped as Slack's are:
        `name` is the handle, the names people see are in the profile)."""
        real_name = name or user_id
        profile = {
            "real_name": real_name,
            "display_name": display_name,
            **({"email": email} if email else {}),
        }
        self.users[user_id] = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": handle or real_name.lower().replace(" ", "."),
            "real_name": real_name,
            "deleted": False,
            "is_bot": is_bot,
            "profile": profile,
        }

    def fail_next(
        self, method: str, status: int, times: int = 1, headers: dict[str, str] | None = None
    ) -> None:
        """Answer the next `times` calls of `method` with HTTP `status` (e.g. 429 with Retry-After, 500)."""
        self._failures.setdefault(method, []).extend([(status, headers or {})] * times)

    # -- reading what happened -------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        """Every recorded call of `method`, in arrival order."""
        with self._changed:
            return [call for call in self.calls if call.method == method]

    def wait_for(self, predicate: Callable[[list[Call]], Any], timeout: float = 5.0) -> Any:
        """Wait until `predicate(calls)` is truthy and return its value; fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                value = predicate(list(self.calls))
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    methods = [call.method for call in self.calls]
                    raise AssertionError(f"condition not met within {timeout}s; calls so far: {methods}")
                self._changed.wait(remaining)

    def wait_for_call(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until `method` was called at least `count` times; return those calls."""

        def enough(calls: list[Call]) -> list[Call] | None:
            matching = [call for call in calls if call.method == method]
            return matching if len(matching) >= count else None

        return self.wait_for(enough, timeout)

    def expect_refusals(self) -> None:
        """This test sends what Slack refuses on purpose: its refusals do not fail it."""
        self._refusals_expected = True

    def assert_nothing_refused(self) -> None:
        """Fail with what Slack would have refused, and why, unless refusals were expected; each refusal
        is reported once."""
        with self._changed:
            unreported = self.refused[self._refusals_reported :]
            self._refusals_reported = len(self.refused)
        if unreported and not self._refusals_expected:
            lines = [f"{call.method}: {', '.join(map(str, call.problems))}" for call in unreported]
            raise AssertionError("Slack would refuse what the test sent:\n" + "\n".join(lines))

    def reset(self) -> None:
        """Forget recorded calls and scripted failures (not refusals: the test still fails for them)."""
        with self._changed:
            self.calls.clear()
            self._failures.clear()

    # -- the server ------------------------------------------------------------------------------------

    def _wsgi(self, environ: dict[str, Any], start_response: Callable) -> Any:
        arrived = time.perf_counter()
        request = Request(environ)
        path = request.path
        method = "response_url" if path.startswith("/response/") else path.removeprefix("/api/")
        body = self._parse(request)
        failure = self._take_failure(method)
        problems = block_kit.problems(method, body) if failure is None else []
        if problems:
            status, content_type, text = block_kit.refusal(method, problems)
            response = Response(text, status, content_type=content_type)
        elif failure is None:
            response = self._answer(method, body)
        else:
            status, headers = failure
            response = Response(
                json.dumps({"ok": False, "error": "scripted"}),
                status,
                headers=headers,
                content_type="application/json",
            )
        call = Call(method=method, body=body, path=path, received_at=arrived, problems=tuple(problems))
        for hook in self.on_call:
            hook(call)
        with self._changed:
            self.calls.append(call)
            if problems:
                self.refused.append(call)
            self._changed.notify_all()
        return response(environ, start_response)

    def _take_failure(self, method: str) -> tuple[int, dict[str, str]] | None:
        with self._changed:
            queue = self._failures.get(method)
            return queue.pop(0) if queue else None

    @staticmethod
    def _parse(request: Request) -> dict[str, Any]:
        body: dict[str, Any] = dict(parse_qsl(request.query_string.decode()))
        raw = request.get_data(as_text=True)
        if request.mimetype == "application/json" and raw:
            body.update(json.loads(raw))
        elif raw:
            body.update(dict(parse_qsl(raw)))
        for key in ("blocks", "view", "attachments"):
            if isinstance(body.get(key), str):
                # What is not JSON stays a string: the payload's checks refuse it, as Slack does.
                with contextlib.suppress(ValueError):
                    body[key] = json.loads(body[key])
        return body

    def _answer(self, method: str, body: dict[str, Any]) -> Response:
        self._counter += 1
        ts = f"{int(time.time())}.{self._counter:06d}"
        answers: dict[str, Callable[[], dict[str, Any]]] = {
            "auth.test": lambda: {
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "team_id": TEAM_ID,
                "user": "bot",
            },
            "users.info": lambda: self._user(body.get("user", "")),
            "users.lookupByEmail": lambda: self._user_by_email(body.get("email", "")),
            "users.list": lambda: self._user_page(body.get("cursor") or "", int(body.get("limit") or 0)),
            "conversations.open": lambda: {"channel": {"id": "D" + str(body.get("users", "")).lstrip("U")}},
            "chat.postMessage": lambda: {"channel": body.get("channel"), "ts": ts, "message": {"ts": ts}},
            "chat.postEphemeral": lambda: {"message_ts": ts},
            "chat.update": lambda: {"channel": body.get("channel"), "ts": body.get("ts")},
            "views.publish": lambda: {"view": {"id": "V" + ts}},
            "views.open": lambda: {"view": {"id": "V" + ts}},
            "views.update": lambda: {"view": {"id": body.get("view_id") or "V" + ts}},
            "views.push": lambda: {"view": {"id": "V" + ts}},
            "response_url": lambda: {},
        }
        if method not in answers:
            return Response(
                json.dumps({"ok": False, "error": "unknown_method"}), 200, content_type="application/json"
            )
        data = answers[method]()
        ok = "error" not in data
        return Response(json.dumps({"ok": ok, **data}), 200, content_type="application/json")

    def _user(self, user_id: str) -> dict[str, Any]:
        user = self.users.get(user_id)
        return {"user": user} if user else {"error": "user_not_found"}

    def _user_by_email(self, email: str) -> dict[str, Any]:
        for user in self.users.values():
            if (user["profile"].get("email") or "").lower() == email.lower():
                return {"user": user}
        return {"error": "users_not_found"}

    def _user_page(self, cursor: str, limit: int) -> dict[str, Any]:
        """One page of `users.list`: at most `limit` members (all without one), the next page named by an
        opaque cursor in `response_metadata.next_cursor`, empty on the last page, as Slack pages."""
        limit = limit or len(self.users) or 1
        if cursor and not cursor.startswith("page:"):
            return {"error": "invalid_cursor"}
        start = int(cursor.removeprefix("page:") or 0)
        members = list(self.users.values())
        page = members[start : start + limit]
        more = start + limit < len(members)
        return {
            "members": page,
            "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": f"page:{start + limit}" if more else ""},
        }
