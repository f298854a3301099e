"""The one Slack Web API client factory: bot token, configurable base URL, bounded retries."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from mailbox_assistant.settings import Settings


def create_web_client(settings: Settings, timeout: float = 10.0) -> WebClient:
    """A WebClient for any process: 429 honoured for short waits, 5xx and dropped connections retried.

    Timeouts are not retried in place: Slack may have posted the message, so callers that must not post
    twice (the notice outbox) check the channel before sending again.
    """
    settings.require("slack_bot_token")
    client = WebClient(
        base_url=settings.slack_api_url,
        token=settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None,
        timeout=int(timeout),
    )
    backoff = BackoffRetryIntervalCalculator(backoff_factor=0.5)
    client.retry_handlers = [
        ConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=backoff),
        PatientRateLimitHandler(max_retry_count=2),
        ServerErrorRetryHandler(max_retry_count=2, interval_calculator=backoff),
    ]
    return client


class PatientRateLimitHandler(RateLimitErrorRetryHandler):
    """Honour 429 Retry-After by waiting in place, but only for short waits; longer ones go back to the
    caller (an outbox reschedules the row) instead of holding a thread and its lease."""

    def __init__(self, max_retry_count: int = 2, max_wait_seconds: float = 5.0) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait_seconds = max_wait_seconds

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        return retry_after(response.headers) <= self.max_wait_seconds


def retry_after(headers: dict[str, Any]) -> float:
    """Slack's Retry-After in seconds (1 when missing or unreadable)."""
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            try:
                return float(value[0] if isinstance(value, list) else value)
            except (TypeError, ValueError, IndexError):
                return 1.0
    return 1.0
