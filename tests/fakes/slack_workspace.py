"""The Slack stand-in plus what proactive DMs need: DM history with message metadata, deactivated users,
and (for benchmarks) Slack's posting limits enforced with 429 + Retry-After."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from typing import Any

from werkzeug.wrappers import Response

from tests.fakes.slack import FakeSlack

WRITE_METHODS = ("chat.postMessage", "chat.update")


class SlackWorkspace(FakeSlack):
    """FakeSlack that keeps each channel's messages; optionally limits writes per channel and overall."""

    def __init__(self, per_channel_per_second: float | None = None, per_second: float | None = None) -> None:
        super().__init__()
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.accepted: list[tuple[float, str, dict[str, Any]]] = []  # (time, method, body) of writes
        self.on_accept: list[Any] = []  # hooks called with (time, method, body) of each accepted write
        self.rejected = 0
        self._per_channel = per_channel_per_second
        self._per_second = per_second
        self._last_write: dict[str, float] = {}
        self._recent: deque[float] = deque()
        self._limits = threading.Lock()
        self._refusals: dict[str, list[str]] = {}

    def deactivate(self, user_id: str) -> None:
        """Make the user deactivated (`deleted: true`), as Slack reports them."""
        self.users[user_id]["deleted"] = True

    def refuse_next(self, method: str, error: str, times: int = 1) -> None:
        """Refuse the next `times` calls of `method` the way Slack refuses a message it cannot take:
        HTTP 200 with `ok: false` and `error` (invalid_blocks, msg_too_long…)."""
        with self._limits:
            self._refusals.setdefault(method, []).extend([error] * times)

    def posted(self) -> list[dict[str, Any]]:
        """Bodies of the accepted chat.postMessage calls, in order."""
        with self._limits:
            return [body for _, method, body in self.accepted if method == "chat.postMessage"]

    def _answer(self, method: str, body: dict[str, Any]) -> Response:
        with self._limits:
            refusal = self._refusals.get(method, []).pop(0) if self._refusals.get(method) else None
        if refusal:
            return Response(json.dumps({"ok": False, "error": refusal}), 200, content_type="application/json")
        if method in WRITE_METHODS:
            wait = self._admit(str(body.get("channel")))
            if wait:
                return Response(
                    json.dumps({"ok": False, "error": "ratelimited"}),
                    429,
                    headers={"Retry-After": str(wait)},
                    content_type="application/json",
                )
        if method == "conversations.history":
            return self._history(body)
        response = super()._answer(method, body)
        if method in WRITE_METHODS:
            accepted = (time.monotonic(), method, body)
            with self._limits:
                self.accepted.append(accepted)
            for hook in self.on_accept:
                hook(*accepted)
        if method == "chat.postMessage" and response.status_code == 200:
            answer = json.loads(response.get_data())
            message = {"ts": answer["ts"], "text": body.get("text"), "metadata": body.get("metadata")}
            with self._limits:
                self.messages.setdefault(str(body.get("channel")), []).append(message)
        return response

    def _admit(self, channel: str) -> int:
        """0 when the write is within the limits (and record it), else the seconds to wait."""
        now = time.monotonic()
        with self._limits:
            if self._per_channel and now - self._last_write.get(channel, -1e9) < 1 / self._per_channel:
                self.rejected += 1
                return 1
            while self._recent and now - self._recent[0] >= 1.0:
                self._recent.popleft()
            if self._per_second and len(self._recent) >= self._per_second:
                self.rejected += 1
                return 1
            self._recent.append(now)
            self._last_write[channel] = now
            return 0

    def _history(self, body: dict[str, Any]) -> Response:
        oldest = float(body.get("oldest") or 0)
        with self._limits:
            found = [m for m in self.messages.get(str(body.get("channel")), []) if float(m["ts"]) >= oldest]
        data = {"ok": True, "messages": list(reversed(found)), "has_more": False}
        return Response(json.dumps(data), 200, content_type="application/json")
