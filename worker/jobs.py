"""The jobs the worker runs, built from the settings: each feature adds its own here."""

from __future__ import annotations

from mailbox_assistant.escalation.outbox import build_escalation_outbox
from mailbox_assistant.reconnect.monitor import build_token_monitor
from mailbox_assistant.settings import Settings
from worker.housekeeping import build_housekeeping
from worker.notices import build_notify_jobs
from worker.outcomes import build_ledger_job
from worker.runner import Job


def build_jobs(settings: Settings) -> list[Job]:
    """Every job this deployment runs: escalations, the token monitor, proactive notices, the outcomes
    ledger's catch-up, housekeeping."""
    jobs: list[Job] = []
    escalations = build_escalation_outbox(settings)
    if escalations is not None:
        jobs.append(escalations)
    token_monitor = build_token_monitor(settings)
    if token_monitor is not None:
        jobs.append(token_monitor)
    jobs.extend(build_notify_jobs(settings))
    jobs.append(build_ledger_job(settings))
    jobs.append(build_housekeeping(settings))
    return jobs
