"""The mailbox status the bot reads from the status API, as typed data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class Failure:
    """The last failure recorded for a mailbox (kept after a reconnect)."""

    reason: str
    title: str | None
    error: str | None
    occurred_at: datetime | None
    confidence: float | None = None


@dataclass(frozen=True)
class TokenWarning:
    """A warning recorded while the mailbox is connected (an `error` event, history only): e.g. the
    token monitor's notice that a refresh token lapses soon."""

    error: str
    reason: str
    occurred_at: datetime | None


@dataclass(frozen=True)
class Mailbox:
    """One connected mailbox and its current status."""

    id: str
    email: str
    provider: str
    owner_email: str
    status: str
    disconnected_at: datetime | None = None
    last_failure: Failure | None = None
    # Disconnections within recent.RECENT (often: support first); None when not counted
    # (the status API counts them for disconnected mailboxes of its list; the bot reads the history else).
    recent_disconnects: int | None = None
    # The newest warning since the mailbox last connected (the status API's list sends it; None else).
    warning: TokenWarning | None = None

    @property
    def is_disconnected(self) -> bool:
        """True when the mailbox is disconnected now."""
        return self.status == "disconnected"

    @property
    def reason_code(self) -> str:
        """The reason code of the last failure, `unknown` when none was recorded."""
        return self.last_failure.reason if self.last_failure and self.last_failure.reason else "unknown"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Mailbox:
        """Build a mailbox from the status API's JSON."""
        failure = data.get("last_failure")
        return cls(
            id=str(data["id"]),
            email=data["email"],
            provider=data.get("provider") or "other",
            owner_email=data.get("owner_email") or "",
            status=data.get("status") or "connected",
            disconnected_at=parse_time(data.get("disconnected_at")),
            last_failure=Failure(
                reason=failure.get("reason") or "unknown",
                title=failure.get("title"),
                error=failure.get("error"),
                occurred_at=parse_time(failure.get("occurred_at")),
                confidence=failure.get("confidence"),
            )
            if failure
            else None,
            recent_disconnects=_count(data.get("recent_disconnects")),
            warning=_warning(data.get("last_warning")),
        )


def parse_time(value: str | None) -> datetime | None:
    """Parse an ISO 8601 timestamp (a trailing `Z` included); None stays None."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _warning(data: Any) -> TokenWarning | None:
    """The list's `last_warning`; anything but an object with an error counts as none."""
    if not isinstance(data, dict) or not isinstance(data.get("error"), str) or not data["error"]:
        return None
    return TokenWarning(
        error=data["error"],
        reason=str(data.get("reason") or "unknown"),
        occurred_at=parse_time(data.get("occurred_at")),
    )


def _count(value: Any) -> int | None:
    """A count sent by the status API; anything but a non-negative integer counts as not sent."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
