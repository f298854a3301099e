"""The escalation outbox: claim due cases, email support and post to the support channel, retry with backoff.

Cases are leased with the one queue primitive (mailbox_assistant.outbox): a worker that dies after
claiming loses the case to the next worker once the lease runs out, and the attempt it used is
counted. The email and the Slack post are marked done separately, so a failure of one never re-sends
the other. Delivery is at least once; see the README for the window.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from functools import partial

from sqlalchemy import Engine, and_, or_, update
from sqlalchemy.orm import Session

from mailbox_assistant.db import make_engine, write_transaction
from mailbox_assistant.escalation.email import build_email
from mailbox_assistant.escalation.models import Escalation
from mailbox_assistant.escalation.smtp import describe_error, parse_smtp_url, send_message
from mailbox_assistant.escalation.support_channel import post_to_support_channel
from mailbox_assistant.orm import utcnow
from mailbox_assistant.outbox import Lease, LeasedTable, RetryPolicy
from mailbox_assistant.settings import Settings
from mailbox_assistant.slack.client import create_web_client

logger = logging.getLogger(__name__)

table = Escalation.__table__
RETRYABLE = ("queued", "failed")
QUEUE = LeasedTable(Escalation.id, Escalation.lease_token, Escalation.locked_until, Escalation.attempts)
RELEASED = {"lease_token": None, "locked_until": None}


class EscalationOutbox:
    """The worker job `escalations`: delivers queued escalations; `run_once` handles one batch."""

    name = "escalations"

    def __init__(
        self,
        engine: Engine,
        *,
        send_email: Callable[[EmailMessage], None],
        support_email: str,
        email_from: str,
        post_to_slack: Callable[[Escalation], None] | None = None,
        clock: Callable[[], datetime] = utcnow,
        batch_size: int = 10,
        lease: timedelta = timedelta(minutes=5),
        backoff_base: timedelta = timedelta(seconds=30),
        backoff_cap: timedelta = timedelta(hours=1),
        alert_after: int = 5,
    ) -> None:
        self.engine = engine
        self.send_email = send_email
        self.support_email = support_email
        self.email_from = email_from
        self.post_to_slack = post_to_slack
        self.clock = clock
        self.batch_size = batch_size
        self.lease = lease
        # Giving up raises the alert (status `failed`, an ERROR line); a failed case is still retried
        # at the capped wait, because support must get every case.
        self.retry = RetryPolicy(backoff_base, backoff_cap, max_attempts=alert_after)

    def run_once(self) -> int:
        """Claim the due cases and try to deliver each; returns how many were attempted."""
        claimed = self.claim()
        for lease in claimed:
            self.deliver(lease)
        return len(claimed)

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed attempt: doubling from the base, capped."""
        return self.retry.wait(attempts)

    def claim(self) -> list[Lease]:
        """Take a lease on up to `batch_size` due cases: the lease of each one this worker won."""
        due = or_(
            and_(Escalation.status.in_(RETRYABLE), Escalation.run_at <= self.clock()),
            Escalation.status == "sending",  # a crashed worker's claim, once its lease has run out
        )
        with write_transaction(self.engine) as connection:
            leases = QUEUE.claim(
                connection,
                due=due,
                now=self.clock(),
                lease=self.lease,
                limit=self.batch_size,
                order_by=(Escalation.run_at, Escalation.id),
            )
            if leases:
                connection.execute(
                    update(table)
                    .where(table.c.id.in_([lease.key for lease in leases]))
                    .values(status="sending")
                )
        return leases

    def deliver(self, lease: Lease) -> None:
        """Send what is still unsent of one claimed case, then record the outcome."""
        case_id = lease.key
        with Session(self.engine, expire_on_commit=False) as session:
            case = session.get(Escalation, case_id)
        if case is None:
            return
        errors: list[str] = []
        if case.email_sent_at is None:
            try:
                self.send_email(
                    build_email(case, support_email=self.support_email, email_from=self.email_from)
                )
            except Exception as exc:
                errors.append(f"email: {describe_error(exc)}")
                _log_unexpected(exc, case_id)
            else:
                self._mark(lease, email_sent_at=self.clock())
        if self.post_to_slack is not None and case.slack_posted_at is None:
            try:
                self.post_to_slack(case)
            except Exception as exc:
                errors.append(f"slack: {type(exc).__name__}: {str(exc)[:200]}")
            else:
                self._mark(lease, slack_posted_at=self.clock())
        if errors:
            self._retry_later(case, lease, "; ".join(errors))
        else:
            now = self.clock()
            self._mark(lease, status="sent", sent_at=now, last_error=None, **RELEASED)
            logger.info("escalation %s delivered to support", case_id)

    def _retry_later(self, case: Escalation, lease: Lease, error: str) -> None:
        attempts = case.attempts  # already counts this attempt (counted at claim)
        retry = self.retry.next_try(attempts, self.clock())
        run_at, failed = retry.run_at, retry.gave_up
        self._mark(
            lease, status="failed" if failed else "queued", run_at=run_at, last_error=error[:2000], **RELEASED
        )
        if failed:
            # Still retried at the capped interval; the error level and the `failed` status alert operators.
            logger.error(
                "escalation %s not delivered after %d attempts (%s); next try %s; "
                "see `mailbox-assistant escalations list --failed`",
                case.id,
                attempts,
                error,
                run_at.isoformat(),
            )
        else:
            logger.warning("escalation %s attempt %d failed (%s); retry %s", case.id, attempts, error, run_at)

    def _mark(self, lease: Lease, **values: object) -> None:
        """Update the case while this worker's lease holds (another worker may have taken it over)."""
        with write_transaction(self.engine) as connection:
            result = connection.execute(
                update(table).where(QUEUE.held(lease), Escalation.status == "sending").values(**values)
            )
        if result.rowcount != 1:
            logger.warning("escalation %s: lease lost before recording %s", lease.key, sorted(values))


def _log_unexpected(exc: Exception, case_id: int) -> None:
    """SMTP refusals and network errors are expected; anything else is a bug worth a traceback."""
    if not isinstance(exc, smtplib.SMTPException | OSError):
        logger.error("escalation %s: unexpected error building or sending the email", case_id, exc_info=exc)


def build_escalation_outbox(settings: Settings, engine: Engine | None = None) -> EscalationOutbox | None:
    """The outbox job from the settings; None (with a warning) when SMTP_URL is unset: cases stay queued."""
    if settings.smtp_url is None:
        logger.warning("SMTP_URL is not set: escalations are recorded but stay queued until it is")
        return None
    target = parse_smtp_url(settings.smtp_url.get_secret_value())
    post = None
    if settings.support_slack_channel:
        client = create_web_client(settings)
        channel = settings.support_slack_channel

        def post(case: Escalation) -> None:
            post_to_support_channel(client, channel, case, settings.support_email)

    logger.info("escalation outbox: email to %s via %s", settings.support_email, target.describe())
    return EscalationOutbox(
        engine or make_engine(settings.database_url),
        send_email=partial(send_message, target),
        support_email=settings.support_email,
        email_from=settings.email_from,
        post_to_slack=post,
    )
