"""Run the worker's jobs in a loop: each job does a bounded batch per turn; idle turns sleep."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

logger = logging.getLogger(__name__)


class Job(Protocol):
    """One kind of background work. `run_once` handles a bounded batch and says how many items."""

    name: str

    def run_once(self) -> int:
        """Do what is due now; return the number of items handled (0 when idle)."""
        ...


class Every:
    """When a job that works at an interval is due: at its first turn, then once per interval."""

    def __init__(self, interval: timedelta, clock: Callable[[], datetime]) -> None:
        self.interval, self.clock = interval, clock
        self._next: datetime | None = None

    def due(self) -> datetime | None:
        """The time now when the job is due (and the next turn is an interval away), else None."""
        now = self.clock()
        if self._next is not None and now < self._next:
            return None
        self._next = now + self.interval
        return now


def run_jobs(jobs: Sequence[Job], stop: threading.Event, idle_seconds: float = 0.25) -> None:
    """Run `jobs` in turn until `stop` is set; a job's failure is logged and never stops the others."""
    while not stop.is_set():
        handled = sum(run_job_once(job) for job in jobs)
        if not handled:
            stop.wait(idle_seconds)


def run_each_in_its_thread(jobs: Sequence[Job], stop: threading.Event, idle_seconds: float = 0.25) -> None:
    """Run every job in a thread of its own until `stop` is set, so a slow one (an SMTP send, a token
    refresh) never holds the others back; returns when all have stopped."""
    threads = [
        threading.Thread(
            target=run_jobs, args=([job], stop, idle_seconds), name=f"job-{job.name}", daemon=True
        )
        for job in jobs
    ]
    logger.info("worker started with jobs: %s", ", ".join(job.name for job in jobs) or "none")
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    logger.info("worker stopped")


def run_job_once(job: Job) -> int:
    """One turn of `job`; an exception is logged with the job's name and counts as idle."""
    try:
        return job.run_once()
    except Exception:
        logger.exception("worker job %s failed; it will be retried on the next turn", job.name)
        return 0
