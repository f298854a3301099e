"""The Bolt app: wiring only (client, middleware, listeners, error handler)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.error import BoltUnhandledRequestError
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.dedupe import EventDedupe
from bot.identity import Identity
from bot.listeners import register_listeners
from bot.services import Services
from mailbox_assistant.conversations.transcript import ConversationLog
from mailbox_assistant.db import make_engine
from mailbox_assistant.escalation.desk import EscalationDesk
from mailbox_assistant.mailboxes.client import MailboxSource, StatusClient
from mailbox_assistant.outcomes.votes import FeedbackVotes
from mailbox_assistant.settings import Settings
from mailbox_assistant.slack.client import create_web_client

logger = logging.getLogger(__name__)

# Answers in flight per process; the rest wait in the executor's queue (Slack was acked already). Each
# answer is mostly CPU now (one status API call, one or two one-statement writes), so more threads only
# queue for the GIL, and so do the acks on gunicorn's threads: bench/bot_latency.py measured fewer
# threads giving a lower ack p99 (figures in the README).
LISTENER_THREADS = 4


def _drop(record: logging.LogRecord) -> bool:
    """A logging filter that lets nothing through."""
    return False


def create_bolt_app(
    settings: Settings,
    client: WebClient,
    *,
    dedupe: EventDedupe,
    source: MailboxSource | None = None,
    identity: Identity | None = None,
    socket_mode: bool = False,
    engine: Engine | None = None,
) -> App:
    """A Bolt app answering through `client`; HTTP mode needs the signing secret, Socket Mode does not."""
    if not socket_mode:
        settings.require("slack_signing_secret")
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    app = App(
        client=client,
        signing_secret=secret,
        request_verification_enabled=not socket_mode,
        token_verification_enabled=False,
        process_before_response=False,
        raise_error_for_unhandled_request=True,
        listener_executor=ThreadPoolExecutor(
            max_workers=LISTENER_THREADS, thread_name_prefix="bolt-listener"
        ),
    )
    # Bolt logs a refused request's whole body at INFO; bot/http.py refuses those before Bolt sees them,
    # and logs them without the body.
    logging.getLogger("slack_bolt.RequestVerification").addFilter(_drop)
    source = source or StatusClient(
        settings.status_api_url, _secret(settings.status_api_key), timeout=settings.status_api_timeout_seconds
    )
    # Escalations and the conversation turns they copy live in the database (default: DATABASE_URL).
    engine = engine or make_engine(settings.database_url)
    conversations = ConversationLog(engine, retention=timedelta(days=settings.transcript_retention_days))
    services = Services(
        settings=settings,
        source=source,
        identity=identity or Identity(),
        conversations=conversations,
        escalations=EscalationDesk(
            engine,
            source,
            conversations,
            admin_ids=settings.admin_slack_ids,
            daily_limit=settings.escalations_per_day,
        ),
        dedupe=dedupe,
    )

    votes = FeedbackVotes(engine)

    def drop_replays(request: BoltRequest, body: dict[str, Any], next: Any) -> BoltResponse | None:
        """A slash command or interaction received before is acknowledged and goes no further."""
        if dedupe.is_replay(body, request.headers):
            return BoltResponse(status=200, body="")
        next()
        return None

    def provide_services(context: BoltContext, next: Any) -> None:
        context["services"] = services
        context["votes"] = votes
        next()

    app.use(drop_replays)
    app.use(provide_services)
    register_listeners(app)
    app.error(handle_error)
    return app


def build_bot(settings: Settings, *, socket_mode: bool = False) -> App:
    """The production bot from settings: Slack client, status client, database deduplication."""
    client = create_web_client(settings)
    engine = make_engine(settings.database_url)
    dedupe = EventDedupe(engine)
    dedupe.check_table()
    return create_bolt_app(settings, client, dedupe=dedupe, socket_mode=socket_mode, engine=engine)


def handle_error(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
    """One place for listener errors: unhandled requests get 200 quietly, the rest are logged with context."""
    if isinstance(error, BoltUnhandledRequestError):
        logger.info("no listener for Slack request %s", _describe(body))
        return BoltResponse(status=200, body="")
    logger.error("Slack listener failed for %s", _describe(body), exc_info=error)
    return None


def _describe(body: dict[str, Any]) -> str:
    kind = body.get("type") or ("command" if "command" in body else "unknown")
    detail = (body.get("event") or {}).get("type") or body.get("command") or body.get("callback_id") or ""
    return f"{kind} {detail} {body.get('event_id') or ''}".strip()


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None
