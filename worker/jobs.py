"""The jobs the worker runs, built from the settings: each feature adds its own here."""

from __future__ import annotations

from mailbox_assistant.escalation.outbox import build_escalation_outbox
from mailbox_assistant.settings import Settings
from worker.runner import Job


def build_jobs(settings: Settings) -> list[Job]:
    """Every job this deployment runs, in the order they take turns."""
    jobs: list[Job] = []
    # --- escalation to support (issue 5) ---
    escalations = build_escalation_outbox(settings)
    if escalations is not None:
        jobs.append(escalations)
    # --- end escalation ---
    # --- OAuth token monitor (issue 7) ---
    from mailbox_assistant.reconnect.monitor import build_token_monitor

    token_monitor = build_token_monitor(settings)
    if token_monitor is not None:
        jobs.append(token_monitor)
    # --- end token monitor ---
    # --- proactive DMs (issue 6) ---
    from worker.notices import build_notify_jobs

    jobs.extend(build_notify_jobs(settings))
    # --- end proactive DMs ---
    return jobs
