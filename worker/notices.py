"""Proactive DMs: the three jobs of the worker, wired from the settings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from mailbox_assistant.db import make_engine, make_session_factory
from mailbox_assistant.mailboxes.client import StatusClient
from mailbox_assistant.notices.delivery import DeliveryJob, DeliveryPolicy
from mailbox_assistant.notices.feed import FeedConsumer
from mailbox_assistant.notices.outbox import Outbox, SendPacer
from mailbox_assistant.notices.reminders import ReminderJob
from mailbox_assistant.notices.rules import Rules
from mailbox_assistant.orm import utcnow
from mailbox_assistant.reconnect.destination import reconnect_url
from mailbox_assistant.settings import Settings
from mailbox_assistant.slack.client import create_web_client
from worker.runner import Job

logger = logging.getLogger(__name__)


def build_notify_jobs(settings: Settings, clock: Callable[[], datetime] = utcnow) -> list[Job]:
    """The feed consumer, the delivery job and the reminder job; none without a Slack bot token."""
    if settings.slack_bot_token is None:
        logger.warning("SLACK_BOT_TOKEN is not set: proactive DMs are off")
        return []
    settings.require("status_api_key")
    sessions = make_session_factory(make_engine(settings.database_url))
    rules = Rules.from_settings(settings)
    status = StatusClient(settings.status_api_url, settings.status_api_key.get_secret_value(), timeout=5.0)
    # Reads are idempotent: retry a dropped keep-alive connection instead of failing the turn.
    retrying = HTTPAdapter(
        pool_maxsize=32, max_retries=Retry(total=2, backoff_factor=0.1, allowed_methods={"GET"})
    )
    status.session.mount("http://", retrying)
    status.session.mount("https://", retrying)
    policy = DeliveryPolicy(
        concurrency=settings.notify_concurrency,
        channel_interval=timedelta(seconds=1 / settings.slack_channel_messages_per_second),
    )
    delivery = DeliveryJob(
        Outbox(sessions, timedelta(seconds=settings.notify_lease_seconds), clock),
        create_web_client(settings),
        status,
        SendPacer(sessions, settings.slack_messages_per_second, clock),
        lambda mailbox: reconnect_url(mailbox, settings),
        policy,
        clock,
    )
    return [
        FeedConsumer(sessions, status, rules, settings.notify_page_size, clock),
        delivery,
        ReminderJob(sessions, rules, clock),
    ]
